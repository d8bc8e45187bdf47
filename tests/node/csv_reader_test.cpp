#include "node/drops/csv_reader.h"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

using cen::node::CsvReader;

namespace {

using Rows = std::vector<std::vector<std::string>>;

// Every row of `text`; REQUIREs that each one reads.
Rows ReadAll(const std::string& text, std::vector<int64_t>* lines = nullptr) {
  std::istringstream in(text);
  CsvReader reader(in);
  Rows rows;
  while (true) {
    auto row = reader.Next();
    INFO((row.ok() ? std::string() : row.status().message()));
    REQUIRE(row.ok());
    if (!*row) break;
    rows.emplace_back(reader.fields().begin(), reader.fields().end());
    if (lines != nullptr) lines->push_back(reader.line());
  }
  return rows;
}

}  // namespace

TEST_CASE("CsvReader reads RFC 4180 rows", "[node][csv]") {
  SECTION("plain fields, LF and CRLF, no final line end") {
    CHECK(ReadAll("a,b,c\n1,2,3\r\nx,,z") ==
          Rows{{"a", "b", "c"}, {"1", "2", "3"}, {"x", "", "z"}});
  }
  SECTION("quoted fields with commas, doubled quotes and line breaks") {
    std::vector<int64_t> lines;
    CHECK(ReadAll("a,\"b, c\",\"say \"\"hi\"\"\"\n\"two\nlines\",x,\"\"\nlast,1,2\n", &lines) ==
          Rows{{"a", "b, c", "say \"hi\""}, {"two\nlines", "x", ""}, {"last", "1", "2"}});
    CHECK(lines == std::vector<int64_t>{1, 2, 4});
  }
  SECTION("a line break inside quotes reads the same in a CRLF file as in an LF one") {
    // A trial: the same export saved with CRLF made a new version of every
    // record with a line break in its description (and back again with LF).
    CHECK(ReadAll("a,b\r\n\"two\r\nlines\",x\r\n") == Rows{{"a", "b"}, {"two\nlines", "x"}});
    CHECK(ReadAll("a\n\"lone\rCR\"\n") == Rows{{"a"}, {"lone\rCR"}});
    // A CRLF file that ends in CR without its LF: the CR is no part of the cell.
    CHECK(ReadAll("a,b\r\nx,in sacks\r") == Rows{{"a", "b"}, {"x", "in sacks"}});
    CHECK(ReadAll("a,b\r\nx,\"in sacks\"\r") == Rows{{"a", "b"}, {"x", "in sacks"}});
  }
  SECTION("a UTF-8 byte order mark at the start is skipped") {
    CHECK(ReadAll("\xEF\xBB\xBFkind,ref\nseizure,R1\n") ==
          Rows{{"kind", "ref"}, {"seizure", "R1"}});
  }
  SECTION("Cyrillic text passes through unchanged") {
    CHECK(ReadAll("description\n\"Героин в грузе, 5 кг\"\n") ==
          Rows{{"description"}, {"Героин в грузе, 5 кг"}});
  }
  SECTION("a blank line is a row with one empty field") {
    CHECK(ReadAll("a\n\nb\n") == Rows{{"a"}, {""}, {"b"}});
  }
  SECTION("rows longer than the read buffer") {
    const std::string big(200000, 'x');
    CHECK(ReadAll("a,b\n" + big + ",\"" + big + "\"\n") == Rows{{"a", "b"}, {big, big}});
  }
}

TEST_CASE("CsvReader names the line and column of bad quoting and resumes", "[node][csv]") {
  struct CsvReaderCase {
    std::string text;
    int64_t line;
    size_t column;
    std::string reason;
  };
  const CsvReaderCase cases[] = {
      {"a,b\n1,2\nx,5\" pipe\nnext,row\n", 3, 2, "quote inside an unquoted field"},
      {"a,b\n\"q\"x,2\nnext,row\n", 2, 1, "text after the closing quote"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    std::istringstream in(c.text);
    CsvReader reader(in);
    REQUIRE(*reader.Next());
    if (c.line == 3) REQUIRE(*reader.Next());
    auto bad = reader.Next();
    REQUIRE_FALSE(bad.ok());
    CHECK(reader.error().line == c.line);
    CHECK(reader.error().column == c.column);
    CHECK_THAT(reader.error().reason, Catch::Contains(c.reason));
    auto next = reader.Next();
    REQUIRE(next.ok());
    REQUIRE(*next);
    CHECK(std::vector<std::string>(reader.fields().begin(), reader.fields().end()) ==
          std::vector<std::string>{"next", "row"});
    CHECK(reader.line() == c.line + 1);
  }
}

TEST_CASE("CsvReader refuses a quoted field left open at the end", "[node][csv]") {
  const bool newline = GENERATE(true, false);
  std::istringstream in(std::string("a,b\n1,\"never closed\n2,3") + (newline ? "\n" : ""));
  CsvReader reader(in);
  REQUIRE(*reader.Next());
  auto bad = reader.Next();
  REQUIRE_FALSE(bad.ok());
  CHECK(reader.error().line == 2);
  CHECK_THAT(
      reader.error().reason,
      Catch::Contains("opened on line 2 is never closed: the rest of the input, to line 3,"));
  auto end = reader.Next();
  REQUIRE(end.ok());
  CHECK_FALSE(*end);
}

TEST_CASE("CsvReader refuses a row beyond its size limit", "[node][csv]") {
  std::istringstream in("a\n" + std::string(5000, 'x') + "\nb\n");
  CsvReader reader(in, 1000);
  REQUIRE(*reader.Next());
  auto bad = reader.Next();
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(reader.error().reason, Catch::Contains("longer than 1000 bytes"));
  REQUIRE(*reader.Next());
  CHECK(reader.fields()[0] == "b");
}

TEST_CASE("CsvReader skips a row beyond its size limit whole, line breaks in its quotes too",
          "[node][csv]") {
  // A trial (HIGH): past the limit inside a quoted field the reader resumed
  // in the middle of the quotes; a line of the field's text was then read as
  // a row of its own, and a drop with --partial imported it as a record.
  const std::string long_text(5000, 'x');
  std::istringstream in("a,b,c\n1,\"" + long_text +
                        "\nseizure,PHANTOM,inside the quotes\nend of note\",3\n2,ok,4\n");
  CsvReader reader(in, 1000);
  REQUIRE(*reader.Next());
  auto bad = reader.Next();
  REQUIRE_FALSE(bad.ok());
  CHECK(reader.error().line == 2);
  CHECK_THAT(reader.error().reason,
             Catch::Contains("longer than 1000 bytes") && Catch::Contains("ends on line 4"));
  auto next = reader.Next();
  REQUIRE(next.ok());
  REQUIRE(*next);
  CHECK(std::vector<std::string>(reader.fields().begin(), reader.fields().end()) ==
        std::vector<std::string>{"2", "ok", "4"});
  CHECK(reader.line() == 5);
  CHECK_FALSE(*reader.Next());
}

TEST_CASE("CsvReader says a quoted field never closed holds the rest of the input", "[node][csv]") {
  // A trial (HIGH): one stray opening quote in a 30,000-row file; past the
  // size limit the reader resumed inside the quotes and 11,038 rows vanished
  // while the summary said one row was refused.
  std::string text = "a,b\n1,\"stray quote\n";
  for (int i = 2; i <= 300; ++i) text += std::to_string(i) + ",row " + std::to_string(i) + "\n";
  std::istringstream in(text);
  CsvReader reader(in, 1000);
  REQUIRE(*reader.Next());
  auto bad = reader.Next();
  REQUIRE_FALSE(bad.ok());
  CHECK(reader.error().line == 2);
  CHECK_THAT(reader.error().reason,
             Catch::Contains("opened on line 2 is never closed") && Catch::Contains("line 301"));
  auto end = reader.Next();
  REQUIRE(end.ok());
  CHECK_FALSE(*end);
}

TEST_CASE("CsvReader skips a malformed row through the quoted fields after its error",
          "[node][csv]") {
  // A review: after "quote inside an unquoted field" the reader resumed at
  // the next line, inside a later quoted field of the same row, and read a
  // line of it as a row.
  std::istringstream in("a,b,c\n5\" pipe,\"note line 1\nPHANTOM,x,y\nend\",3\nok,1,2\n");
  CsvReader reader(in);
  REQUIRE(*reader.Next());
  REQUIRE_FALSE(reader.Next().ok());
  CHECK_THAT(reader.error().reason, Catch::Contains("quote inside an unquoted field"));
  auto next = reader.Next();
  REQUIRE(next.ok());
  REQUIRE(*next);
  CHECK(reader.fields()[0] == "ok");
  CHECK(reader.line() == 5);
}

TEST_CASE("CsvReader holds a row of commas to its size limit too", "[node][csv]") {
  // A review: commas alone never reached the size check; each made a field.
  std::istringstream in("a\n" + std::string(5000, ',') + "\nb\n");
  CsvReader reader(in, 1000);
  REQUIRE(*reader.Next());
  REQUIRE_FALSE(reader.Next().ok());
  CHECK_THAT(reader.error().reason, Catch::Contains("longer than 1000 bytes (it ends on line 2)"));
  REQUIRE(*reader.Next());
  CHECK(reader.fields()[0] == "b");
}

TEST_CASE("CsvReader names the line of an overlong last row without a line end", "[node][csv]") {
  std::istringstream in("a\n" + std::string(5000, 'x'));
  CsvReader reader(in, 1000);
  REQUIRE(*reader.Next());
  REQUIRE_FALSE(reader.Next().ok());
  CHECK_THAT(reader.error().reason, Catch::Contains("(it ends on line 2)"));
  CHECK_FALSE(*reader.Next());
}
