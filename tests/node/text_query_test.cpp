#include "node/store/text_query.h"

#include <catch2/catch.hpp>

using cen::node::TextQuery;

TEST_CASE("A --text query keeps FTS5's syntax and searches other words as written",
          "[node][query]") {
  // FTS5's own syntax, unchanged.
  CHECK(TextQuery::ToMatch("cocaine") == "cocaine");
  CHECK(TextQuery::ToMatch("сигарет* кокаин") == "сигарет* кокаин");
  CHECK(TextQuery::ToMatch("\"banana boxes\" OR (coffee NOT tea)") ==
        "\"banana boxes\" OR (coffee NOT tea)");
  CHECK(TextQuery::ToMatch("\"banana box\"*") == "\"banana box\"*");
  CHECK(TextQuery::ToMatch("NEAR(banana boxes, 5)") == "NEAR(banana boxes, 5)");
  CHECK(TextQuery::ToMatch("concealment: tyres") == "concealment: tyres");
  CHECK(TextQuery::ToMatch("-{title body}: reefer") == "-{title body}: reefer");
  CHECK(TextQuery::ToMatch("^cocaine one + two") == "^cocaine one + two");
  CHECK(TextQuery::ToMatch("\"say \"\"x-ray\"\"\"") == "\"say \"\"x-ray\"\"\"");
  // A word FTS5 would not read as one word: a phrase of its parts.
  CHECK(TextQuery::ToMatch("x-ray") == "\"x-ray\"");
  CHECK(TextQuery::ToMatch("Rip-on/rip-off via") == "\"Rip-on/rip-off\" via");
  CHECK(TextQuery::ToMatch("Saint-Denis*") == "\"Saint-Denis\"*");
  CHECK(TextQuery::ToMatch("^co-op") == "^\"co-op\"");
  CHECK(TextQuery::ToMatch("(x-ray OR scanner) d'Ivoire") == "(\"x-ray\" OR scanner) \"d'Ivoire\"");
  CHECK(TextQuery::ToMatch("2939.72") == "\"2939.72\"");
  // A comma is NEAR's alone; a colon a column filter's only with a column.
  CHECK(TextQuery::ToMatch("1,000 kg") == "\"1,000\" kg");
  CHECK(TextQuery::ToMatch("ref:FR-1") == "\"ref:FR-1\"");
  CHECK(TextQuery::ToMatch("description:x-ray") == "description:\"x-ray\"");
  CHECK(TextQuery::ToMatch("NEAR(a b, 5) 1,000") == "NEAR(a b, 5) \"1,000\"");
  // A word right after a phrase is another term, not part of it.
  CHECK(TextQuery::ToMatch("\"a b\"x-ray") == "\"a b\" \"x-ray\"");
  CHECK(TextQuery::ToMatch("\"a b\"\"c\"") == "\"a b\"\"c\"");  // one phrase: a b"c
  // What is not a query stays FTS5's to refuse (an unclosed phrase, AND
  // alone, punctuation alone: never a phrase of nothing, which matches
  // nothing without a word).
  CHECK(TextQuery::ToMatch("\"open") == "\"open");
  CHECK(TextQuery::ToMatch("AND") == "AND");
  CHECK(TextQuery::ToMatch("cocaine AND /") == "cocaine AND /");
}

TEST_CASE("Chinese and Japanese in a --text query become the phrase of their characters",
          "[node][query]") {
  // As text.db holds them (FtsText): each ideograph and kana a word.
  CHECK(TextQuery::ToMatch("香烟") == "\" 香  烟 \"");
  CHECK(TextQuery::ToMatch("集装*") == "\" 集  装 \"*");
  CHECK(TextQuery::ToMatch("LED灯 OR cargo") == "\"LED 灯 \" OR cargo");
  CHECK(TextQuery::ToMatch("\"香烟 走私\"") == "\" 香  烟   走  私 \"");
  CHECK(TextQuery::ToMatch("title:香烟") == "title:\" 香  烟 \"");
  CHECK(TextQuery::ToMatch("кокаин 香烟") == "кокаин \" 香  烟 \"");
}

TEST_CASE("A search engine's -word excludes the word from what the rest finds", "[node][query]") {
  // `cocaine -banana` found the banana record: FTS5 read the word itself.
  CHECK(TextQuery::ToMatch("cocaine -banana") == "(cocaine) NOT banana");
  CHECK(TextQuery::ToMatch("\"false bottom\" -x-ray") == "(\"false bottom\") NOT \"x-ray\"");
  CHECK(TextQuery::ToMatch("(a OR b) -c") == "((a OR b)) NOT c");
  // NOT binds looser than the words around it in FTS5: "a NOT b c" is
  // a NOT (b AND c), so the excluded words go last, whatever follows them.
  CHECK(TextQuery::ToMatch("cocaine -banana container") == "(cocaine  container) NOT banana");
  CHECK(TextQuery::ToMatch("-banana cocaine -boxes") == "(cocaine) NOT banana NOT boxes");
  // Nothing else to search, an operator beside it, inside a group, a number
  // or a column filter: as written, as before.
  CHECK(TextQuery::ToMatch("-banana") == "\"-banana\"");
  CHECK(TextQuery::ToMatch("cocaine OR -banana") == "cocaine OR \"-banana\"");
  CHECK(TextQuery::ToMatch("-banana OR cocaine") == "\"-banana\" OR cocaine");
  CHECK(TextQuery::ToMatch("NEAR(a -b)") == "NEAR(a \"-b\")");
  CHECK(TextQuery::ToMatch("below -20") == "below \"-20\"");
  CHECK(TextQuery::ToMatch("reefer -{title body}: x") == "reefer -{title body}: x");
  CHECK(TextQuery::ToMatch("reefer -title:x") == "reefer -title:x");
}
