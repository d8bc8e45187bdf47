// CSV drops: a header row of canonical field names, then one record per row.
// An empty cell leaves its field out. Numbers are written as in JSON (a point
// for decimals); list fields join their items with ';' (containers
// "MSCU1234565;TGHU6543210"); offenders are NAT/GENDER/AGE items
// ("CO/M/34;ES/F/"); alert indicators are columns named indicators.containers,
// indicators.vessel_imo, indicators.companies, indicators.hs_codes and
// indicators.routes (routes "CO>ES>NL;EC>BE"). docs/DROPS.md has the details.
//
//   CsvRecordReader reader(in);  // any std::istream, an in-memory buffer too
//   std::vector<DropIssue> issues;
//   if (!reader.Start(issues)) ...  // the header is wrong: no row can be read
//
// Not thread-safe; no global state.
#pragma once

#include <istream>
#include <msgpack.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/record.h"
#include "common/record_fields.h"
#include "node/drops/csv_reader.h"
#include "node/drops/drop_record_reader.h"

namespace cen::node {

class CsvRecordReader : public DropRecordReader {
 public:
  explicit CsvRecordReader(std::istream& in) : csv_(in) {}

  bool Start(std::vector<DropIssue>& issues) override;
  bool Next(common::Record& record, std::vector<DropIssue>& issues) override;
  int64_t line() const override { return csv_.line(); }
  size_t ColumnOf(std::string_view field) const override;
  uint64_t bytes_read() const override { return csv_.bytes_read(); }
  bool has_columns() const override { return true; }
  // A data row's: a header without its line end cuts no value.
  int64_t unterminated_line() const override {
    return csv_.unterminated_line() > header_line_ ? csv_.unterminated_line() : 0;
  }
  std::vector<std::string> unstated_fields() const override;
  void WriteRejectHeader(std::ostream& out) const override;
  std::string RejectPrefix() const override;

 private:
  struct Column {
    std::string name;
    common::CsvCell type;
  };
  // The cell's value, as a msgpack view of the row's text in zone_.
  std::optional<msgpack::object> Convert(size_t column, const std::string& cell,
                                         std::vector<DropIssue>& issues);
  msgpack::object* Objects(size_t n);
  msgpack::object List(const std::vector<msgpack::object>& items);

  CsvReader csv_;
  // The row's lists and maps, cleared for each row; with them, fields_ and
  // indicators_ (the row as a map) are a view of the cells, with no copy.
  msgpack::zone zone_;
  std::vector<msgpack::object_kv> fields_;
  std::vector<msgpack::object_kv> indicators_;
  std::vector<std::string> header_;
  int64_t header_line_ = 0;  // the line the header is on (Start)
  std::vector<Column> columns_;
  // The row as a map is written in key order (Start() sorts the columns by
  // name once), so reading it back (MsgpackMap::Members, RecordCodec::Decode)
  // sorts nothing: kIndicators stands for the "indicators" map of the
  // indicators.NAME columns.
  static constexpr size_t kIndicators = static_cast<size_t>(-1);
  std::vector<size_t> top_order_;                       // column indices and kIndicators
  std::vector<size_t> indicator_order_;                 // the indicators.NAME columns
  std::vector<std::optional<msgpack::object>> values_;  // the row's, by column
};

}  // namespace cen::node
