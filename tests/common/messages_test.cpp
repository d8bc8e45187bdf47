#include "common/messages.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/test_support/temp_dir.h"

using cen::common::Messages;
using cen::common::StatusCode;

TEST_CASE("Messages names the language of a locale or a --lang value", "[common][messages]") {
  CHECK(Messages::LanguageOf("ru_RU.UTF-8") == "ru");
  CHECK(Messages::LanguageOf("es_ES@euro") == "es");
  CHECK(Messages::LanguageOf("fr") == "fr");
  CHECK(Messages::LanguageOf("C") == "en");
  CHECK(Messages::LanguageOf("C.UTF-8") == "en");
  CHECK(Messages::LanguageOf("POSIX") == "en");
  CHECK(Messages::LanguageOf("de_DE.UTF-8").empty());  // no catalogue: English is used
  CHECK(Messages::Use("tlh").code() == StatusCode::kUsage);
}

TEST_CASE("Messages translates headers and country names through gettext", "[common][messages]") {
  // The catalogues compiled into the build tree (locale/ next to tests/).
  REQUIRE(Messages::Use("ru").ok());
  CHECK(Messages::Language() == "ru");
  CHECK(std::string(Messages::Tr("DATE")) == "ДАТА");
  CHECK(std::string(Messages::Tr("no such message")) == "no such message");
  CHECK(Messages::Country("NL") == "Нидерланды");  // from Debian's iso-codes
  REQUIRE(Messages::Use("es").ok());
  CHECK(std::string(Messages::Tr("{} record(s)")) == "{} registro(s)");
  CHECK(Messages::Country("DE") == "Alemania");
  REQUIRE(Messages::Use("en").ok());
  CHECK(std::string(Messages::Tr("DATE")) == "DATE");
  CHECK(Messages::Country("RU") == "Russian Federation");
  CHECK(Messages::Country("XX").empty());
}

namespace {

// msgid -> msgstr of a .po file (strings on one or more quoted lines).
std::vector<std::pair<std::string, std::string>> Entries(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::vector<std::pair<std::string, std::string>> out;
  std::string* current = nullptr;
  for (std::string line; std::getline(in, line);) {
    auto quoted = [&](size_t from) { return line.substr(from + 1, line.rfind('"') - from - 1); };
    if (line.starts_with("msgid \"")) {
      out.emplace_back(quoted(6), "");
      current = &out.back().first;
    } else if (line.starts_with("msgstr \"")) {
      current = &out.back().second;
      *current = quoted(7);
    } else if (line.starts_with("\"") && current != nullptr) {
      *current += quoted(0);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("Every translation keeps its message's placeholders", "[common][messages]") {
  for (const char* lang : {"fr", "es", "ru"}) {
    const auto entries = Entries(std::string(CEN_TEST_DATA_DIR) + "/../../po/" + lang + ".po");
    CHECK(entries.size() > 50);
    for (const auto& [id, str] : entries) {
      if (id.empty()) continue;  // the header
      CAPTURE(lang, id, str);
      CHECK_FALSE(str.empty());
      CHECK(std::count(str.begin(), str.end(), '{') == std::count(id.begin(), id.end(), '{'));
      CHECK(std::count(str.begin(), str.end(), '}') == std::count(id.begin(), id.end(), '}'));
    }
  }
}

TEST_CASE("A translation with a broken placeholder falls back to English", "[common][messages]") {
  // No catalogue holds a broken entry, so an untranslated id stands in for
  // one: the English text is what Format falls back to.
  CHECK(Messages::Format("{} record(s)", 3) == "3 record(s)");
  CHECK(Messages::Format("broken {", 3) == "broken {");
}

TEST_CASE("English puts LANGUAGE back as the process started", "[common][messages]") {
  // A daemon switches to English once parsed: its hooks see the environment
  // it was given, and libc's messages stay untranslated.
  setenv("LANGUAGE", "pt:en", 1);
  REQUIRE(Messages::Use("ru").ok());
  CHECK(std::string(std::getenv("LANGUAGE")) == "ru");
  REQUIRE(Messages::Use("en").ok());
  REQUIRE(std::getenv("LANGUAGE") != nullptr);
  CHECK(std::string(std::getenv("LANGUAGE")) == "pt:en");
  unsetenv("LANGUAGE");
}

TEST_CASE("Messages says when a language's catalogue is not beside the binaries",
          "[common][messages]") {
  // The build tree's catalogues (locale/, beside the test binary's parent).
  CHECK_FALSE(Messages::MissingCatalogue("ru").has_value());
  CHECK_FALSE(Messages::MissingCatalogue("en").has_value());
  // Binaries copied alone (a trial put them in a directory of their own):
  // every message stayed English, and nothing said why.
  cen::test::TempDir empty;
  setenv("CEN_LOCALEDIR", empty.path().c_str(), 1);
  const auto missing = Messages::MissingCatalogue("ru");
  unsetenv("CEN_LOCALEDIR");
  REQUIRE(missing.has_value());
  CHECK_THAT(*missing, Catch::Contains("no 'ru' translations in " + empty.path()));
  CHECK_THAT(*missing, Catch::Contains("CEN_LOCALEDIR"));
}
