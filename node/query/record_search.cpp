#include "node/query/record_search.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>

#include "common/csv_writer.h"
#include "common/messages.h"
#include "common/text_table.h"
#include "node/query/record_format.h"

namespace cen::node {

using common::TextTable;

using common::Messages;
namespace {

using nlohmann::json;

constexpr int64_t kDefaultTableRows = 100;

// --sort names and the columns they order by.
const std::map<std::string, std::string>& SortColumns() {
  static const std::map<std::string, std::string> kColumns = {
      {"date", "r.event_date"},         {"gseq", "r.gseq"},
      {"received_at", "r.received_at"}, {"quantity", "r.quantity"},
      {"commodity", "r.commodity"},     {"reporting_country", "r.reporting_country"},
      {"departure", "r.departure"},     {"destination", "r.destination"},
      {"origin", "r.origin"},           {"kind", "r.kind"},
      {"handling", "r.handling"},       {"hs_code", "r.hs_code"},
      {"version", "r.version"},
  };
  return kColumns;
}

common::Result<std::string> OrderBy(const std::string& sort) {
  std::string order;
  size_t start = 0;
  while (start <= sort.size() && !sort.empty()) {
    size_t end = sort.find(',', start);
    if (end == std::string::npos) end = sort.size();
    std::string field = sort.substr(start, end - start);
    const bool descending = !field.empty() && field[0] == '-';
    if (descending) field.erase(0, 1);
    auto it = SortColumns().find(field);
    if (it == SortColumns().end()) {
      std::string names;
      for (const auto& [name, column] : SortColumns()) names += (names.empty() ? "" : ", ") + name;
      return common::UsageError(Messages::Format(
          "--sort: '{}' is not one of {} (prefix a field with - for descending order)", field,
          names));
    }
    order += it->second + (descending ? " DESC, " : ", ");
    start = end + 1;
  }
  return order + "r.gseq";
}

}  // namespace

// Ids close together (a filter's matches among a replica's gseqs: 43,068
// among a million in cen_query_bench) are set as bits over their range and
// read back in order, a pass over each; a sort of 43,068 ids was a sixth of
// a --count.
void RecordSearch::AscendingOnce(std::vector<int64_t>& ids) {
  if (ids.size() < 2) return;
  const auto [low, high] = std::minmax_element(ids.begin(), ids.end());
  const uint64_t first = static_cast<uint64_t>(*low);
  const uint64_t words = (static_cast<uint64_t>(*high) - first) / 64 + 1;
  if (words > 8 * ids.size()) {  // spread thin: the bitmap would cost more than a sort
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return;
  }
  std::vector<uint64_t> bits(words);
  for (const int64_t id : ids) {
    const uint64_t at = static_cast<uint64_t>(id) - first;
    bits[at / 64] |= uint64_t{1} << (at % 64);
  }
  ids.clear();
  for (uint64_t w = 0; w < words; ++w) {
    for (uint64_t word = bits[w]; word != 0; word &= word - 1) {
      ids.push_back(static_cast<int64_t>(first + w * 64 + std::countr_zero(word)));
    }
  }
}

namespace {

// The records a filter answered by an index alone matches (one country flag,
// commodities and dates: the analyst's commonest questions), ascending: a
// key range of record_countries or record_dates plus the records applied
// since it was last written, deduplicated here. A record naming the country
// in two roles has two rows; SQLite removes those repeats (DISTINCT, UNION,
// IN) through a temporary index at about a microsecond per row, five times
// what the range scan costs; a sorted vector costs a tenth of that. Without
// it a count visited every matching record's row: 170 ms for one month of a
// million records, 360 ms for one commodity, from a new process. nullopt for
// any other filter.
common::Result<std::optional<std::vector<int64_t>>> IndexOnlyMatches(common::Database& db,
                                                                     const QueryFilter& filter) {
  const std::optional<SqlCondition> select = filter.IndexOnlyIds();
  if (!select) return std::optional<std::vector<int64_t>>();
  auto stmt = db.Prepare(select->sql);
  if (!stmt.ok()) return stmt.status();
  select->BindTo(*stmt, 1);
  std::vector<int64_t> ids;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ids.push_back(stmt->ColumnInt(0));
  }
  RecordSearch::AscendingOnce(ids);
  return std::optional(std::move(ids));
}

common::Result<int64_t> Count(common::Database& db, const QueryFilter& filter,
                              const std::string& extra) {
  if (extra.empty()) {
    auto ids = IndexOnlyMatches(db, filter);
    if (!ids.ok()) return ids.status();
    if (*ids) return static_cast<int64_t>((*ids)->size());
  }
  const SqlCondition where = filter.Condition();
  auto stmt = db.Prepare("SELECT count(*) FROM records r WHERE " + where.sql + extra);
  if (!stmt.ok()) return stmt.status();
  where.BindTo(*stmt, 1);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  return stmt->ColumnInt(0);
}

// The matches `restricted` (an extra condition) keeps, counted up to `cap`
// (0: all of them).
common::Result<int64_t> CountRestricted(common::Database& db, const QueryFilter& filter,
                                        const std::string& restricted, int64_t cap) {
  if (cap <= 0) return Count(db, filter, restricted);
  const SqlCondition where = filter.Condition();
  auto stmt = db.Prepare("SELECT count(*) FROM (SELECT 1 FROM records r WHERE " + where.sql +
                         restricted + " LIMIT ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(where.BindTo(*stmt, 1), cap);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  return stmt->ColumnInt(0);
}

}  // namespace

common::Result<QueryOutcome> RecordSearch::Run(common::Database& db, const QueryOptions& o,
                                               std::ostream& out, std::ostream& err) {
  QueryOutcome outcome;
  // Checked with --count too, which sorts nothing: a bad flag is never ignored.
  auto order = OrderBy(o.sort);
  if (!order.ok()) return order.status();
  if (o.count) {
    auto n = Count(db, o.filter, "");
    if (!n.ok()) return n.status();
    out << *n << "\n";
    outcome.results = *n;
    return outcome;
  }

  const bool table = o.format == "table";
  const bool withhold = !table && !o.include_restricted;
  const std::string restricted = " AND r.handling IN ('H2', 'H3')";
  const std::string not_restricted = " AND r.handling NOT IN ('H2', 'H3')";
  int64_t limit = o.limit;
  if (limit < 0) limit = table ? kDefaultTableRows : 0;

  TextTable t({{N_("UUID"), 36},
               {N_("DATE"), 10},
               {N_("KIND"), 7},
               {N_("ORIGIN"), 16},
               {N_("H"), 2},
               {N_("COMMODITY"), 17},
               {N_("QUANTITY"), 16, TextTable::Align::kRight},
               {N_("ROUTE"), 24},
               {N_("SUMMARY"), 0}});
  // The columns a listing shows, and the document.
  const std::string columns_sql =
      "SELECT r.uuid, r.kind, r.origin, r.handling, r.event_date, r.commodity, r.quantity, "
      "r.unit, r.departure, r.transit, r.destination, d.doc, r.validation ";
  const std::vector<std::string> columns = RecordFormat::CsvColumns(o.filter.kinds);
  if (o.format == "csv") common::CsvWriter::WriteRow(out, columns);
  bool more = false;
  // Writes one row of `stmt` (columns_sql); false once the table is full.
  auto emit = [&](common::Statement& stmt) {
    if (table && limit > 0 && static_cast<int64_t>(t.rows()) == limit) {
      more = true;
      return false;
    }
    ++outcome.results;
    const std::string handling = stmt.ColumnText(3);
    // Audited as shown, in a table too (a trial: H3 records listed on screen
    // left restricted 0 in the audit trail).
    if (RecordFormat::Restricted(handling)) ++outcome.restricted;
    const std::string doc = stmt.ColumnText(11);
    // An NCP's record says "pending" as it was sent; the replica knows it
    // was returned since (--include-pending: a trial's export said pending).
    const std::string state = stmt.ColumnText(12);
    if (o.format == "json" && state != "returned") {
      out << doc << "\n";
      return true;
    }
    json r = json::parse(doc, nullptr, false);
    if (state == "returned" && r.is_object()) r["validation"] = state;
    if (o.format == "json") {
      out << r.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
      return true;
    }
    if (o.format == "csv") {
      std::vector<std::string> cells;
      for (const std::string& c : columns) cells.push_back(RecordFormat::CsvCell(r, c));
      common::CsvWriter::WriteRow(out, cells);
      return true;
    }
    std::string quantity;
    if (!stmt.ColumnIsNull(6))
      quantity = RecordFormat::Number(stmt.ColumnDouble(6)) + " " + stmt.ColumnText(7);
    t.AddRow({stmt.ColumnText(0), stmt.ColumnText(4), stmt.ColumnText(1), stmt.ColumnText(2),
              handling, stmt.ColumnText(5), quantity,
              RecordFormat::Route(stmt.ColumnText(8), stmt.ColumnText(9), stmt.ColumnText(10)),
              state.empty()
                  ? RecordFormat::Summary(r)
                  : std::string("[") +
                        Messages::Tr(state == "returned" ? N_("returned") : N_("pending")) + "] " +
                        RecordFormat::Summary(r)});
    return true;
  };

  // The fast path serves the default order (gseq) only.
  std::optional<std::vector<int64_t>> matches;
  if (o.sort.empty()) {
    auto ids = IndexOnlyMatches(db, o.filter);
    if (!ids.ok()) return ids.status();
    matches = std::move(*ids);
  }
  if (matches) {
    // In gseq order, the ids in hand: each row fetched by its key.
    auto stmt = db.Prepare(columns_sql +
                           "FROM records r JOIN documents d ON d.gseq = r.gseq WHERE r.gseq = ?");
    if (!stmt.ok()) return stmt.status();
    int64_t skipped = 0;
    for (const int64_t id : *matches) {
      if (!table && limit > 0 && outcome.results == limit) break;
      auto row = stmt->Bind(1, id).Step();
      if (!row.ok()) return row.status();
      const bool shown = *row && !(withhold && RecordFormat::Restricted(stmt->ColumnText(3)));
      const bool go_on = !shown || skipped++ < o.offset || emit(*stmt);
      stmt->Reset();
      if (!go_on) break;
    }
  } else {
    const SqlCondition where = o.filter.Condition();
    // The page is chosen by row id (gseq) first (a narrow sort); only its rows
    // then fetch their columns and documents.
    auto stmt = db.Prepare(columns_sql + "FROM (SELECT r.gseq FROM records r WHERE " + where.sql +
                           (withhold ? not_restricted : "") + " ORDER BY " + *order +
                           " LIMIT ? OFFSET ?) page JOIN records r ON r.gseq = page.gseq "
                           "JOIN documents d ON d.gseq = r.gseq ORDER BY " +
                           *order);
    if (!stmt.ok()) return stmt.status();
    const int next = where.BindTo(*stmt, 1);
    // One row beyond the limit tells a table there is more to see.
    stmt->Bind(next, limit == 0 ? int64_t{-1} : limit + (table ? 1 : 0)).Bind(next + 1, o.offset);
    while (true) {
      auto row = stmt->Step();
      if (!row.ok()) return row.status();
      if (!*row || !emit(*stmt)) break;
    }
  }
  if (table) {
    t.Print(out, o.width);
    if (more) {
      out << Messages::Format(
                 "first {} matches shown (from offset {}); see more with --limit N "
                 "(0 = all) and --offset, or count them with --count",
                 t.rows(), o.offset)
          << "\n";
    } else if (t.rows() == 0 && o.offset > 0) {
      // Past the last match: say so, not "0 record(s)" (a trial read it as
      // no match at all).
      out << Messages::Format(
                 "no match from offset {}: the matches end before it (--count counts "
                 "them)",
                 o.offset)
          << "\n";
    } else {
      out << Messages::Format("{} record(s)", t.rows()) << "\n";
    }
  }
  if (withhold) {
    // A limited export counts the restricted matches only up to its own
    // size: `--limit 1` must not scan a million records to say "some".
    const int64_t cap = limit > 0 ? limit + o.offset : 0;
    auto n = CountRestricted(db, o.filter, restricted, cap);
    if (!n.ok()) return n.status();
    if (*n > 0) {
      const std::string count = std::to_string(*n);
      RecordFormat::NoteWithheld(
          err, cap > 0 && *n >= cap ? Messages::Format("{} or more", count) : count);
    }
  }
  return outcome;
}

}  // namespace cen::node
