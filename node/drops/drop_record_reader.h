// What a data drop reads records from: CsvRecordReader or NdjsonRecordReader.
// Each turns its rows into typed records (common/record.h), with no JSON tree,
// for RecordValidator and Outbox, and names the line and column of a problem.
//
//   std::unique_ptr<DropRecordReader> reader = std::make_unique<CsvRecordReader>(in);
//   std::vector<DropIssue> issues;
//   if (!reader->Start(issues)) return Report(issues);
//   for (common::Record record; reader->Next(record, issues); issues.clear()) ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/messages.h"
#include "common/record.h"
#include "common/utf8.h"

namespace cen::node {

// One problem with a row: "FILE:LINE[:COLUMN]: field: reason".
struct DropIssue {
  int64_t line = 0;
  size_t column = 0;           // 1-based CSV column; 0 when none applies
  std::string field;           // canonical field name, or "(row)", "(header)", "(line)"
  std::string reason;          // in English: --json, FILE.rejects.csv
  std::string localized = {};  // the reason in the reader's language; "": as `reason`

  // An integer cell or member beyond int64, in CSV and NDJSON alike.
  static constexpr const char* kBeyondInt64 =
      N_("an integer beyond the signed 64-bit range (-9223372036854775808 to 9223372036854775807)");

  // An issue whose reason is `msgid` (a catalogue message, "{}" filled by
  // `args`): in English and in the reader's language.
  template <typename... Args>
  static DropIssue Of(int64_t line, size_t column, std::string field, const char* msgid,
                      const Args&... args) {
    return {line, column, std::move(field), fmt::format(fmt::runtime(msgid), args...),
            common::Messages::Format(msgid, args...)};
  }

  // "FILE:LINE[:COLUMN]: field: reason", the form every drop message takes,
  // for a person.
  // Control bytes and malformed UTF-8 (in a file name, a header cell) are
  // escaped, and a part longer than kShownWidth columns (a reason quoting a
  // 32 KiB cell) is cut: a terminal and a log take the line as text.
  static constexpr size_t kShownWidth = 300;
  std::string Text(std::string_view file) const {
    const auto shown = [](std::string_view part) {
      return common::Utf8::FitWidth(common::Utf8::Printable(part), kShownWidth);
    };
    std::string text = shown(file) + ":" + std::to_string(line);
    if (column > 0) text += ":" + std::to_string(column);
    return text + ": " + shown(field) + ": " + shown(localized.empty() ? reason : localized);
  }
};

class DropRecordReader {
 public:
  virtual ~DropRecordReader() = default;

  // Reads what comes before the records (a CSV header). False when no record
  // can be read from the input; `issues` say why.
  virtual bool Start(std::vector<DropIssue>& issues) = 0;
  // Reads the next row. True when a row was consumed: with `record` set when
  // it could be read, and with `issues` appended (record then unusable) when
  // it could not. False at the end of the input.
  virtual bool Next(common::Record& record, std::vector<DropIssue>& issues) = 0;
  // The line the row Next() returned starts on.
  virtual int64_t line() const = 0;
  // The 1-based column holding a field named in a validation error
  // ("offenders[1].age" -> the offenders column), 0 when none does.
  virtual size_t ColumnOf(std::string_view field) const = 0;
  virtual uint64_t bytes_read() const = 0;
  // True when fields sit in columns (CSV), so a field can be missing from all rows.
  virtual bool has_columns() const { return false; }
  // The line of the last row read when the input ended inside it, with no
  // line end after it (a CSV cut short keeps a cut last cell that still
  // reads); 0 when none. An NDJSON line cut short is no JSON: refused.
  virtual int64_t unterminated_line() const { return 0; }
  // The fields the input has no column for, after Start() (CSV: canonical
  // columns its header leaves out); empty when each record names its own
  // (NDJSON: a key left out is that record's word).
  virtual std::vector<std::string> unstated_fields() const { return {}; }

  // The rejects file (--partial): a header whose last column is `reason`,
  // then each refused row as it was read, with its reasons in that column.
  virtual void WriteRejectHeader(std::ostream& out) const = 0;
  // The row Next() read as a line of the rejects file, up to and including
  // the comma before its reason.
  virtual std::string RejectPrefix() const = 0;
};

}  // namespace cen::node
