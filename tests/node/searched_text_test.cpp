#include "node/agent/searched_text.h"

#include <catch2/catch.hpp>
#include <string>

#include "common/record_fields.h"
#include "tests/test_support/status_matchers.h"

using cen::node::SearchedText;

namespace {

// The value SearchedText read for searched field `name`, or "(none)".
std::string FieldOf(const SearchedText::Fields* fields_read, std::string_view name) {
  const SearchedText::Fields& fields = *fields_read;
  const auto searched = cen::common::RecordFields::Searched();
  for (size_t i = 0; i < searched.size(); ++i) {
    if (searched[i] == name) return fields[i] ? std::string(*fields[i]) : "(none)";
  }
  FAIL("not a searched field: " << name);
  return "";
}

}  // namespace

TEST_CASE("SearchedText reads each searched field of a document, escapes decoded",
          "[node][text_indexer]") {
  SearchedText text;
  // Nested values and lists skipped: a nested "description" is not taken
  // for the record's own.
  auto fields = text.Read(
      R"({"body":"","concealment":"Tablas \"huecas\"\nde madera","description":"Cocaína en )"
      R"(bananas \u00e9t\u00e9 \ud83d\ude00","offenders":[{"description":"nested"}],)"
      R"("location":"Порт Санкт-Петербург","quantity":12.5,"title":null})");
  REQUIRE(fields.ok());
  REQUIRE((*fields)->size() == cen::common::RecordFields::Searched().size());
  CHECK(FieldOf(*fields, "description") == "Cocaína en bananas été 😀");
  CHECK(FieldOf(*fields, "concealment") == "Tablas \"huecas\"\nde madera");
  CHECK(FieldOf(*fields, "location") == "Порт Санкт-Петербург");
  CHECK(FieldOf(*fields, "body") == "");
  CHECK(FieldOf(*fields, "title") == "(none)");  // null is not a string

  // Of a key written twice, the first (as SQLite's json_extract reads it).
  fields = text.Read(R"({"title":"first","title":"second"})");
  REQUIRE(fields.ok());
  CHECK(FieldOf(*fields, "title") == "first");

  // The next document replaces every field: none is left over from the last.
  fields = text.Read(R"({"title":"Alert: reefer containers","description":7})");
  REQUIRE(fields.ok());
  CHECK(FieldOf(*fields, "title") == "Alert: reefer containers");
  CHECK(FieldOf(*fields, "description") == "(none)");  // a number is left out
  CHECK(FieldOf(*fields, "concealment") == "(none)");
  CHECK(FieldOf(*fields, "location") == "(none)");
}

TEST_CASE("SearchedText refuses what is not one JSON object", "[node][text_indexer]") {
  SearchedText text;
  for (const char* doc : {"", "[1, 2]", "\"text\"", R"({"description":"cut short)",
                          R"({"description":"a"} {"description":"b"})", R"({"description":)"}) {
    INFO(doc);
    CHECK_FALSE(text.Read(doc).ok());
  }
  // And goes on reading the next one.
  auto fields = text.Read(R"({"description":"after"})");
  REQUIRE(fields.ok());
  CHECK(FieldOf(*fields, "description") == "after");
}
