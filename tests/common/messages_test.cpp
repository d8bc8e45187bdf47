#include "common/messages.h"

#include <catch2/catch.hpp>
#include <string>

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
