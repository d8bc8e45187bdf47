// A terminal table: columns aligned by display width (Cyrillic, CJK and
// combining marks line up), cells cut with an ellipsis at each column's cap.
// Column titles are message ids, printed in the reader's language
// (common/messages.h): "DATE" is "ДАТА" under LANG=ru_RU.UTF-8.
//
//   TextTable t({{"DATE", 10}, {"QTY", 12, TextTable::Align::kRight}, {"SUMMARY", 0}});
//   t.AddRow({"2026-11-28", "12.5", "Кокаин в контейнере"});
//   t.Print(std::cout, 120);  // the last cap-0 column takes what is left of 120
//
// Thread-compatible.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace cen::common {

class TextTable {
 public:
  enum class Align { kLeft, kRight };
  struct Column {
    std::string title;
    size_t max_width;  // 0 = whatever the terminal width leaves; a kRight column
                       // (numbers) is never cut: as wide as its widest cell
    Align align = Align::kLeft;
  };

  explicit TextTable(std::vector<Column> columns);

  // REQUIRES: cells.size() == number of columns.
  void AddRow(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }

  // Prints the header and the rows, each column as wide as its widest cell
  // (within its cap); a cap-0 column gets the rest of `total_width` (at least 20).
  void Print(std::ostream& out, size_t total_width) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace cen::common
