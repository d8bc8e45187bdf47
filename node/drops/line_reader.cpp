#include "node/drops/line_reader.h"

#include <algorithm>
#include <cstring>

namespace cen::node {

namespace {

constexpr size_t kLineChunk = 1 << 16;

}  // namespace

LineReader::LineReader(std::istream& in, size_t max_line_bytes)
    : in_(in), max_line_bytes_(max_line_bytes), buffer_(kLineChunk) {}

bool LineReader::Fill() {
  in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  end_ = static_cast<size_t>(in_.gcount());
  pos_ = 0;
  return end_ > 0;
}

bool LineReader::Next(std::string_view& line) {
  text_.clear();
  overlong_ = false;
  bool any = false;  // a byte of this line read (an empty last line is none)
  while (pos_ < end_ || Fill()) {
    any = true;
    const char* const begin = buffer_.data() + pos_;
    const size_t left = end_ - pos_;
    const auto* newline = static_cast<const char*>(std::memchr(begin, '\n', left));
    const size_t n = newline != nullptr ? static_cast<size_t>(newline - begin) : left;
    const size_t room = max_line_bytes_ > text_.size() ? max_line_bytes_ - text_.size() : 0;
    text_.append(begin, std::min(n, room));
    if (n > room) overlong_ = true;
    const size_t used = n + (newline != nullptr ? 1 : 0);
    pos_ += used;
    consumed_ += used;
    if (newline != nullptr) break;
  }
  if (!any) return false;
  ++line_;
  std::string_view view = text_;
  if (line_ == 1 && view.starts_with("\xEF\xBB\xBF")) view.remove_prefix(3);
  if (view.ends_with('\r') && !overlong_) view.remove_suffix(1);
  line = view;
  return true;
}

}  // namespace cen::node
