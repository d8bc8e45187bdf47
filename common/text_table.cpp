#include "common/text_table.h"

#include <algorithm>
#include <cassert>
#include <ostream>

#include "common/messages.h"
#include "common/utf8.h"

namespace cen::common {

TextTable::TextTable(std::vector<Column> columns) : columns_(std::move(columns)) {
  for (Column& c : columns_) {
    if (!c.title.empty()) c.title = Messages::Tr(c.title.c_str());
  }
}

void TextTable::AddRow(std::vector<std::string> cells) {
  assert(cells.size() == columns_.size());
  rows_.push_back(std::move(cells));
}

void TextTable::Print(std::ostream& out, size_t total_width) const {
  const size_t n = columns_.size();
  std::vector<size_t> widths(n);
  size_t fixed = 0;
  for (size_t c = 0; c < n; ++c) {
    const size_t title = Utf8::DisplayWidth(columns_[c].title);
    size_t w = title;
    for (const auto& row : rows_) w = std::max(w, Utf8::DisplayWidth(row[c]));
    // A cap never cuts the title (a translation may be longer than the cap),
    // nor a right-aligned cell: a number cut short is another number (a
    // trial read 466… hits for 46,648).
    if (columns_[c].max_width > 0 && columns_[c].align != Align::kRight)
      w = std::min(w, std::max(columns_[c].max_width, title));
    widths[c] = w;
    if (columns_[c].max_width > 0) fixed += w + 2;
  }
  for (size_t c = 0; c < n; ++c) {
    if (columns_[c].max_width == 0) {
      const size_t left = total_width > fixed ? total_width - fixed : 0;
      widths[c] = std::min(widths[c], std::max<size_t>(left, 20));
    }
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t c = 0; c < n; ++c) {
      const std::string cell = Utf8::FitWidth(cells[c], widths[c]);
      const size_t pad = widths[c] - std::min(widths[c], Utf8::DisplayWidth(cell));
      const bool last = c + 1 == n;
      if (columns_[c].align == Align::kRight) line.append(pad, ' ');
      line += cell;
      if (columns_[c].align == Align::kLeft && !last) line.append(pad, ' ');
      if (!last) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  };
  std::vector<std::string> header;
  for (const Column& c : columns_) header.push_back(c.title);
  print_row(header);
  for (const auto& row : rows_) print_row(row);
}

}  // namespace cen::common
