// The record filters every cen-query command shares, checked and turned into
// a SQL condition over `records r` whose values are all bound parameters.
//
//   QueryFilter f;
//   f.commodities = {"drugs"};
//   f.destinations = {"Europe"};   // an ISO 3166-1 code or a UN M49 region
//   f.from = "2019-01-01";
//   CEN_RETURN_IF_ERROR(f.Check());  // UsageError naming the flag otherwise
//   SqlCondition where = f.Condition();
//   // "SELECT ... FROM records r WHERE " + where.sql, then where.BindTo(stmt, 1)
//
// Between flags: AND. Within a repeated flag: OR. Thread-compatible.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/sqlite_db.h"
#include "common/status.h"

namespace cen::node {

// A SQL text with `?` placeholders and the values they stand for, in order.
struct SqlCondition {
  using Value = std::variant<int64_t, double, std::string>;
  std::string sql;
  std::vector<Value> values;

  // Binds the values to `stmt` from placeholder `first` on; returns the index
  // of the next placeholder.
  int BindTo(common::Statement& stmt, int first) const;
};

struct QueryFilter {
  std::vector<std::string> kinds;                // seizure | alert
  std::vector<std::string> commodities;          // code list: drugs, tobacco, ...
  std::vector<std::string> countries;            // any role
  std::vector<std::string> reporting_countries;  // each: CC or M49 region name
  std::vector<std::string> departures;
  std::vector<std::string> destinations;
  std::vector<std::string> transits;
  std::string from;                      // YYYY-MM-DD, inclusive; "" = open
  std::string to;                        // YYYY-MM-DD, inclusive; "" = open
  std::vector<std::string> origins;      // node ids
  std::vector<std::string> hs_prefixes;  // 2 to 10 digits; dots are ignored ("2939.72")
  std::vector<int64_t> transport_modes;  // UN/ECE Rec 19: 0-9
  std::vector<std::string> units;        // UN/ECE Rec 20 subset
  std::vector<std::string> handlings;    // H0-H3
  std::vector<std::string> priorities;   // urgent | high | normal
  std::string text;                      // FTS5 query: words, "a phrase", prefix*
  int64_t since_gseq = 0;                // only records whose latest gseq is above
  // NCPs' records their RILO has not accepted (pending, returned) count too.
  bool include_pending = false;

  // Asks the replica whether it holds records not validated yet (only a
  // RILO and its NCPs ever do) and, unless include_pending, leaves them out
  // of the condition from then on. Call once before Condition().
  common::Status NoteUnvalidated(common::Database& db);

  // The flags as JSON (a watch list keeps them so), and back. FromJson()
  // leaves Check() to the caller.
  nlohmann::json ToJson() const;
  // The filter flags given (--kind, --text, ...), in the order of --help.
  std::vector<std::string> GivenFlags() const;
  static common::Result<QueryFilter> FromJson(const nlohmann::json& flags);

  // Checks every value and normalises it in place (country regions become
  // their ISO codes, HS dots are dropped). A bad value is a UsageError
  // naming the flag and what it accepts.
  common::Status Check();

  // The condition over `records r` (true when no filter is set).
  SqlCondition Condition() const;
  // The same condition for a query about one record `r` (watch lists, run
  // for every record applied): its subqueries look up r's own rows instead
  // of listing every matching record first. Without --text: the caller
  // matches the record's text itself (RecordTextMatcher).
  SqlCondition ConditionForOneRecord() const;

  // When the filter is one country flag, or no country flag but commodities
  // or dates, and nothing else: the SELECT of the matching gseqs from the
  // table written in batches (record_countries, or record_dates), whose
  // covering keys answer without visiting records, and from the records
  // applied since it was last written (countries_pending, on their own
  // columns). A gseq may come more than once. nullopt otherwise.
  std::optional<SqlCondition> IndexOnlyIds() const;

  // Readies --text for Condition() on `db` (node.db): attaches the
  // full-text index (text.db, read-only) unless it is attached already
  // (ATTACH cannot run inside a transaction: BeginQuery attaches it first),
  // notes how far it reaches,
  // and copies the text of the records above its reach into a TEMP table to
  // match them there. Those are the records applied since the agent's
  // TextIndexer last wrote: a few hundred milliseconds' worth once it has
  // caught up, up to 16,384 while the agent catches up, but every record
  // it has not reached while the agent is stopped part-way through a
  // rebuild, when its indexer fails, or without text.db. A syntax error in
  // the query is a UsageError naming --text and saying what the syntax is.
  // Call once before Condition(), in the read transaction of the query.
  common::Status PrepareText(common::Database& db);
  // Begins a query's read transaction on `db` (node.db) and readies --text
  // in it: text.db attached first (not possible inside a transaction), then
  // PrepareText(). The text it copies and the records the query then reads
  // are of one moment. Commit (or drop) the transaction when done.
  common::Result<common::Transaction> BeginQuery(common::Database& db);

 private:
  // Countries named by region, expanded by Check(); kept per flag.
  struct CountryFlag {
    const char* role;  // nullptr = any role
    std::vector<std::string> codes;
  };
  std::vector<CountryFlag> country_flags_;
  bool hide_unvalidated_ = false;  // NoteUnvalidated() found some to hide
  bool any_unvalidated_ = false;   // NoteUnvalidated() found some
  // PrepareText(): text.db is attached, reaches this gseq, and this many
  // records above it are in temp.pending_text.
  bool text_indexed_ = false;
  int64_t text_reach_ = 0;
  int64_t text_pending_ = 0;

  // IndexOnlyIds() answers the filter.
  bool IndexOnly() const;
  SqlCondition CountryCondition(const CountryFlag& flag) const;
  // Commodities and dates over record_dates' key.
  SqlCondition DatesCondition() const;
  // The flag over the country columns of `records AS alias`.
  SqlCondition CountryColumnsCondition(const CountryFlag& flag, const std::string& alias) const;
  SqlCondition Build(bool one_record) const;
};

}  // namespace cen::node
