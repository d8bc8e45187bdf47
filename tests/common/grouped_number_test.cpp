#include "common/grouped_number.h"

#include <catch2/catch.hpp>

#include "common/messages.h"
#include "tests/test_support/status_matchers.h"

using cen::common::GroupedNumber;
using cen::common::Messages;

namespace {

// Speaks `language` for one test, then English again.
struct Speaking {
  explicit Speaking(const char* language) { cen::test::RequireOk(Messages::Use(language)); }
  ~Speaking() { (void)Messages::Use("en"); }
};

}  // namespace

TEST_CASE("Numbers are grouped and written as a reader of the language expects",
          "[common][messages]") {
  SECTION("English") {
    Speaking en("en");
    CHECK(GroupedNumber(0) == "0");
    CHECK(GroupedNumber(999) == "999");
    CHECK(GroupedNumber(1000) == "1,000");
    CHECK(GroupedNumber(-1234567) == "-1,234,567");
    CHECK(GroupedNumber("19109306.7") == "19,109,306.7");
    CHECK(GroupedNumber("-0.125") == "-0.125");
  }
  SECTION("French: a narrow no-break space, a decimal comma") {
    Speaking fr("fr");
    CHECK(GroupedNumber(1234567) == "1\u202f234\u202f567");
    CHECK(GroupedNumber("19109306.7") == "19\u202f109\u202f306,7");
    CHECK(GroupedNumber("1234.5") == "1\u202f234,5");
    CHECK(GroupedNumber("-12.25") == "-12,25");
  }
  SECTION("Spanish: points, a decimal comma, four digits not grouped") {
    Speaking es("es");
    CHECK(GroupedNumber("1234.5") == "1234,5");
    CHECK(GroupedNumber("12345.6") == "12.345,6");
    CHECK(GroupedNumber(-1234567) == "-1.234.567");
  }
  SECTION("Russian: a no-break space, a decimal comma") {
    Speaking ru("ru");
    CHECK(GroupedNumber("19109306.7") == "19\u00a0109\u00a0306,7");
    CHECK(GroupedNumber(999) == "999");
  }
}
