#include "node/query/pending_queue.h"

#include <algorithm>
#include <map>
#include <optional>
#include <ostream>
#include <utility>

#include "common/clock.h"
#include "common/csv_writer.h"
#include "common/messages.h"
#include "common/record_validator.h"
#include "common/text_table.h"
#include "node/query/record_format.h"

namespace cen::node {
namespace {

using common::Messages;
using nlohmann::json;

std::string Text(const json& record, const char* key) {
  auto it = record.find(key);
  return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// What the validated records of the replica hold for one commodity and unit:
// the 1st and 99th percentiles of their quantities, when there are enough
// of them to say (30).
struct QuantityRange {
  double low = 0, high = 0;
};

class QuantityRanges {
 public:
  explicit QuantityRanges(common::Database* db) : db_(db) {}

  common::Result<std::optional<QuantityRange>> Of(const std::string& commodity,
                                                  const std::string& unit) {
    const auto key = std::make_pair(commodity, unit);
    if (auto it = known_.find(key); it != known_.end()) return it->second;
    auto stmt = db_->Prepare(
        "SELECT quantity FROM records WHERE commodity = ? AND unit = ? AND quantity > 0 "
        "AND validation IS NULL ORDER BY quantity");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, commodity).Bind(2, unit);
    std::vector<double> quantities;
    while (true) {
      auto row = stmt->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      quantities.push_back(stmt->ColumnDouble(0));
    }
    std::optional<QuantityRange> range;
    constexpr size_t kEnough = 30;
    if (quantities.size() >= kEnough) {
      const size_t n = quantities.size();
      range = QuantityRange{quantities[n / 100], quantities[n - 1 - n / 100]};
    }
    known_.emplace(key, range);
    return range;
  }

 private:
  common::Database* db_;
  std::map<std::pair<std::string, std::string>, std::optional<QuantityRange>> known_;
};

// A quantity ten times beyond the percentiles the replica holds is "far
// outside": a typing slip (grams as kilograms, an extra zero or three).
constexpr double kFarOutside = 10;

common::Result<std::vector<std::string>> Checks(const json& record, QuantityRanges& ranges) {
  std::vector<std::string> warnings;
  const auto quantity = record.find("quantity");
  const std::string commodity = Text(record, "commodity");
  const std::string unit = Text(record, "unit");
  if (quantity != record.end() && quantity->is_number() && !commodity.empty() && !unit.empty()) {
    const double q = quantity->get<double>();
    auto range = ranges.Of(commodity, unit);
    if (!range.ok()) return range.status();
    if (*range && q > (*range)->high * kFarOutside) {
      warnings.push_back(Messages::Format(
          "quantity {} {} is far above what this replica holds for {} (up to {} for 99%)",
          RecordFormat::Number(q), unit, commodity, RecordFormat::Number((*range)->high)));
    } else if (*range && q > 0 && q * kFarOutside < (*range)->low) {
      warnings.push_back(Messages::Format(
          "quantity {} {} is far below what this replica holds for {} (from {} for 99%)",
          RecordFormat::Number(q), unit, commodity, RecordFormat::Number((*range)->low)));
    }
  }
  if (const std::string twice = PendingQueue::RepeatedCountry(record); !twice.empty()) {
    warnings.push_back(Messages::Format("the route passes through {} twice", twice));
  }
  return warnings;
}

int64_t AgeDays(const std::string& received_at, int64_t now_ms) {
  const auto at = common::RecordValidator::TimestampMillis(received_at);
  return at ? std::max<int64_t>(0, (now_ms - *at) / 86'400'000) : 0;
}

}  // namespace

std::string PendingQueue::RepeatedCountry(const json& record) {
  std::vector<std::string> route;
  if (std::string d = Text(record, "departure"); !d.empty()) route.push_back(std::move(d));
  if (auto transit = record.find("transit"); transit != record.end() && transit->is_array()) {
    for (const json& c : *transit) {
      if (c.is_string()) route.push_back(c.get<std::string>());
    }
  }
  if (std::string d = Text(record, "destination"); !d.empty()) route.push_back(std::move(d));
  for (size_t i = 0; i < route.size(); ++i) {
    for (size_t j = i + 1; j < route.size(); ++j) {
      if (route[i] == route[j]) return route[i];
    }
  }
  return "";
}

common::Result<std::vector<PendingQueue::Entry>> PendingQueue::List(
    common::Database& db, const QueryFilter& filter, const std::string& rilo, int64_t limit,
    bool with_records, Handling handling) {
  QueryFilter all = filter;
  all.include_pending = true;
  const SqlCondition where = all.Condition();
  std::string sql =
      "SELECT r.gseq, r.uuid, r.version, r.kind, r.origin, r.ref, r.received_at, r.validation, " +
      std::string(with_records ? "d.doc" : "NULL") +
      ", (SELECT reason FROM decisions WHERE record = r.uuid AND record_version = r.version "
      "AND decision = 'return' ORDER BY gseq DESC LIMIT 1), "
      "(SELECT substr(o.ref, 1, instr(o.ref, ':') - 1) FROM own_status o "
      "WHERE o.kind = 'decision' AND o.status != 'rejected' "
      "AND o.ref IN ('accept:' || r.uuid || ':' || r.version, "
      "'return:' || r.uuid || ':' || r.version) ORDER BY o.queued_at DESC LIMIT 1) "
      "FROM records r JOIN documents d ON d.gseq = r.gseq "
      "WHERE r.validation IS NOT NULL AND " +
      where.sql +
      // An alert cancelled meanwhile (its origin's cancel accepted, or the
      // hub operator's), and an update of one, wait for nothing: the hub
      // would take neither decision (a trial: in pending for good).
      " AND NOT (r.kind = 'alert' AND EXISTS (SELECT 1 FROM alert_links l JOIN records c ON "
      "c.uuid = l.uuid AND c.validation IS NULL WHERE l.msg_type = 'cancel' AND l.uuid != "
      "r.uuid AND (l.target = r.uuid OR l.target IN (SELECT value FROM json_each(d.doc, "
      "'$.references')))))";
  if (!rilo.empty()) sql += " AND json_extract(d.doc, '$.rilo') = ?";
  if (handling == Handling::kUnrestricted) sql += " AND r.handling NOT IN ('H2', 'H3')";
  if (handling == Handling::kRestricted) sql += " AND r.handling IN ('H2', 'H3')";
  sql += " ORDER BY r.received_at, r.gseq";
  if (limit > 0) sql += " LIMIT " + std::to_string(limit);
  auto stmt = db.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  const int next = where.BindTo(*stmt, 1);
  if (!rilo.empty()) stmt->Bind(next, rilo);
  std::vector<Entry> out;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    Entry e;
    e.gseq = stmt->ColumnInt(0);
    e.uuid = stmt->ColumnText(1);
    e.version = stmt->ColumnInt(2);
    e.kind = stmt->ColumnText(3);
    e.origin = stmt->ColumnText(4);
    e.ref = stmt->ColumnText(5);
    e.received_at = stmt->ColumnText(6);
    e.state = stmt->ColumnText(7);
    if (with_records) e.record = json::parse(stmt->ColumnText(8), nullptr, false);
    e.reason = stmt->ColumnText(9);
    e.queued = stmt->ColumnText(10);
    // A return the replica has applied is no longer waiting: the record's
    // own state says it (an acceptance takes the record off this list).
    if (e.queued == "return" && e.state == "returned") e.queued.clear();
    if (!e.record.is_object()) e.record = json::object();
    e.rilo = Text(e.record, "rilo");
    out.push_back(std::move(e));
  }
  return out;
}

common::Status PendingQueue::ReadRecords(common::Database& db, std::vector<Entry>& entries) {
  auto stmt = db.Prepare("SELECT doc FROM documents WHERE gseq = ?");
  if (!stmt.ok()) return stmt.status();
  for (Entry& e : entries) {
    auto row = stmt->Bind(1, e.gseq).Step();
    if (!row.ok()) return row.status();
    e.record = *row ? json::parse(stmt->ColumnText(0), nullptr, false) : json::object();
    stmt->Reset();
    if (!e.record.is_object()) e.record = json::object();
    e.rilo = Text(e.record, "rilo");
  }
  return common::Status::Ok();
}

common::Status PendingQueue::Check(common::Database& db, std::vector<Entry>& entries) {
  QuantityRanges ranges(&db);
  // An update or cancel of an alert that waits for a decision itself: the
  // hub refuses its acceptance until the alert's (a trial accepted the update
  // alone and learned it from cen-node status only). Not when this node has
  // queued the alert's acceptance already.
  auto alert_state = db.Prepare(
      "SELECT (SELECT count(*) FROM records WHERE uuid = ?1 AND validation IS NULL), "
      "(SELECT count(*) FROM records WHERE uuid = ?1 AND validation = 'returned'), "
      "(SELECT count(*) FROM records WHERE uuid = ?1), "
      "(SELECT count(*) FROM own_records o LEFT JOIN own_acks a "
      "ON a.uuid = o.uuid AND a.version = o.version WHERE o.kind = 'decision' "
      "AND o.ref >= 'accept:' || ?1 || ':' AND o.ref < 'accept:' || ?1 || ';' "
      "AND (a.accepted IS NULL OR a.accepted))");
  if (!alert_state.ok()) return alert_state.status();
  for (Entry& e : entries) {
    auto warnings = Checks(e.record, ranges);
    if (!warnings.ok()) return warnings.status();
    e.warnings = std::move(*warnings);
    const std::string msg_type = Text(e.record, "msg_type");
    const auto references = e.record.find("references");
    if ((msg_type != "update" && msg_type != "cancel") || references == e.record.end() ||
        !references->is_array())
      continue;
    for (const json& target : *references) {
      if (!target.is_string()) continue;
      const std::string alert = target.get<std::string>();
      alert_state->Bind(1, alert);
      auto row = alert_state->Step();
      if (!row.ok()) return row.status();
      const int64_t in_force = *row ? alert_state->ColumnInt(0) : 0;
      const int64_t returned = *row ? alert_state->ColumnInt(1) : 0;
      const int64_t rows = *row ? alert_state->ColumnInt(2) : 0;
      const int64_t accepting = *row ? alert_state->ColumnInt(3) : 0;
      alert_state->Reset();
      if (in_force > 0 || rows == 0 || accepting > 0) continue;
      e.warnings.push_back(
          returned > 0
              ? Messages::Format(
                    "it changes alert {}, which was returned to its NCP: the hub refuses this "
                    "acceptance until an amendment of the alert is accepted",
                    alert)
              : Messages::Format(
                    "it changes alert {}, which waits for a decision too: the hub refuses this "
                    "acceptance until the alert's (accept the alert first, or both in one command)",
                    alert));
    }
  }
  return common::Status::Ok();
}

common::Result<QueryOutcome> PendingQueue::Run(common::Database& db, const QueryOptions& o,
                                               std::ostream& out, std::ostream& err) {
  if (o.pending_days < 0)
    return common::UsageError(Messages::Format("{}: must be 0 or more", "--pending-days"));
  if (o.count) {
    // How many wait, H2 and H3 included (a number exports no record).
    auto all = List(db, o.filter, "", 0, false, Handling::kAny);
    if (!all.ok()) return all.status();
    out << all->size() << "\n";
    return QueryOutcome{static_cast<int64_t>(all->size()), 0};
  }
  const int64_t limit = o.limit < 0 ? (o.format == "table" ? 100 : 0) : o.limit;
  // H2/H3 records leave in an export only with --include-restricted.
  const bool withhold = o.format != "table" && !o.include_restricted;
  // One more than the limit tells a table that more wait.
  auto queue = List(db, o.filter, "", limit > 0 ? limit + 1 : 0, true,
                    withhold ? Handling::kUnrestricted : Handling::kAny);
  if (!queue.ok()) return queue.status();
  const bool more = limit > 0 && static_cast<int64_t>(queue->size()) > limit;
  if (more) queue->pop_back();
  QueryOutcome outcome;
  if (withhold) {
    auto withheld = List(db, o.filter, "", 0, false, Handling::kRestricted);
    if (!withheld.ok()) return withheld.status();
    if (!withheld->empty()) RecordFormat::NoteWithheld(err, std::to_string(withheld->size()));
  } else {
    // Shown or exported: audited either way (a review).
    for (const Entry& e : *queue)
      if (RecordFormat::Restricted(e.record.value("handling", ""))) ++outcome.restricted;
  }
  CEN_RETURN_IF_ERROR(Check(db, *queue));
  const int64_t now = common::Clock::NowMillis();
  outcome.results = static_cast<int64_t>(queue->size());
  if (o.format == "json") {
    for (const Entry& e : *queue) {
      const int64_t age = AgeDays(e.received_at, now);
      out << json{{"uuid", e.uuid},         {"version", e.version},
                  {"kind", e.kind},         {"origin", e.origin},
                  {"ref", e.ref},           {"received_at", e.received_at},
                  {"age_days", age},        {"old", age > o.pending_days},
                  {"state", e.state},       {"rilo", e.rilo},
                  {"reason", e.reason},     {"queued", e.queued},
                  {"warnings", e.warnings}, {"record", e.record}}
                 .dump(-1, ' ', false, json::error_handler_t::replace)
          << "\n";
    }
    return outcome;
  }
  if (o.format == "csv") {
    const std::vector<std::string> header = {"uuid", "version",     "kind",     "origin",
                                             "ref",  "received_at", "age_days", "state",
                                             "rilo", "reason",      "warnings", "handling"};
    common::CsvWriter::WriteRow(out, header);
    for (const Entry& e : *queue) {
      std::string warnings;
      for (const std::string& w : e.warnings) warnings += (warnings.empty() ? "" : ";") + w;
      const std::vector<std::string> row = {e.uuid,
                                            std::to_string(e.version),
                                            e.kind,
                                            e.origin,
                                            e.ref,
                                            e.received_at,
                                            std::to_string(AgeDays(e.received_at, now)),
                                            e.state,
                                            e.rilo,
                                            e.reason,
                                            warnings,
                                            e.record.value("handling", "")};
      common::CsvWriter::WriteRow(out, row);
    }
    return outcome;
  }
  if (queue->empty()) {
    out << Messages::Tr("no record waits for a RILO's decision in this replica") << "\n";
    return outcome;
  }
  using Align = common::TextTable::Align;
  common::TextTable table({{N_("UUID"), 36},
                           {N_("ORIGIN"), 16},
                           {N_("AGE"), 6, Align::kRight},
                           {N_("STATE"), 14},
                           {N_("SUMMARY"), 28},
                           {N_("CHECKS"), 0}});
  int64_t old = 0;
  for (const Entry& e : *queue) {
    const int64_t age = AgeDays(e.received_at, now);
    std::string age_cell = Messages::Format("{}d", age);
    if (age > o.pending_days) {
      age_cell += "!";
      ++old;
    }
    std::string notes;
    if (!e.reason.empty()) notes = Messages::Format("returned: {}", e.reason);
    for (const std::string& w : e.warnings) notes += (notes.empty() ? "" : "; ") + w;
    std::string state = Messages::Tr(e.state == "returned" ? N_("returned") : N_("pending"));
    if (e.queued == "accept") state = Messages::Tr("accept queued");
    if (e.queued == "return") state = Messages::Tr("return queued");
    table.AddRow({e.uuid, e.origin, age_cell, state, RecordFormat::Summary(e.record), notes});
  }
  table.Print(out, o.width);
  if (more) {
    out << Messages::Format("the first {} record(s) of the queue shown; --limit 0 lists them all",
                            limit)
        << "\n";
  }
  if (old > 0) {
    out << Messages::Format("{} record(s) pending for more than {} day(s) (marked !)", old,
                            o.pending_days)
        << "\n";
  }
  return outcome;
}

}  // namespace cen::node
