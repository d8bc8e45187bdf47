#include "node/query/query_filter.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include "common/code_lists.h"
#include "common/messages.h"
#include "node/store/fts_text.h"
#include "node/store/text_db.h"
#include "node/store/text_query.h"

namespace cen::node {

using common::Messages;
namespace {

using common::CodeLists;

// The items of any list of strings or string views, joined by `separator`.
template <typename List>
std::string Join(const List& items, const char* separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += std::string(item);
  }
  return out;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The ISO codes `value` names: itself when it is an alpha-2 code, else every
// country of the UN M49 region, sub-region or intermediate region of that name
// (any case). Empty when it names nothing.
std::vector<std::string> CountriesNamed(const std::string& value) {
  if (value.size() == 2) {
    std::string upper = value;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (CodeLists::IsCountry(upper)) return {upper};
    return {};
  }
  const std::string wanted = Lower(value);
  std::vector<std::string> codes;
  for (const common::Country& c : CodeLists::Countries()) {
    if (Lower(c.region) == wanted || Lower(c.subregion) == wanted ||
        (!c.intermediate_region.empty() && Lower(c.intermediate_region) == wanted)) {
      codes.emplace_back(c.alpha2);
    }
  }
  return codes;
}

bool IsLeap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

// "YYYY", "YYYY-MM" or "YYYY-MM-DD" as the first (or, with `end`, the last)
// day it covers, or "" when it is not a real date.
std::string DayOf(const std::string& value, bool end) {
  static const std::regex kDate(R"((\d{4})(?:-(\d{2})(?:-(\d{2}))?)?)");
  std::smatch m;
  if (!std::regex_match(value, m, kDate)) return "";
  const int year = std::stoi(m[1]);
  const int month = m[2].matched ? std::stoi(m[2]) : (end ? 12 : 1);
  if (month < 1 || month > 12) return "";
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int days_in_month = kDays[month - 1] + (month == 2 && IsLeap(year) ? 1 : 0);
  const int day = m[3].matched ? std::stoi(m[3]) : (end ? days_in_month : 1);
  if (day < 1 || day > days_in_month) return "";
  char out[11];
  std::snprintf(out, sizeof out, "%04d-%02d-%02d", year, month, day);
  return out;
}

// Each of `values` in any letter case (--unit kgm, --commodity DRUGS), put
// in the spelling of `allowed`.
template <typename List>
common::Status OneOf(const char* flag, std::vector<std::string>& values, const List& allowed) {
  for (std::string& v : values) {
    const std::string wanted = Lower(v);
    const auto it = std::find_if(allowed.begin(), allowed.end(),
                                 [&](const auto& a) { return Lower(a) == wanted; });
    if (it == allowed.end())
      return common::UsageError(
          Messages::Format("{}: '{}' is not one of {}", flag, v, Join(allowed, ", ")));
    v = std::string(*it);
  }
  return common::Status::Ok();
}

// "r.col IN (?, ?)" for `values`, appended to `c` with its values.
template <typename T>
void AddIn(SqlCondition& c, const std::string& column, const std::vector<T>& values) {
  if (values.empty()) return;
  if (!c.sql.empty()) c.sql += " AND ";
  c.sql += column + " IN (";
  for (size_t i = 0; i < values.size(); ++i) {
    c.sql += i == 0 ? "?" : ", ?";
    c.values.emplace_back(values[i]);
  }
  c.sql += ")";
}

void AddClause(SqlCondition& c, const std::string& sql) {
  if (!c.sql.empty()) c.sql += " AND ";
  c.sql += sql;
}

// "column >= from AND column <= to", each side only when given.
void AddDateRange(SqlCondition& c, const std::string& column, const std::string& from,
                  const std::string& to) {
  if (!from.empty()) {
    AddClause(c, column + " >= ?");
    c.values.emplace_back(from);
  }
  if (!to.empty()) {
    AddClause(c, column + " <= ?");
    c.values.emplace_back(to);
  }
}

// The gseqs `table` lists under `batched`, then those of the pending records
// whose own columns (alias pr) meet `columns`: the tables written in batches
// (record_countries, record_dates) and countries_pending. A record may come
// twice (in two roles, or while a batch is being written). CROSS JOIN keeps
// SQLite reading the few pending rows first, not the records index.
SqlCondition BatchedOrPendingIds(const std::string& table, const SqlCondition& batched,
                                 const SqlCondition& columns) {
  SqlCondition ids;
  ids.sql = "SELECT record_id FROM " + table + " WHERE " + batched.sql +
            " UNION ALL SELECT p.gseq FROM countries_pending p CROSS JOIN records pr "
            "ON pr.gseq = p.gseq WHERE " +
            columns.sql;
  ids.values = batched.values;
  ids.values.insert(ids.values.end(), columns.values.begin(), columns.values.end());
  return ids;
}

// "r.gseq IN (BatchedOrPendingIds)": one list, computed once.
void AddBatchedOrPending(SqlCondition& c, const std::string& table, const SqlCondition& batched,
                         const SqlCondition& columns) {
  const SqlCondition ids = BatchedOrPendingIds(table, batched, columns);
  AddClause(c, "r.gseq IN (" + ids.sql + ")");
  c.values.insert(c.values.end(), ids.values.begin(), ids.values.end());
}

}  // namespace

int SqlCondition::BindTo(common::Statement& stmt, int first) const {
  int index = first;
  for (const Value& v : values) {
    std::visit([&](const auto& x) { stmt.Bind(index, x); }, v);
    ++index;
  }
  return index;
}

common::Status QueryFilter::Check() {
  CEN_RETURN_IF_ERROR(OneOf("--kind", kinds, std::vector<std::string_view>{"seizure", "alert"}));
  CEN_RETURN_IF_ERROR(OneOf("--commodity", commodities, CodeLists::Commodities()));
  CEN_RETURN_IF_ERROR(OneOf("--unit", units, CodeLists::Units()));
  CEN_RETURN_IF_ERROR(
      OneOf("--handling", handlings, std::vector<std::string_view>{"H0", "H1", "H2", "H3"}));
  CEN_RETURN_IF_ERROR(OneOf("--priority", priorities, CodeLists::Priorities()));
  for (const int64_t mode : transport_modes) {
    if (!CodeLists::IsTransportMode(mode))
      return common::UsageError(
          Messages::Format("--transport-mode: {} is not a UN/ECE Rec 19 mode (0 to 9: 1 sea, "
                           "2 rail, 3 road, 4 air, 5 post, ...)",
                           mode));
  }
  for (std::string& prefix : hs_prefixes) {
    prefix.erase(std::remove(prefix.begin(), prefix.end(), '.'), prefix.end());
    if (prefix.size() < 2 || prefix.size() > 10 ||
        !std::all_of(prefix.begin(), prefix.end(), [](unsigned char c) { return std::isdigit(c); }))
      return common::UsageError(Messages::Format(
          "--hs: '{}' is not an HS code prefix (2 to 10 digits, like 2939 or 293972)", prefix));
  }
  for (const std::string& origin : origins) {
    if (origin.empty())
      return common::UsageError(Messages::Tr("--origin: a node id must not be empty"));
  }

  country_flags_.clear();
  const struct {
    const char* flag;
    const char* role;
    std::vector<std::string>* values;
  } kCountryFlags[] = {{"--country", nullptr, &countries},
                       {"--reporting-country", "reporting", &reporting_countries},
                       {"--departure", "departure", &departures},
                       {"--destination", "destination", &destinations},
                       {"--transit", "transit", &transits}};
  for (const auto& f : kCountryFlags) {
    if (f.values->empty()) continue;
    CountryFlag flag{f.role, {}};
    for (std::string& value : *f.values) {
      const std::vector<std::string> codes = CountriesNamed(value);
      // A code as codes are written (a watch list shows `TH`, not `th`).
      if (value.size() == 2 && codes.size() == 1) value = codes.front();
      if (codes.empty())
        return common::UsageError(Messages::Format(
            "{}: '{}' is neither an ISO 3166-1 alpha-2 country code (like NL) nor a UN M49 "
            "region (Africa, Americas, Asia, Europe, Oceania, or a sub-region such as 'Western "
            "Europe', 'South America', 'Latin America and the Caribbean')",
            f.flag, value));
      flag.codes.insert(flag.codes.end(), codes.begin(), codes.end());
    }
    std::sort(flag.codes.begin(), flag.codes.end());
    flag.codes.erase(std::unique(flag.codes.begin(), flag.codes.end()), flag.codes.end());
    country_flags_.push_back(std::move(flag));
  }

  const std::string given_from = from;
  const std::string given_to = to;
  if (!from.empty() && (from = DayOf(from, false)).empty())
    return common::UsageError(Messages::Format(
        "{}: '{}' is not a date written YYYY-MM-DD (or YYYY-MM, or YYYY)", "--from", given_from));
  if (!to.empty() && (to = DayOf(to, true)).empty())
    return common::UsageError(Messages::Format(
        "{}: '{}' is not a date written YYYY-MM-DD (or YYYY-MM, or YYYY)", "--to", given_to));
  if (!from.empty() && !to.empty() && from > to)
    return common::UsageError(Messages::Format("--from {} is after --to {}", given_from, given_to));
  if (since_gseq < 0)
    return common::UsageError(Messages::Format("{}: must be 0 or more", "--since-gseq"));
  if (text.find_first_not_of(" \t") == std::string::npos && !text.empty())
    return common::UsageError(Messages::Tr("--text: the query is empty"));
  return common::Status::Ok();
}

SqlCondition QueryFilter::CountryCondition(const CountryFlag& flag) const {
  SqlCondition sub;
  AddIn(sub, "country", flag.codes);
  AddIn(sub, "commodity", commodities);
  if (flag.role != nullptr) {
    AddClause(sub, "role = ?");
    sub.values.emplace_back(std::string(flag.role));
  }
  AddDateRange(sub, "event_date", from, to);
  // '' stands for "no date" here; records.event_date is NULL then, which no
  // range matches: keep the two answers equal.
  if (!from.empty() || !to.empty()) AddClause(sub, "event_date <> ''");
  return sub;
}

SqlCondition QueryFilter::DatesCondition() const {
  SqlCondition sub;
  if (commodities.empty()) {
    // Dates alone: one range per commodity the table holds (the key's first
    // column), found by seeking from one to the next, not from the code list:
    // a newer hub may have accepted a code this build does not know.
    AddClause(sub,
              "commodity IN (WITH RECURSIVE c(v) AS (SELECT min(commodity) FROM record_dates "
              "UNION ALL SELECT (SELECT min(commodity) FROM record_dates WHERE commodity > c.v) "
              "FROM c WHERE c.v IS NOT NULL) SELECT v FROM c WHERE v IS NOT NULL)");
  } else {
    AddIn(sub, "commodity", commodities);
  }
  AddDateRange(sub, "event_date", from, to);
  // '' stands for "no date", as in record_countries.
  if (!from.empty() || !to.empty()) AddClause(sub, "event_date <> ''");
  return sub;
}

SqlCondition QueryFilter::CountryColumnsCondition(const CountryFlag& flag,
                                                  const std::string& alias) const {
  // The record's own columns, for records whose record_countries rows are not
  // written yet (countries_pending) and for watch lists checking one record.
  const struct {
    const char* role;
    const char* column;
  } kRoles[] = {{"reporting", "reporting_country"},
                {"departure", "departure"},
                {"destination", "destination"}};
  std::vector<std::string> alternatives;
  SqlCondition c;
  for (const auto& r : kRoles) {
    if (flag.role != nullptr && std::string(flag.role) != r.role) continue;
    SqlCondition in;
    AddIn(in, alias + "." + r.column, flag.codes);
    alternatives.push_back(in.sql);
    c.values.insert(c.values.end(), in.values.begin(), in.values.end());
  }
  if (flag.role == nullptr || std::string(flag.role) == "transit") {
    // transit holds the route's transit countries joined with ';'.
    std::vector<std::string> any;
    for (const std::string& code : flag.codes) {
      any.push_back("instr(';' || " + alias + ".transit || ';', ?) > 0");
      c.values.emplace_back(";" + code + ";");
    }
    alternatives.push_back("(" + Join(any, " OR ") + ")");
  }
  c.sql = "(" + Join(alternatives, " OR ") + ")";
  return c;
}

common::Status QueryFilter::NoteUnvalidated(common::Database& db) {
  // The partial index records_unvalidated answers at once.
  auto any = db.QueryInt("SELECT 1 FROM records WHERE validation IS NOT NULL LIMIT 1");
  if (!any.ok()) return any.status();
  any_unvalidated_ = any->has_value();
  hide_unvalidated_ = !include_pending && any_unvalidated_;
  return common::Status::Ok();
}

bool QueryFilter::IndexOnly() const {
  // The batched tables hold unvalidated records too: those are hidden, or
  // the version in force beside them is, on `records` (rare: a RILO or an
  // NCP with records waiting).
  const bool others = !kinds.empty() || !origins.empty() || !hs_prefixes.empty() ||
                      !transport_modes.empty() || !units.empty() || !handlings.empty() ||
                      !priorities.empty() || !text.empty() || since_gseq > 0 || any_unvalidated_;
  if (others) return false;
  if (country_flags_.size() == 1) return true;
  return country_flags_.empty() && (!commodities.empty() || !from.empty() || !to.empty());
}

std::optional<SqlCondition> QueryFilter::IndexOnlyIds() const {
  if (!IndexOnly()) return std::nullopt;
  SqlCondition columns;
  AddIn(columns, "pr.commodity", commodities);
  AddDateRange(columns, "pr.event_date", from, to);
  if (country_flags_.empty()) return BatchedOrPendingIds("record_dates", DatesCondition(), columns);
  const SqlCondition country = CountryColumnsCondition(country_flags_[0], "pr");
  AddClause(columns, country.sql);
  columns.values.insert(columns.values.end(), country.values.begin(), country.values.end());
  return BatchedOrPendingIds("record_countries", CountryCondition(country_flags_[0]), columns);
}

SqlCondition QueryFilter::Condition() const { return Build(false); }

SqlCondition QueryFilter::ConditionForOneRecord() const { return Build(true); }

SqlCondition QueryFilter::Build(bool one_record) const {
  SqlCondition c;
  AddIn(c, "r.kind", kinds);
  // With a country flag, the record_countries subquery carries the commodity
  // and dates too and is the selective part: the unary + keeps SQLite from
  // driving the query through the records indexes instead.
  const std::string plus = country_flags_.empty() ? "" : "+";
  AddIn(c, plus + "r.commodity", commodities);
  AddDateRange(c, plus + "r.event_date", from, to);
  // Without a country flag, commodity and dates go through record_dates (one
  // range scan of its key per commodity); the records applied since its last
  // batch (countries_pending) are checked on their own columns.
  if (country_flags_.empty() && !one_record &&
      (!commodities.empty() || !from.empty() || !to.empty())) {
    const SqlCondition sub = DatesCondition();
    SqlCondition columns;
    AddIn(columns, "pr.commodity", commodities);
    AddDateRange(columns, "pr.event_date", from, to);
    AddBatchedOrPending(c, "record_dates", sub, columns);
  }
  // Country flags go through record_countries; the commodity and date
  // conditions are repeated inside so one range scan of its key answers them.
  // Records applied since its last batch (countries_pending) are checked on
  // their own columns; so is the one record a watch list looks at.
  for (const CountryFlag& flag : country_flags_) {
    if (one_record) {
      const SqlCondition columns = CountryColumnsCondition(flag, "r");
      AddClause(c, columns.sql);
      c.values.insert(c.values.end(), columns.values.begin(), columns.values.end());
      continue;
    }
    const SqlCondition sub = CountryCondition(flag);
    const SqlCondition columns = CountryColumnsCondition(flag, "pr");
    AddBatchedOrPending(c, "record_countries", sub, columns);
  }
  AddIn(c, "r.origin", origins);
  if (!hs_prefixes.empty()) {
    std::vector<std::string> clauses;
    for (const std::string& prefix : hs_prefixes) {
      // `+?`: SQLite's LIKE/GLOB analysis would tie the plan to the bound
      // pattern and compile a watch's statement again at every applied
      // record (no index holds hs_code, so no plan is lost).
      clauses.push_back("r.hs_code GLOB +?");
      c.values.emplace_back(prefix + "*");
    }
    // Values were appended in clause order, after those of earlier clauses.
    AddClause(c, "(" + Join(clauses, " OR ") + ")");
  }
  AddIn(c, "r.transport_mode", transport_modes);
  AddIn(c, "r.unit", units);
  AddIn(c, "r.handling", handlings);
  AddIn(c, "r.priority", priorities);
  // One record's text is matched by its caller (RecordTextMatcher).
  if (!text.empty() && !one_record) {
    // text.db answers up to its reach, the TEMP table of PrepareText()
    // above it.
    std::vector<std::string> sources;
    if (text_indexed_) {
      sources.push_back(std::string("SELECT rowid FROM ") + TextDb::kSchema +
                        ".records_fts WHERE records_fts MATCH ? AND rowid <= ?");
      c.values.emplace_back(TextQuery::ToMatch(text));
      c.values.emplace_back(text_reach_);
    }
    if (text_pending_ > 0 || !text_indexed_) {
      sources.push_back("SELECT rowid FROM temp.pending_text WHERE pending_text MATCH ?");
      c.values.emplace_back(TextQuery::ToMatch(text));
    }
    AddClause(c, "r.gseq IN (" + Join(sources, " UNION ALL ") + ")");
  }
  if (since_gseq > 0) {
    AddClause(c, "r.gseq > ?");
    c.values.emplace_back(since_gseq);
  }
  if (hide_unvalidated_ && !include_pending && !one_record) AddClause(c, "r.validation IS NULL");
  // With --include-pending each record once, in its newest version: an
  // amendment waiting for its RILO instead of the version in force beside
  // it (a trial counted one seizure twice, its quantity too, in stats).
  if (any_unvalidated_ && include_pending && !one_record) {
    AddClause(c,
              "(r.validation IS NOT NULL OR NOT EXISTS (SELECT 1 FROM records w "
              "WHERE w.uuid = r.uuid AND w.validation IS NOT NULL))");
  }
  if (c.sql.empty()) c.sql = "1";
  return c;
}

common::Result<common::Transaction> QueryFilter::BeginQuery(common::Database& db) {
  if (!text.empty()) {
    auto attached = TextDb::AttachForReading(db, TextDb::DataDirOf(db.path()));
    if (!attached.ok()) return attached.status();
  }
  auto snapshot = db.BeginDeferred();
  if (!snapshot.ok()) return snapshot.status();
  CEN_RETURN_IF_ERROR(PrepareText(db));
  return snapshot;
}

common::Status QueryFilter::PrepareText(common::Database& db) {
  if (text.empty()) return common::Status::Ok();
  auto attached = TextDb::AttachForReading(db, TextDb::DataDirOf(db.path()));
  if (!attached.ok()) return attached.status();
  auto reach = TextDb::Reach(db);
  if (!reach.ok()) return reach.status();
  // The records text.db has not reached yet (just applied, or all of them
  // when there is no text.db), matched in a TEMP table of their own.
  CEN_RETURN_IF_ERROR(FtsText::Register(db));  // TextColumnsSql splits ideographs
  CEN_RETURN_IF_ERROR(db.Exec(
      "DROP TABLE IF EXISTS temp.pending_text; CREATE VIRTUAL TABLE temp.pending_text USING fts5(" +
      TextDb::FtsDefinition() + ")"));
  auto fill = db.Prepare("INSERT INTO temp.pending_text(rowid, " + TextDb::FtsColumns() +
                         ") SELECT d.gseq, " + TextDb::TextColumnsSql() +
                         " FROM documents d WHERE d.gseq > ?");
  if (!fill.ok()) return fill.status();
  CEN_RETURN_IF_ERROR(fill->Bind(1, *reach).Run());
  text_pending_ = db.Changes();
  text_indexed_ = *attached;
  text_reach_ = *reach;

  // A syntax error is the user's, said in words that teach the syntax.
  auto probe = db.Prepare("SELECT rowid FROM temp.pending_text WHERE pending_text MATCH ? LIMIT 1");
  if (!probe.ok()) return probe.status();
  probe->Bind(1, TextQuery::ToMatch(text));
  auto row = probe->Step();
  if (row.ok()) return common::Status::Ok();
  std::string_view reason = row.status().message();
  if (reason.starts_with("sqlite: ")) reason.remove_prefix(8);
  return common::UsageError(
      Messages::Format("--text: '{}': {}; write words (all must match), \"an exact phrase\", a "
                       "prefix*, or OR / NOT between words",
                       text, TextQuery::Explain(reason)));
}

std::vector<std::string> QueryFilter::GivenFlags() const {
  std::vector<std::string> given;
  auto put = [&](const char* flag, bool present) {
    if (present) given.emplace_back(flag);
  };
  put("--kind", !kinds.empty());
  put("--commodity", !commodities.empty());
  put("--country", !countries.empty());
  put("--reporting-country", !reporting_countries.empty());
  put("--departure", !departures.empty());
  put("--destination", !destinations.empty());
  put("--transit", !transits.empty());
  put("--from", !from.empty());
  put("--to", !to.empty());
  put("--origin", !origins.empty());
  put("--hs", !hs_prefixes.empty());
  put("--transport-mode", !transport_modes.empty());
  put("--unit", !units.empty());
  put("--handling", !handlings.empty());
  put("--priority", !priorities.empty());
  put("--text", !text.empty());
  put("--since-gseq", since_gseq != 0);
  put("--include-pending", include_pending);
  return given;
}

nlohmann::json QueryFilter::ToJson() const {
  nlohmann::json out = nlohmann::json::object();
  auto put = [&](const char* key, const auto& value) {
    if (!value.empty()) out[key] = value;
  };
  put("kinds", kinds);
  put("commodities", commodities);
  put("countries", countries);
  put("reporting_countries", reporting_countries);
  put("departures", departures);
  put("destinations", destinations);
  put("transits", transits);
  put("from", from);
  put("to", to);
  put("origins", origins);
  put("hs_prefixes", hs_prefixes);
  put("transport_modes", transport_modes);
  put("units", units);
  put("handlings", handlings);
  put("priorities", priorities);
  put("text", text);
  if (since_gseq != 0) out["since_gseq"] = since_gseq;
  return out;
}

common::Result<QueryFilter> QueryFilter::FromJson(const nlohmann::json& flags) {
  if (!flags.is_object()) return common::InvalidInput("a filter must be a JSON object");
  QueryFilter f;
  try {
    auto get = [&](const char* key, auto& value) {
      if (const auto it = flags.find(key); it != flags.end()) it->get_to(value);
    };
    get("kinds", f.kinds);
    get("commodities", f.commodities);
    get("countries", f.countries);
    get("reporting_countries", f.reporting_countries);
    get("departures", f.departures);
    get("destinations", f.destinations);
    get("transits", f.transits);
    get("from", f.from);
    get("to", f.to);
    get("origins", f.origins);
    get("hs_prefixes", f.hs_prefixes);
    get("transport_modes", f.transport_modes);
    get("units", f.units);
    get("handlings", f.handlings);
    get("priorities", f.priorities);
    get("text", f.text);
    get("since_gseq", f.since_gseq);
  } catch (const nlohmann::json::exception& e) {
    return common::InvalidInput(std::string("a filter value has the wrong type: ") + e.what());
  }
  return f;
}

}  // namespace cen::node
