#include "common/text_table.h"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>

using cen::common::TextTable;

TEST_CASE("TextTable never cuts a title, only cells, at a column's cap", "[common][table]") {
  // A translated title can be longer than the cap chosen for English.
  TextTable t({{"ОТСТАВАНИЕ", 5}, {"NEXT", 0}});
  t.AddRow({"123456789012", "x"});
  std::ostringstream out;
  t.Print(out, 80);
  std::istringstream lines(out.str());
  std::string header, row;
  std::getline(lines, header);
  std::getline(lines, row);
  CHECK(header.rfind("ОТСТАВАНИЕ  NEXT", 0) == 0);
  // The cell is cut at the title's width (10 columns), not at 5.
  CHECK(row.rfind("123456789…  x", 0) == 0);
}

TEST_CASE("TextTable never cuts a right-aligned number", "[common][table]") {
  // A trial read "466…" hits in English where French, with a longer title,
  // showed 46648.
  TextTable t({{"HITS", 4, TextTable::Align::kRight}, {"NOTE", 0}});
  t.AddRow({"46648", "x"});
  t.AddRow({"7", "y"});
  std::ostringstream out;
  t.Print(out, 80);
  CHECK(out.str() == " HITS  NOTE\n46648  x\n    7  y\n");
}
