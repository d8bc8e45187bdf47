#include "node/drops/csv_reader.h"

#include <algorithm>
#include <cstring>

namespace cen::node {
namespace {

constexpr size_t kChunk = 1 << 16;

}  // namespace

CsvReader::CsvReader(std::istream& in, size_t max_row_bytes)
    : in_(in), max_row_bytes_(max_row_bytes), buffer_(kChunk) {}

bool CsvReader::Fill() {
  if (eof_) return false;
  if (end_ > 0) ends_with_newline_ = buffer_[end_ - 1] == '\n';
  in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  end_ = static_cast<size_t>(in_.gcount());
  pos_ = 0;
  if (end_ == 0) {
    eof_ = true;
    return false;
  }
  if (!started_) {
    started_ = true;
    if (end_ >= 3 && std::memcmp(buffer_.data(), "\xEF\xBB\xBF", 3) == 0) {
      pos_ = 3;
      consumed_ += 3;
    }
  }
  return pos_ < end_ || Fill();
}

std::string& CsvReader::NewField() {
  if (count_ == fields_.size()) fields_.emplace_back();
  std::string& field = fields_[count_++];
  field.clear();
  return field;
}

common::Status CsvReader::Failed(Error error) {
  error_ = std::move(error);
  return common::InvalidInput(std::to_string(error_.line) + ":" + std::to_string(error_.column) +
                              ": " + error_.reason);
}

int64_t CsvReader::SkipRow(bool quoted, int64_t quote_line) {
  bool after_quote = false;
  bool field_start = false;
  row_ended_ = false;
  while (pos_ < end_ || Fill()) {
    const char c = buffer_[pos_++];
    ++consumed_;
    if (c == '\n') ++line_;
    if (quoted) {
      if (c == '"') {
        quoted = false;
        after_quote = true;
      }
      continue;
    }
    if (c == '"' && (after_quote || field_start)) {  // "" inside quotes, or a quoted field
      if (field_start) quote_line = line_;
      quoted = true;
      after_quote = false;
      continue;
    }
    if (c == '\n') {
      row_ended_ = true;
      return 0;
    }
    after_quote = false;
    field_start = c == ',';
  }
  return quoted ? quote_line : 0;
}

common::Status CsvReader::NeverClosed(int64_t quote_line) {
  // The rest of the input is the field's, as RFC 4180 reads it: said with
  // where it ends, since one row stands for all those lines (a trial's
  // summary said one row refused of a 30,000-row file).
  constexpr const char* kNeverClosed =
      N_("quoted field opened on line {} is never closed: the rest of the input, to line {}, is "
         "in it");
  const int64_t last = ends_with_newline_ ? line_ - 1 : line_;
  error_ = {row_line_, count_, fmt::format(fmt::runtime(kNeverClosed), quote_line, last),
            common::Messages::Format(kNeverClosed, quote_line, last)};
  return common::InvalidInput(error_.reason);
}

common::Result<bool> CsvReader::Next() {
  count_ = 0;
  row_bytes_ = 0;
  if (pos_ >= end_ && !Fill()) return false;
  row_line_ = line_;
  enum class State { kFieldStart, kUnquoted, kQuoted, kAfterQuote };
  State state = State::kFieldStart;
  std::string* field = &NewField();
  int64_t quote_line = 0;
  // A row past max_row_bytes_ is skipped whole, following its quotes:
  // resumed inside them, a line of a quoted field's text was read as a row
  // (a trial's --partial drop imported one as a record).
  const auto overlong = [&](bool quoted) {
    if (const int64_t open = SkipRow(quoted, quote_line); open != 0) return NeverClosed(open);
    return Fail(N_("row longer than {} bytes (it ends on line {})"), max_row_bytes_,
                row_ended_ ? line_ - 1 : line_);
  };
  // The rest of a malformed row, skipped the same way: a quoted field after
  // the error may hold line breaks (a review: `5" pipe,"note\n<a row>\n"`
  // imported the row inside the note).
  const auto malformed = [&](common::Status error) {
    if (const int64_t open = SkipRow(false, 0); open != 0) return NeverClosed(open);
    return error;
  };
  while (true) {
    if (pos_ >= end_ && !Fill()) {
      if (state == State::kQuoted) return NeverClosed(quote_line);
      unterminated_line_ = row_line_;
      return true;  // the last row had no line end
    }
    const char* const begin = buffer_.data() + pos_;
    const char* const stop = buffer_.data() + end_;
    if (state == State::kUnquoted || state == State::kQuoted) {
      // Bulk-copy plain bytes up to the next byte that matters.
      const char* p = begin;
      if (state == State::kUnquoted) {
        while (p < stop && *p != ',' && *p != '\n' && *p != '\r' && *p != '"') ++p;
      } else {
        while (p < stop && *p != '"' && *p != '\n') ++p;
      }
      field->append(begin, p);
      const auto n = static_cast<size_t>(p - begin);
      pos_ += n;
      consumed_ += n;
      row_bytes_ += n;
      if (row_bytes_ > max_row_bytes_) return overlong(state == State::kQuoted);
      if (p == stop) continue;
    }
    const char c = buffer_[pos_++];
    ++consumed_;
    ++row_bytes_;
    switch (state) {
      case State::kFieldStart:
      case State::kUnquoted:
      case State::kAfterQuote:
        if (c == ',') {
          // Commas alone never reach the copying above (a review: a file
          // of commas grew one field per byte).
          if (row_bytes_ > max_row_bytes_) return overlong(false);
          field = &NewField();
          state = State::kFieldStart;
        } else if (c == '\n') {
          ++line_;
          return true;
        } else if (c == '\r') {
          // CR LF ends the row; a lone CR stays in the field, but for one
          // that ends the input: a CRLF file without its last LF (a trial's
          // last cell went out as "hidden in sacks\r").
          const bool more = pos_ < end_ || Fill();
          if (more && buffer_[pos_] == '\n') continue;
          if (!more) return true;
          if (state == State::kAfterQuote)
            return malformed(Fail(N_("text after the closing quote of a field")));
          field->push_back(c);
          state = State::kUnquoted;
        } else if (c == '"') {
          if (state == State::kFieldStart) {
            state = State::kQuoted;
            quote_line = line_;
          } else if (state == State::kAfterQuote) {
            field->push_back('"');  // "" inside a quoted field
            state = State::kQuoted;
          } else {
            return malformed(Fail(
                N_("quote inside an unquoted field (quote the whole field and double the quote: "
                   "\"5\"\" pipe\")")));
          }
        } else if (state == State::kAfterQuote) {
          return malformed(Fail(N_("text after the closing quote of a field")));
        } else {
          field->push_back(c);
          state = State::kUnquoted;
        }
        break;
      case State::kQuoted:
        if (c == '"') {
          state = State::kAfterQuote;
        } else {  // '\n' inside quotes: CR LF read as LF, as a CRLF file's row ends are
          ++line_;
          if (!field->empty() && field->back() == '\r') field->pop_back();
          field->push_back(c);
        }
        break;
    }
  }
}

}  // namespace cen::node
