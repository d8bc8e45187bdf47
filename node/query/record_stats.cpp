#include "node/query/record_stats.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <set>
#include <system_error>
#include <thread>
#include <utility>

#include "common/csv_writer.h"
#include "common/grouped_number.h"
#include "common/messages.h"
#include "common/text_table.h"
#include "node/query/group_index.h"
#include "node/query/record_format.h"

namespace cen::node {

using common::TextTable;

using common::Messages;
namespace {

using nlohmann::json;

constexpr int64_t kDefaultTopRoutes = 20;
constexpr size_t kChartWidth = 50;

// A --by field whose values are one ISO 3166-1 code (transit's list is
// counted per country).
bool IsCountryField(std::string_view field) {
  return field == "reporting_country" || field == "departure" || field == "destination" ||
         field == "transit";
}

// --by names and the SQL expressions they group on.
const std::vector<std::pair<std::string, std::string>>& GroupFields() {
  static const std::vector<std::pair<std::string, std::string>> kFields = {
      {"kind", "r.kind"},
      {"commodity", "r.commodity"},
      {"reporting_country", "r.reporting_country"},
      {"departure", "r.departure"},
      {"destination", "r.destination"},
      {"transit", "r.transit"},
      {"origin", "r.origin"},
      {"unit", "r.unit"},
      {"handling", "r.handling"},
      {"hs_code", "r.hs_code"},
      {"hs2", "substr(r.hs_code, 1, 2)"},
      {"hs4", "substr(r.hs_code, 1, 4)"},
      {"hs6", "substr(r.hs_code, 1, 6)"},
      {"transport_mode", "r.transport_mode"},
      {"priority", "r.priority"},
  };
  return kFields;
}

// One output group: its key values, records and quantity per unit.
struct Group {
  std::vector<std::string> key;
  int64_t records = 0;
  int64_t restricted = 0;  // of `records`, H2/H3 ones
  std::map<std::string, double, std::less<>> quantity;
};

// A sum of doubles with Neumaier's compensation: what each addition loses to
// rounding is kept and added back at the end. Thirty quantities of 0.1 kg
// then add up to 3.0, not 3.0000000000000013, and a scan split in two halves
// gives the total one scan gives.
class Sum {
 public:
  void Add(double x) {
    const double total = total_ + x;
    lost_ += std::abs(total_) >= std::abs(x) ? (total_ - total) + x : (x - total) + total_;
    total_ = total;
  }
  void Add(const Sum& other) {
    Add(other.total_);
    lost_ += other.lost_;
  }
  // A total beyond the largest double stays infinite (what is lost to
  // rounding would be infinite too, and add up to NaN). Below a billion it
  // is rounded to a millionth: 1.1 + 2.2 kg is 3.3, not the
  // 3.3000000000000003 that the two doubles sum to (an analyst's CSV showed
  // 1311.0900000000001 LTR); a quantity is no finer than that.
  double value() const {
    if (!std::isfinite(total_)) return total_;
    const double v = total_ + lost_;
    return std::abs(v) < 1e9 ? std::round(v * 1e6) / 1e6 : v;
  }

 private:
  double total_ = 0;
  double lost_ = 0;
};

// One scan's records counted per distinct (key values, unit): a record's key
// values, each followed by a unit separator (no code value contains it),
// then, when it has a quantity, a record separator and its unit. One lookup
// and one flat cell per record (a million in a stats run): a map of units
// per group cost a cache miss or two per record, most of the fold's time.
// The groups are put together from the cells at the end (a few thousand).
struct Tally {
  struct Cell {
    int64_t records = 0;
    int64_t restricted = 0;  // H2/H3 records among them
    Sum quantity;            // of the cell's records, when its key names a unit
  };
  static constexpr char kValueEnd = '\x1f';
  static constexpr char kUnitStart = '\x1e';
  size_t key_columns = 0;
  GroupIndex index;  // cell keys -> position in cells
  std::vector<Cell> cells;
  int64_t restricted = 0;  // H2/H3 records counted (once each, in however many groups)
  int64_t withheld = 0;    // H2/H3 records left out (an export without --include-restricted)

  Cell& At(std::string_view key) {
    const auto [at, added] = index.Find(key);
    if (added) cells.emplace_back();
    return cells[at];
  }

  // Adds `other`'s cells (a later part of the same scan) to these.
  void Merge(Tally&& other) {
    for (size_t i = 0; i < other.cells.size(); ++i) {
      Cell& cell = At(other.index.Key(i));
      cell.records += other.cells[i].records;
      cell.restricted += other.cells[i].restricted;
      cell.quantity.Add(other.cells[i].quantity);
    }
    restricted += other.restricted;
    withheld += other.withheld;
  }

  // The groups with their quantities per unit.
  std::vector<Group> Finish() && {
    std::vector<Group> groups;
    GroupIndex by_values;
    for (size_t i = 0; i < cells.size(); ++i) {
      const std::string_view key = index.Key(i);
      const size_t unit_at = key.find(kUnitStart);
      const std::string_view values = key.substr(0, unit_at);
      const auto [at, added] = by_values.Find(values);
      if (added) {
        Group g;
        for (size_t begin = 0; begin < values.size();) {
          const size_t end = values.find(kValueEnd, begin);
          g.key.emplace_back(values.substr(begin, end - begin));
          begin = end + 1;
        }
        // One value per key column, even if a value ever held a separator
        // (the hub's validator allows none in a field grouped on).
        g.key.resize(key_columns);
        groups.push_back(std::move(g));
      }
      groups[at].records += cells[i].records;
      groups[at].restricted += cells[i].restricted;
      if (unit_at != std::string_view::npos)
        groups[at].quantity[std::string(key.substr(unit_at + 1))] = cells[i].quantity.value();
    }
    return groups;
  }
};

// The statement of a stats or routes scan: the key columns, unit, quantity
// and handling code of the filtered records (with gseq BETWEEN two more
// parameters when `ranged`).
std::string ScanSql(const SqlCondition& where, const std::vector<std::string>& keys,
                    const std::string& extra_where, bool ranged) {
  std::string select;
  for (const std::string& key : keys) select += "coalesce(" + key + ", ''), ";
  return "SELECT " + select + "r.unit, r.quantity, r.handling FROM records r WHERE " + where.sql +
         extra_where + (ranged ? " AND r.gseq BETWEEN ? AND ?" : "");
}

// True when SQLite reads `sql` (a ScanSql) through every row of records, in
// gseq order: a filter on the records' own columns, or none. A filter that
// goes through an index or a subquery (countries, dates, text) is left
// whole: ranges of gseq would take the plan away from it. The plan is that
// of the statement without its values: `--kind alert`, whose bound value
// lets the real statement use the partial index records_alerts, is split
// too (two halves of a few alerts each: the same answer).
common::Result<bool> ScansEveryRecord(common::Database& db, const std::string& sql) {
  auto plan = db.Prepare("EXPLAIN QUERY PLAN " + sql);
  if (!plan.ok()) return plan.status();
  bool every = false;
  while (true) {
    auto row = plan->Step();
    if (!row.ok()) return row.status();
    if (!*row) return every;
    const std::string_view detail = plan->ColumnView(3);
    if (detail == "SCAN r") {
      every = true;
    } else if (detail.find(" r ") != std::string_view::npos || detail.ends_with(" r")) {
      return false;  // records read another way too
    }
  }
}

// Scans the filtered records once (those with gseq in `range` alone, when
// given) and folds them into one Group per key. Aggregating in a hash map
// here instead of SQL's GROUP BY spares SQLite a sort of every matching row
// (measured: 4x faster on a million records).
// The key at `list_key` (transit: `NL;PL`) is a list: a record counts once
// in the group of each of its elements.
common::Result<Tally> CollectRange(common::Database& db, const QueryOptions& o,
                                   const std::vector<std::string>& keys,
                                   const std::string& extra_where, int list_key,
                                   std::optional<std::pair<int64_t, int64_t>> range) {
  const SqlCondition where = o.filter.Condition();
  auto stmt = db.Prepare(ScanSql(where, keys, extra_where, range.has_value()));
  if (!stmt.ok()) return stmt.status();
  const int next = where.BindTo(*stmt, 1);
  if (range) stmt->Bind(next, range->first).Bind(next + 1, range->second);
  Tally tally;
  tally.key_columns = keys.size();
  const int n = static_cast<int>(keys.size());
  // Figures are records' contents too: an export leaves H2/H3 records out
  // unless asked, as listings do (a trial: `routes --handling H3 --format
  // json` gave an eyes-only record's route and quantity, unmarked, unaudited).
  const bool withhold = o.format != "table" && !o.include_restricted;
  bool restricted = false;  // the row being folded
  std::string joined;
  std::vector<std::string_view> values(n);
  const auto fold = [&] {
    joined.clear();
    for (const std::string_view value : values) {
      joined += value;
      joined += Tally::kValueEnd;
    }
    const bool quantity = !stmt->ColumnIsNull(n) && !stmt->ColumnIsNull(n + 1);
    if (quantity) {
      joined += Tally::kUnitStart;
      joined += stmt->ColumnView(n);
    }
    Tally::Cell& cell = tally.At(joined);
    ++cell.records;
    if (restricted) ++cell.restricted;
    if (quantity) cell.quantity.Add(stmt->ColumnDouble(n + 1));
  };
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    restricted = RecordFormat::Restricted(stmt->ColumnView(n + 2));
    if (restricted) {
      if (withhold) {
        ++tally.withheld;
        continue;
      }
      ++tally.restricted;
    }
    for (int i = 0; i < n; ++i) values[i] = stmt->ColumnView(i);
    if (list_key < 0 || values[list_key].find(';') == std::string_view::npos) {
      fold();
      continue;
    }
    const std::string_view list = values[list_key];
    for (size_t begin = 0; begin <= list.size();) {
      const size_t end = std::min(list.find(';', begin), list.size());
      values[list_key] = list.substr(begin, end - begin);
      if (!values[list_key].empty()) fold();
      begin = end + 1;
    }
  }
  return tally;
}

// What a stats or routes scan found: its groups, and the H2/H3 records it
// counted in them and left out.
struct Collected {
  std::vector<Group> groups;
  int64_t restricted = 0;
  int64_t withheld = 0;

  static Collected Of(Tally&& tally) {
    const int64_t restricted = tally.restricted;
    const int64_t withheld = tally.withheld;
    return {std::move(tally).Finish(), restricted, withheld};
  }
};

// The filtered records folded into groups. With `second` (a connection on
// db's snapshot), a scan of every record and enough of them, the older half
// of the gseq range is scanned on a thread of its own through `second` while
// this thread scans the newer half: the scan is most of a stats run (SQLite
// decoding rows, the grouping), and a node has two cores.
common::Result<Collected> Collect(common::Database& db, common::Database* second,
                                  const QueryOptions& o, const std::vector<std::string>& keys,
                                  const std::string& extra_where, int list_key, int64_t& scans) {
  scans = 1;
  const auto one_scan = [&]() -> common::Result<Collected> {
    auto all = CollectRange(db, o, keys, extra_where, list_key, std::nullopt);
    if (!all.ok()) return all.status();
    return Collected::Of(std::move(*all));
  };
  if (second == nullptr || std::thread::hardware_concurrency() < 2) return one_scan();
  auto range = db.Prepare("SELECT min(gseq), max(gseq) FROM records");
  if (!range.ok()) return range.status();
  auto row = range->Step();
  if (!row.ok()) return row.status();
  if (!*row || range->ColumnIsNull(0)) return one_scan();
  const int64_t lo = range->ColumnInt(0);
  const int64_t hi = range->ColumnInt(1);
  if (hi - lo + 1 < std::max<int64_t>(o.split_scan_from, 2)) return one_scan();
  auto every = ScansEveryRecord(db, ScanSql(o.filter.Condition(), keys, extra_where, false));
  if (!every.ok()) return every.status();
  if (!*every) return one_scan();

  const int64_t middle = lo + (hi - lo) / 2;
  std::optional<common::Result<Tally>> older;
  std::thread worker;
  try {
    worker = std::thread([&] {
      older.emplace(CollectRange(*second, o, keys, extra_where, list_key, std::pair{lo, middle}));
    });
  } catch (const std::system_error&) {  // no thread to be had (a process limit)
    return one_scan();
  }
  auto newer = CollectRange(db, o, keys, extra_where, list_key, std::pair{middle + 1, hi});
  worker.join();
  if (!older->ok()) return older->status();
  if (!newer.ok()) return newer.status();
  scans = 2;
  Tally all = std::move(**older);
  all.Merge(std::move(*newer));
  return Collected::Of(std::move(all));
}

// Whether a group counts H2/H3 records: a table then has a column H2/H3.
bool AnyRestricted(const std::vector<Group>& groups) {
  return std::any_of(groups.begin(), groups.end(), [](const Group& g) { return g.restricted > 0; });
}

std::set<std::string> UnitsOf(const std::vector<Group>& groups) {
  std::set<std::string> units;
  for (const Group& g : groups)
    for (const auto& [unit, total] : g.quantity) units.insert(unit);
  return units;
}

// A --by field's column title, as the table heads it (REPORTING_COUNTRY).
std::string Title(const std::string& field) {
  std::string upper = field;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return upper;
}

// A group's key as the table shows it: "-" for a record without the field,
// a country code followed by the country's name in the reader's language.
std::vector<std::string> KeyCells(const std::vector<std::string>& titles, const Group& g) {
  std::vector<std::string> cells = g.key;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (cells[i].empty()) {
      cells[i] = "-";
    } else if (i < titles.size() && IsCountryField(titles[i])) {
      if (const std::string name = Messages::Country(cells[i]); !name.empty())
        cells[i] += " " + name;
    }
  }
  return cells;
}

void PrintChart(std::ostream& out, const std::vector<std::string>& titles,
                const std::vector<Group>& groups, size_t label_width) {
  int64_t max = 1;
  for (const Group& g : groups) max = std::max(max, g.records);
  // The groups' header and labels read as the table's (a trial: the chart
  // had neither header nor country names, nor the count of groups).
  std::string heading;
  for (const std::string& title : titles)
    heading += (heading.empty() ? "" : " / ") + std::string(Messages::Tr(Title(title).c_str()));
  // H2/H3 records counted: a column, as the table has (a review).
  const bool marked = AnyRestricted(groups);
  std::vector<TextTable::Column> columns = {
      {heading, label_width}, {"", kChartWidth + 1}, {N_("RECORDS"), 10, TextTable::Align::kRight}};
  if (marked) columns.push_back({"H2/H3", 7, TextTable::Align::kRight});
  columns.push_back({N_("QUANTITY"), 0});
  TextTable t(columns);
  for (const Group& g : groups) {
    std::string label;
    for (const std::string& cell : KeyCells(titles, g))
      label += (label.empty() ? "" : " / ") + cell;
    const auto cells = static_cast<size_t>(
        (static_cast<double>(g.records) / static_cast<double>(max)) * kChartWidth + 0.5);
    std::string bar;
    for (size_t i = 0; i < std::max<size_t>(cells, 1); ++i) bar += "█";
    std::vector<std::string> row = {label, bar, common::GroupedNumber(g.records)};
    if (marked) row.push_back(g.restricted > 0 ? common::GroupedNumber(g.restricted) : "");
    row.push_back(RecordFormat::Quantities(g.quantity));
    t.AddRow(row);
  }
  t.Print(out, 160);
  out << Messages::Format("{} group(s)", groups.size()) << "\n";
}

// Writes `groups` under `titles` (one per key part) in o.format.
void Print(std::ostream& out, const QueryOptions& o, const std::vector<std::string>& titles,
           const std::vector<Group>& groups) {
  const std::set<std::string> units = UnitsOf(groups);
  if (o.format == "json") {
    for (const Group& g : groups) {
      json line = json::object();
      for (size_t i = 0; i < titles.size(); ++i) line[titles[i]] = g.key[i];
      line["records"] = g.records;
      if (o.include_restricted) line["restricted"] = g.restricted;
      line["quantity"] = g.quantity;
      out << line.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    }
    return;
  }
  if (o.format == "csv") {
    std::vector<std::string> header = titles;
    header.push_back("records");
    for (const std::string& unit : units) header.push_back("quantity_" + unit);
    // Last: the columns before it keep their places (a review).
    if (o.include_restricted) header.push_back("restricted");
    common::CsvWriter::WriteRow(out, header);
    for (const Group& g : groups) {
      std::vector<std::string> row = g.key;
      row.push_back(std::to_string(g.records));
      for (const std::string& unit : units) {
        auto it = g.quantity.find(unit);
        row.push_back(it == g.quantity.end() ? "" : json(it->second).dump());
      }
      if (o.include_restricted) row.push_back(std::to_string(g.restricted));
      common::CsvWriter::WriteRow(out, row);
    }
    return;
  }
  std::vector<TextTable::Column> columns;
  for (const std::string& title : titles) columns.push_back({Title(title), 40});
  columns.push_back({N_("RECORDS"), 12, TextTable::Align::kRight});
  // Only when some group holds H2/H3 records: how many of its records are.
  const bool marked = AnyRestricted(groups);
  if (marked) columns.push_back({"H2/H3", 7, TextTable::Align::kRight});
  columns.push_back({N_("QUANTITY"), 0});
  TextTable t(columns);
  for (const Group& g : groups) {
    std::vector<std::string> row = KeyCells(titles, g);
    // Grouped as the quantities beside it are (a trial read 240655 beside
    // 5,073,585); csv and json keep plain numbers.
    row.push_back(common::GroupedNumber(g.records));
    if (marked) row.push_back(g.restricted > 0 ? common::GroupedNumber(g.restricted) : "");
    row.push_back(RecordFormat::Quantities(g.quantity));
    t.AddRow(row);
  }
  t.Print(out, o.width);
  out << Messages::Format("{} group(s)", groups.size()) << "\n";
}

// What stats and routes say after their groups of the H2/H3 records among
// the matches, and the outcome they audit: a table marks those it counted (a
// footnote; each group's count in its H2/H3 column), an export says how many
// it left out, or counts those it exported (--include-restricted).
common::Result<QueryOutcome> Finish(std::ostream& out, std::ostream& err, const QueryOptions& o,
                                    const Collected& collected, const std::vector<Group>& shown,
                                    int64_t scans) {
  // Per group, in its column: a record in two groups (two transit
  // countries) is counted in each, so no total is given (a review).
  const bool marked = AnyRestricted(shown);
  if (o.format == "table" && marked) {
    out << Messages::Tr(
               "column H2/H3: the H2/H3 (restricted) records counted in each group; handle "
               "those figures as the strictest code among them requires")
        << "\n";
  }
  if (collected.withheld > 0) {
    err << "cen-query: "
        << Messages::Format(
               "{} H2/H3 (restricted) record(s) among the matches left out of these figures "
               "(exports count the others only); add --include-restricted to count them (the "
               "export is written to the audit trail)",
               collected.withheld)
        << "\n";
  }
  return QueryOutcome{static_cast<int64_t>(shown.size()), collected.restricted, scans};
}

}  // namespace

std::string RecordStats::GroupFieldNames() {
  std::string names;
  for (const auto& [name, sql] : GroupFields()) names += (names.empty() ? "" : ", ") + name;
  return names;
}

common::Result<QueryOutcome> RecordStats::Groups(common::Database& db, const QueryOptions& o,
                                                 std::ostream& out, std::ostream& err,
                                                 common::Database* second) {
  if (o.by.empty() && o.period.empty())
    return common::UsageError(
        Messages::Tr("stats: give --by FIELD[,FIELD] and/or --period month|year"));
  if (!o.period.empty() && o.period != "month" && o.period != "year")
    return common::UsageError(
        Messages::Format("{}: '{}' is not one of {}", "--period", o.period, "month, year"));
  std::vector<std::string> titles;
  std::vector<std::string> keys;
  if (!o.period.empty()) {
    titles.push_back(o.period);
    keys.push_back(o.period == "year" ? "substr(r.event_date, 1, 4)"
                                      : "substr(r.event_date, 1, 7)");
  }
  for (const std::string& field : o.by) {
    auto it = std::find_if(GroupFields().begin(), GroupFields().end(),
                           [&](const auto& f) { return f.first == field; });
    if (it == GroupFields().end())
      return common::UsageError(
          Messages::Format("{}: '{}' is not one of {}", "--by", field, GroupFieldNames()));
    if (std::find(titles.begin(), titles.end(), field) != titles.end())
      return common::UsageError(Messages::Format("--by: '{}' is given twice", field));
    titles.push_back(field);
    keys.push_back(it->second);
  }
  if (o.chart && titles.size() != 1)
    return common::UsageError(
        Messages::Tr("--chart draws one grouping: give one --by field or --period alone"));
  int64_t scans = 0;
  // A record with two transit countries is in the group of each, as
  // --transit finds it by either.
  const auto transit = std::find(titles.begin(), titles.end(), "transit");
  const int list_key = transit == titles.end() ? -1 : static_cast<int>(transit - titles.begin());
  auto collected = Collect(db, second, o, keys, "", list_key, scans);
  if (!collected.ok()) return collected.status();
  std::vector<Group>* groups = &collected->groups;
  // Most records first; with a period, periods in order and most records first
  // within each, --top applying per period.
  const bool by_period = !o.period.empty();
  std::stable_sort(groups->begin(), groups->end(), [&](const Group& a, const Group& b) {
    if (by_period && a.key[0] != b.key[0]) return a.key[0] < b.key[0];
    if (a.records != b.records) return a.records > b.records;
    return a.key < b.key;
  });
  if (o.top > 0) {
    std::vector<Group> kept;
    std::map<std::string, int64_t> per_period;
    for (Group& g : *groups) {
      if (++per_period[by_period ? g.key[0] : ""] <= o.top) kept.push_back(std::move(g));
    }
    *groups = std::move(kept);
  }
  if (o.chart && o.format == "table") {
    PrintChart(out, titles, *groups, 40);
  } else {
    Print(out, o, titles, *groups);
  }
  return Finish(out, err, o, *collected, *groups, scans);
}

common::Result<QueryOutcome> RecordStats::Routes(common::Database& db, const QueryOptions& o,
                                                 std::ostream& out, std::ostream& err,
                                                 common::Database* second) {
  int64_t scans = 0;
  auto collected = Collect(db, second, o, {"r.departure", "r.transit", "r.destination"},
                           " AND (r.departure IS NOT NULL OR r.transit IS NOT NULL OR "
                           "r.destination IS NOT NULL)",
                           -1, scans);
  if (!collected.ok()) return collected.status();
  std::vector<Group>* groups = &collected->groups;
  std::stable_sort(groups->begin(), groups->end(), [](const Group& a, const Group& b) {
    if (a.records != b.records) return a.records > b.records;
    return a.key < b.key;
  });
  // Not given: the 20 most frequent; 0: all of them (as --limit 0).
  const int64_t top = o.top < 0 ? kDefaultTopRoutes : o.top;
  if (top > 0 && groups->size() > static_cast<size_t>(top)) groups->resize(top);
  std::vector<Group> routes;
  for (const Group& g : *groups) {
    Group route = g;
    route.key = {RecordFormat::Route(g.key[0], g.key[1], g.key[2]), g.key[0], g.key[1], g.key[2]};
    routes.push_back(std::move(route));
  }
  if (o.format == "table") {
    // The table shows the route once; json and csv also carry its parts.
    for (Group& g : routes) g.key.resize(1);
    Print(out, o, {"route"}, routes);
  } else {
    Print(out, o, {"route", "departure", "transit", "destination"}, routes);
  }
  return Finish(out, err, o, *collected, routes, scans);
}

}  // namespace cen::node
