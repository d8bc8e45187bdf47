#include "node/query/query_command.h"

#include <algorithm>
#include <optional>
#include <ostream>
#include <utility>

#include "common/messages.h"
#include "node/query/alert_queries.h"
#include "node/query/pending_queue.h"
#include "node/query/query_audit.h"
#include "node/query/record_search.h"
#include "node/query/record_show.h"
#include "node/query/record_stats.h"
#include "node/query/shared_snapshot.h"
#include "node/query/watch_list.h"
#include "node/store/node_schema.h"

namespace cen::node {

const char* QueryCommand::Name(QueryVerb verb) {
  switch (verb) {
    case QueryVerb::kSearch:
      return "search";
    case QueryVerb::kShow:
      return "show";
    case QueryVerb::kStats:
      return "stats";
    case QueryVerb::kRoutes:
      return "routes";
    case QueryVerb::kAudit:
      return "audit";
    case QueryVerb::kAlerts:
      return "alerts";
    case QueryVerb::kReceipts:
      return "receipts";
    case QueryVerb::kHits:
      return "hits";
    case QueryVerb::kWatchAdd:
      return "watch add";
    case QueryVerb::kWatchList:
      return "watch list";
    case QueryVerb::kWatchRemove:
      return "watch remove";
    case QueryVerb::kPending:
      return "pending";
  }
  return "?";
}

common::Status QueryCommand::CheckFlagsRead(QueryVerb verb, const QueryOptions& o) {
  // Filters: every one for the verbs that select records; alerts picks by
  // priority and origin alone (the alert book applies updates, so the other
  // fields of its first version would mislead); the rest read none.
  std::vector<std::string> given = o.filter.GivenFlags();
  std::vector<std::string> read;
  switch (verb) {
    case QueryVerb::kSearch:
    case QueryVerb::kStats:
    case QueryVerb::kRoutes:
    case QueryVerb::kPending:
      read = given;
      break;
    case QueryVerb::kWatchAdd:
      // A watch matches records as they are applied; NCP records pending
      // at a RILO are not among them (a watch keeps no --include-pending).
      read = given;
      std::erase(read, std::string("--include-pending"));
      break;
    case QueryVerb::kAlerts:
      read = {"--priority", "--origin"};
      break;
    default:
      break;
  }
  if (o.count) given.emplace_back("--count");
  // stats and routes have --top (a trial's --limit 2 printed nine groups).
  if (verb == QueryVerb::kStats || verb == QueryVerb::kRoutes) {
    if (o.limit >= 0) given.emplace_back("--limit");
    if (o.offset > 0) given.emplace_back("--offset");
  }
  if (!o.sort.empty()) given.emplace_back("--sort");
  if (verb == QueryVerb::kSearch) read.insert(read.end(), {"--count", "--sort"});
  if (verb == QueryVerb::kPending) read.emplace_back("--count");
  for (const std::string& flag : given) {
    if (std::find(read.begin(), read.end(), flag) != read.end()) continue;
    return common::UsageError(common::Messages::Format(
        "{}: not read by cen-query {}, which would ignore it", flag, Name(verb)));
  }
  return common::Status::Ok();
}

namespace {

// stats and routes count seizures unless --kind says otherwise: alerts,
// their updates and cancels name commodities and countries too, and a
// trial's drugs seizures counted 17,922 where there were 17,918 (four alert
// messages among them).
QueryOptions SeizuresUnlessKind(const QueryOptions& o) {
  // Questions only alerts answer keep every kind (a review: --priority
  // urgent, --by priority or --by kind came back empty).
  const auto by = [&](std::string_view field) {
    return std::find(o.by.begin(), o.by.end(), field) != o.by.end();
  };
  if (!o.filter.kinds.empty() || !o.filter.priorities.empty() || by("kind") || by("priority"))
    return o;
  QueryOptions seizures = o;
  seizures.filter.kinds = {"seizure"};
  return seizures;
}

// A replica this many gseqs or more short of the hub's head (as the agent
// last heard it) is catching up: a rebuild after a hub restore, a node back
// from a long outage or new. Records in flight are fewer.
constexpr int64_t kFarBehind = 1000;

// Says on `err` when the replica is far behind, so that counts and
// listings are not taken for the whole journal (a trial read --count 0
// for minutes during a rebuild).
common::Status NoteBehind(common::Database& db, std::ostream& err) {
  auto stmt = db.Prepare(
      "SELECT c.gseq, a.hub_head, coalesce(a.updated_at, '') FROM cursor c, agent_state a");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row || stmt->ColumnInt(1) - stmt->ColumnInt(0) < kFarBehind) return common::Status::Ok();
  err << "cen-query: "
      << common::Messages::Format(
             "note: this replica is catching up: it holds the journal up to gseq {} of {} (the "
             "hub's head as the agent last heard it, {}); what has not arrived is not in these "
             "results (cen-node status shows the progress)",
             stmt->ColumnInt(0), stmt->ColumnInt(1), stmt->ColumnText(2))
      << "\n";
  return common::Status::Ok();
}

}  // namespace

common::Status QueryCommand::Run(QueryVerb verb, QueryOptions o, std::ostream& out,
                                 std::ostream& err) {
  // A chart is drawn as a table is, into a pipe too (a trial's `stats
  // --chart > file` got JSON without a word).
  if (o.chart && !o.format.empty() && o.format != "table")
    return common::UsageError(common::Messages::Format(
        "--chart draws a table; it cannot be written as {} (leave out --format)", o.format));
  if (o.format.empty()) o.format = o.terminal || o.chart ? "table" : "json";
  if (o.format != "table" && o.format != "json" && o.format != "csv")
    return common::UsageError(common::Messages::Format("{}: '{}' is not one of {}", "--format",
                                                       o.format, "table, json, csv"));
  if (o.offset < 0)
    return common::UsageError(common::Messages::Format("{}: must be 0 or more", "--offset"));
  if (o.limit < -1)
    return common::UsageError(common::Messages::Tr("--limit: must be 0 (all) or more"));
  CEN_RETURN_IF_ERROR(CheckFlagsRead(verb, o));
  CEN_RETURN_IF_ERROR(o.filter.Check());

  // Who asked what is on record before anything is read or shown; if it
  // cannot be (a full disk, a read-only directory) nothing is shown.
  auto entry = QueryAudit::Begin(o.data_dir, Name(verb), o.arguments);
  if (!entry.ok()) {
    if (entry.status().code() == common::StatusCode::kNotFound) return entry.status();
    return common::Status(entry.status().code(),
                          "could not write the query to the audit trail, so it was not run (" +
                              entry.status().message() + ")");
  }
  auto db = NodeSchema::Open(o.data_dir, common::Database::Mode::kReadOnly);
  if (!db.ok()) return db.status();
  // One snapshot from here to the end, --text's copied text included. stats
  // and routes read theirs through a second connection too, to split their
  // scan between two threads (--text's copied text is on the first alone).
  std::optional<common::Transaction> snapshot;
  std::optional<SharedSnapshot> shared;
  if ((verb == QueryVerb::kStats || verb == QueryVerb::kRoutes) && o.filter.text.empty()) {
    auto begun = SharedSnapshot::Begin(*db, o.data_dir);
    if (!begun.ok()) return begun.status();
    shared.emplace(std::move(*begun));
  } else {
    auto begun = o.filter.BeginQuery(*db);
    if (!begun.ok()) return begun.status();
    snapshot.emplace(std::move(*begun));
  }
  common::Database* second = shared ? shared->second() : nullptr;
  CEN_RETURN_IF_ERROR(o.filter.NoteUnvalidated(*db));
  if (verb != QueryVerb::kAudit && verb != QueryVerb::kWatchAdd &&
      verb != QueryVerb::kWatchRemove && verb != QueryVerb::kWatchList)
    CEN_RETURN_IF_ERROR(NoteBehind(*db, err));
  common::Result<QueryOutcome> outcome = QueryOutcome{};
  switch (verb) {
    case QueryVerb::kSearch:
      outcome = RecordSearch::Run(*db, o, out, err);
      break;
    case QueryVerb::kShow:
      outcome = RecordShow::Run(*db, o, out);
      break;
    case QueryVerb::kAlerts:
      outcome = AlertQueries::Alerts(*db, o, out, err);
      break;
    case QueryVerb::kReceipts:
      outcome = AlertQueries::Receipts(*db, o, out, err);
      break;
    case QueryVerb::kHits:
      outcome = AlertQueries::Hits(*db, o, out, err);
      break;
    case QueryVerb::kWatchAdd:
      CEN_RETURN_IF_ERROR(WatchList::Add(o.data_dir, o.watch_name, o.filter, out));
      break;
    case QueryVerb::kWatchList:
      outcome = WatchList::List(*db, o, out);
      break;
    case QueryVerb::kWatchRemove:
      CEN_RETURN_IF_ERROR(WatchList::Remove(o.data_dir, o.watch_name, out));
      break;
    case QueryVerb::kStats:
      outcome = RecordStats::Groups(*db, SeizuresUnlessKind(o), out, err, second);
      break;
    case QueryVerb::kRoutes:
      outcome = RecordStats::Routes(*db, SeizuresUnlessKind(o), out, err, second);
      break;
    case QueryVerb::kAudit:
      outcome = QueryAudit::List(*db, o, out, *entry);
      break;
    case QueryVerb::kPending:
      outcome = PendingQueue::Run(*db, o, out, err);
      break;
  }
  if (!outcome.ok()) return outcome.status();
  CEN_RETURN_IF_ERROR(shared ? shared->Commit() : snapshot->Commit());
  out.flush();
  const common::Status audited = QueryAudit::Finish(o.data_dir, *entry, *outcome);
  if (!audited.ok()) {
    // The entry is there; only its count stays -1.
    err << "cen-query: the number of results could not be added to the audit trail ("
        << audited.message() << ")\n";
  }
  return common::Status::Ok();
}

}  // namespace cen::node
