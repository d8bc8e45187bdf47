#include "node/store/fts_text.h"

#include <catch2/catch.hpp>

#include "tests/test_support/databases.h"
#include "tests/test_support/status_matchers.h"

using cen::common::Database;
using cen::node::FtsText;

TEST_CASE("FtsText makes each ideograph and kana a word and leaves other text alone",
          "[node][query]") {
  CHECK(FtsText::Split("集装箱") == std::optional<std::string>(" 集  装  箱 "));
  CHECK(FtsText::Split("LED灯 x") == std::optional<std::string>("LED 灯  x"));
  CHECK(FtsText::Split("コンテナ") == std::optional<std::string>(" コ  ン  テ  ナ "));
  CHECK(FtsText::Split("𠀀") == std::optional<std::string>(" 𠀀 "));  // extension B
  // Other scripts, Hangul (written with blanks) and CJK punctuation unchanged.
  CHECK_FALSE(FtsText::Split("cocaine кокаин كوكايين").has_value());
  CHECK_FALSE(FtsText::Split("담배 밀수").has_value());
  CHECK_FALSE(FtsText::Split("「」。").has_value());
  CHECK_FALSE(FtsText::Split("").has_value());
  // ß and ẞ are ss, as German writes them without the letter.
  CHECK(FtsText::Split("Straße STRAẞE") == std::optional<std::string>("Strasse STRAssE"));
  CHECK_FALSE(FtsText::Split("Müller café").has_value());
  // Bytes that are not UTF-8 are copied as they are.
  CHECK(FtsText::Split("\xE3\x81 香") == std::optional<std::string>("\xE3\x81  香 "));

  auto db = Database::Open(":memory:", Database::Mode::kReadWriteCreate);
  REQUIRE(db.ok());
  cen::test::RequireOk(FtsText::Register(*db));
  auto split = db->Prepare("SELECT cen_fts_text('香烟'), cen_fts_text('tea'), cen_fts_text(NULL)");
  REQUIRE(split.ok());
  REQUIRE(*split->Step());
  CHECK(split->ColumnText(0) == " 香  烟 ");
  CHECK(split->ColumnText(1) == "tea");
  CHECK(split->ColumnIsNull(2));
}
