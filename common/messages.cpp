#include "common/messages.h"

#include <fmt/args.h>
#include <libintl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "common/code_lists.h"
#include "common/utf8.h"

namespace cen::common {
namespace {

constexpr const char* kDomain = "cenhub";
constexpr const char* kCountries = "iso_3166-1";
constexpr std::array<std::string_view, 4> kSupported = {"en", "fr", "es", "ru"};

std::string& Current() {
  static std::string language = "en";
  return language;
}

// LANGUAGE as it was before Use() chose a language: put back when English
// is chosen, so a daemon's child processes (hooks) see the environment they
// were given.
struct Original {
  bool saved = false;
  bool had_language = false;
  std::string language;
};
Original& Start() {
  static Original original;
  return original;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

// Where the compiled catalogues are: <dir>/<lang>/LC_MESSAGES/cenhub.mo.
std::string LocaleDir() {
  if (std::string dir = Env("CEN_LOCALEDIR"); !dir.empty()) return dir;
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const char* relative : {"../locale", "../share/locale"}) {
      const std::filesystem::path dir = exe.parent_path() / relative;
      if (std::filesystem::is_directory(dir, ec)) return dir.lexically_normal().string();
    }
  }
  return "/usr/share/locale";
}

// The locale gettext would read LC_MESSAGES from: LC_ALL, LC_MESSAGES, LANG.
std::string MessagesLocale() {
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    if (std::string v = Env(name); !v.empty()) return v;
  }
  return "";
}

}  // namespace

std::optional<std::string> Messages::MissingCatalogue(std::string_view language) {
  return MissingCatalogueIn(LocaleDir(), language);
}

std::optional<std::string> Messages::MissingCatalogueIn(const std::string& dir,
                                                        std::string_view language) {
  if (language == "en") return std::nullopt;
  std::error_code ec;
  const std::filesystem::path mo =
      std::filesystem::path(dir) / language / "LC_MESSAGES" / (std::string(kDomain) + ".mo");
  if (std::filesystem::exists(mo, ec)) return std::nullopt;
  return "no '" + std::string(language) + "' translations in " + dir +
         " (they go beside the binaries, in ../share/locale or ../locale: cmake --install puts "
         "them there; or set CEN_LOCALEDIR): messages stay in English";
}

std::string Messages::LanguageOf(std::string_view locale) {
  if (locale == "C" || locale == "POSIX" || locale.starts_with("C.")) return "en";
  const std::string_view language = locale.substr(0, locale.find_first_of("_.@"));
  for (const std::string_view s : kSupported) {
    if (s == language) return std::string(s);
  }
  return "";
}

Status Messages::Use(std::string_view lang) {
  std::string language;
  if (!lang.empty()) {
    language = LanguageOf(lang);
    if (language.empty()) {
      std::string list;
      for (const std::string_view s : kSupported)
        list += (list.empty() ? "" : ", ") + std::string(s);
      return UsageError("--lang " + std::string(lang) + ": not a language cenhub speaks (" + list +
                        ")");
    }
  } else {
    const std::string locale = MessagesLocale();
    // GNU gettext: LANGUAGE (a list such as "fr:en") comes first, except
    // under the C locale.
    const std::string list = Env("LANGUAGE");
    if (!list.empty() && !locale.empty() && locale != "C" && locale != "POSIX") {
      for (size_t from = 0; from <= list.size() && language.empty();) {
        const size_t colon = std::min(list.find(':', from), list.size());
        language = LanguageOf(std::string_view(list).substr(from, colon - from));
        from = colon + 1;
      }
    }
    if (language.empty()) language = LanguageOf(locale);
    if (language.empty()) language = "en";
  }
  Original& original = Start();
  if (!original.saved && language != "en") {
    // LANGUAGE is about to be ours: keep the one we were given.
    original.saved = true;
    const char* v = std::getenv("LANGUAGE");
    original.had_language = v != nullptr;
    if (v != nullptr) original.language = v;
  }
  Current() = language;
  if (language == "en") {
    // Nothing translated, and the process as it started: libc's own messages
    // (strerror) stay English too, as daemons log them.
    std::setlocale(LC_MESSAGES, "C");
    if (original.saved) {
      if (original.had_language) {
        setenv("LANGUAGE", original.language.c_str(), 1);
      } else {
        unsetenv("LANGUAGE");
      }
      original.saved = false;
    }
    return Status::Ok();
  }
  // C.UTF-8 exists on every Debian 12 system: under it gettext honours
  // LANGUAGE, so no ru_RU locale has to be generated.
  std::setlocale(LC_MESSAGES, "C.UTF-8");
  setenv("LANGUAGE", language.c_str(), 1);
  // libc's messages (strerror) in UTF-8 whatever LC_CTYPE says.
  bind_textdomain_codeset("libc", "UTF-8");
  const std::string dir = LocaleDir();
  // Binaries copied without their catalogues would speak English without a
  // word: said once, on stderr (stdout stays the command's).
  static bool missing_said = false;
  if (const auto missing = MissingCatalogueIn(dir, language); missing && !missing_said) {
    missing_said = true;
    std::fprintf(stderr, "cenhub: %s\n", missing->c_str());
  }
  bindtextdomain(kDomain, dir.c_str());
  bind_textdomain_codeset(kDomain, "UTF-8");
  bind_textdomain_codeset(kCountries, "UTF-8");
  return Status::Ok();
}

Status Messages::UseFromCommandLine(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--lang" && i + 1 < argc) return Use(argv[i + 1]);
    if (arg.starts_with("--lang=")) return Use(arg.substr(7));
  }
  return Use("");
}

const char* Messages::kLangHelp =
    N_("Language of what a person reads: en, fr, es or ru (default: from LC_ALL, LC_MESSAGES or "
       "LANG); json and csv never change");

std::string_view Messages::Language() { return Current(); }

std::span<const std::string_view> Messages::Supported() { return kSupported; }

const char* Messages::Tr(const char* msgid) {
  if (Current() == "en") return msgid;
  return dgettext(kDomain, msgid);
}

std::string Messages::Label(const char* msgid, size_t width) {
  std::string label = Tr(msgid);
  const size_t used = Utf8::DisplayWidth(label);
  label.append(used < width ? width - used : 1, ' ');
  return label;
}

std::string Messages::Country(std::string_view alpha2) {
  const auto name = CodeLists::CountryName(alpha2);
  if (!name) return "";
  const std::string english(*name);
  if (Current() == "en") return english;
  return dgettext(kCountries, english.c_str());
}

std::string Messages::FormatList(const char* msgid, const std::vector<std::string>& args) {
  fmt::dynamic_format_arg_store<fmt::format_context> store;
  for (const std::string& a : args) store.push_back(a);
  try {
    return fmt::vformat(Tr(msgid), store);
  } catch (const fmt::format_error&) {
  }
  try {
    return fmt::vformat(msgid, store);
  } catch (const fmt::format_error&) {
    return msgid;  // a broken message id: shown as it is
  }
}

}  // namespace cen::common
