// The language a person reads: cenhub's own catalogue ("cenhub", from the
// .po files in po/, compiled by msgfmt at build time) and the translations
// of country names that Debian's iso-codes ships, through GNU gettext. Only
// what a person reads goes through here; json, csv and exit codes never
// change with the language.
//
//   CEN_RETURN_IF_ERROR(Messages::Use(options.lang));  // --lang, else the environment
//   table.AddColumn(Messages::Tr("DATE"));             // "ДАТА" under LANG=ru_RU.UTF-8
//   Messages::Country("NL");                           // "Нидерланды"
//
// The language is --lang when given (en, fr, es, ru, or a locale name such as
// ru_RU.UTF-8), else the first of LC_ALL, LC_MESSAGES and LANG that is set,
// as gettext reads them, with LANGUAGE first unless that locale is C or
// POSIX. A language without a catalogue reads English. No system locale
// needs to be generated: the catalogues are picked through LANGUAGE over
// C.UTF-8. English puts LC_MESSAGES and LANGUAGE back as they were
// (daemons call Use("en") once parsed: their logs stay English).
//
// The catalogues are looked for in $CEN_LOCALEDIR, else in ../locale and
// ../share/locale next to the running binary (the build tree and an
// installed tree).
//
// Not thread-safe: Use() once at start-up, before any thread; Tr() and
// Country() after it are.
#pragma once

#include <spdlog/fmt/fmt.h>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

// Marks a message id that is translated later, where it is shown (a table
// title: TextTable translates it), so that xgettext --keyword=N_ finds it.
#define N_(text) text

namespace cen::common {

class Messages {
 public:
  // Picks the language and binds the catalogues. `lang` empty: from the
  // environment. A `lang` that names no supported language is a usage error.
  static Status Use(std::string_view lang);
  // Use() with the value of --lang on this command line (--lang X or
  // --lang=X), read before the command line is parsed, so that --help speaks
  // that language too.
  static Status UseFromCommandLine(int argc, const char* const* argv);
  // The help line of the --lang option every tool has (a message id: shown
  // through Tr()).
  static const char* kLangHelp;
  // The language in use: "en" until Use() picked another.
  static std::string_view Language();
  static std::span<const std::string_view> Supported();

  // `msgid` in the language in use; `msgid` itself when not translated.
  static const char* Tr(const char* msgid);
  // `msgid` translated, with "{}" placeholders filled by `args` (fmt). A
  // translation whose placeholders do not fit falls back to the English
  // `msgid` (and a broken msgid is shown as it is): a bad catalogue never
  // ends a tool.
  template <typename... Args>
  static std::string Format(const char* msgid, const Args&... args) {
    try {
      return fmt::format(fmt::runtime(Tr(msgid)), args...);
    } catch (const fmt::format_error&) {
    }
    try {
      return fmt::format(fmt::runtime(msgid), args...);
    } catch (const fmt::format_error&) {
      return msgid;  // a broken message id: shown as it is
    }
  }
  // Format() with the values known at run time only, as text.
  static std::string FormatList(const char* msgid, const std::vector<std::string>& args);
  // `msgid` translated, then spaces up to `width` display columns (one at
  // least): the label of a "label   value" line that stays aligned.
  static std::string Label(const char* msgid, size_t width);
  // The country's name in the language in use ("" for a code ISO 3166-1
  // does not know).
  static std::string Country(std::string_view alpha2);

  // The language a locale name ("ru_RU.UTF-8", "fr", "C") or a --lang value
  // names, when supported; "" when not (C and POSIX name English).
  static std::string LanguageOf(std::string_view locale);
  // Why `language` ("ru") will not be spoken: its catalogue is not where
  // the binaries look (CEN_LOCALEDIR, ../locale, ../share/locale beside the
  // executable, /usr/share/locale); nullopt when it is, and for English.
  // Use() says it once on stderr.
  static std::optional<std::string> MissingCatalogue(std::string_view language);

 private:
  // MissingCatalogue() for catalogues looked for in `dir`.
  static std::optional<std::string> MissingCatalogueIn(const std::string& dir,
                                                       std::string_view language);
};

}  // namespace cen::common
