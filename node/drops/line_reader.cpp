#include "node/drops/line_reader.h"

namespace cen::node {

bool LineReader::Next(std::string_view& line) {
  if (!std::getline(in_, text_)) return false;
  consumed_ += text_.size() + (in_.eof() ? 0 : 1);
  ++line_;
  std::string_view view = text_;
  if (line_ == 1 && view.starts_with("\xEF\xBB\xBF")) view.remove_prefix(3);
  if (view.ends_with('\r')) view.remove_suffix(1);
  line = view;
  return true;
}

}  // namespace cen::node
