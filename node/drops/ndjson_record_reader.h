// NDJSON drops: one JSON object per line, the format `cen-node submit` reads.
// Blank lines are skipped. Reads any std::istream, an in-memory buffer too.
// Each line is read into a typed record with no JSON tree between
// (RecordCodec::FromJsonText).
//
//   NdjsonRecordReader reader(in);
//
// Not thread-safe; no global state (RecordCodec keeps a JSON parser per thread).
#pragma once

#include <istream>

#include "node/drops/drop_record_reader.h"
#include "node/drops/line_reader.h"

namespace cen::node {

class NdjsonRecordReader : public DropRecordReader {
 public:
  explicit NdjsonRecordReader(std::istream& in) : lines_(in) {}

  bool Start(std::vector<DropIssue>&) override { return true; }
  bool Next(common::Record& record, std::vector<DropIssue>& issues) override;
  int64_t line() const override { return lines_.line(); }
  size_t ColumnOf(std::string_view) const override { return 0; }
  uint64_t bytes_read() const override { return lines_.bytes_read(); }
  void WriteRejectHeader(std::ostream& out) const override;
  std::string RejectPrefix() const override;

 private:
  LineReader lines_;
  std::string_view text_;  // the current line
};

}  // namespace cen::node
