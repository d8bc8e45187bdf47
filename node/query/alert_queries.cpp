#include "node/query/alert_queries.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>

#include "common/clock.h"
#include "common/csv_writer.h"
#include "common/messages.h"
#include "common/record_validator.h"
#include "common/text_table.h"
#include "common/utf8.h"
#include "node/query/alert_book.h"
#include "node/query/record_format.h"

namespace cen::node {

using common::Messages;
using common::TextTable;
namespace {

using nlohmann::json;

// What the receipts of one alert say, office by office.
struct OfficeReceipts {
  std::string delivered_at;  // the earliest receipt of any kind
  std::string action, action_at, by, note;
  int64_t hits = 0;
  // Not among the offices the alert's newest version goes to: its receipts
  // are of a version it held before the alert was narrowed.
  bool outside = false;
  std::string last_at;  // its latest receipt's
  // What its hits matched (record, indicator, value): an office that lost
  // the alert (withdrawn) and got it back reports a hit again.
  std::set<std::string> hit_keys;
};

// This node's own receipts come back to it too (an origin sees its own
// records): they say nothing about who received its alerts.
constexpr const char* kOthers = "office != (SELECT value FROM meta WHERE key = 'node_id')";

// The offices the hub last said an own alert or update goes to (its newest
// version's ACK).
struct Audience {
  bool known = false;  // the hub said it (it may be none)
  std::set<std::string> offices;
  // Whether `office` is waited for: any office while the hub has not said.
  bool Holds(const std::string& office) const { return !known || offices.contains(office); }
};

common::Result<Audience> AudienceOf(common::Database& db, const std::string& alert) {
  Audience out;
  auto audience = db.Prepare("SELECT office FROM alert_audience WHERE alert = ?");
  if (!audience.ok()) return audience.status();
  audience->Bind(1, alert);
  while (true) {
    auto row = audience->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.known = true;  // a node.db from before the '' row: said when it names offices
    if (std::string office = audience->ColumnText(0); !office.empty())
      out.offices.insert(std::move(office));
  }
  return out;
}

// Every office the alert goes to, and those that sent receipts. An office
// the hub did not name at the newest version's ACK whose receipts all came
// before that version was journaled (`newest_at`) held an earlier version
// only (withdrawn since: narrowed) and is marked outside; one that sent a
// receipt since may see the newest version (registered or added to its
// group after the ACK) and is counted.
common::Result<std::map<std::string, OfficeReceipts>> ReceiptsOf(common::Database& db,
                                                                 const std::string& alert,
                                                                 std::string_view newest_at = {},
                                                                 Audience* audience_out = nullptr) {
  std::map<std::string, OfficeReceipts> offices;
  auto audience = AudienceOf(db, alert);
  if (!audience.ok()) return audience.status();
  for (const std::string& office : audience->offices) offices[office];
  auto receipts = db.Prepare(
      std::string("SELECT office, action, at, coalesce(by, ''), coalesce(note, ''), "
                  "coalesce(hit_record, '') || ' ' || coalesce(hit_indicator, '') || ' ' || "
                  "coalesce(hit_value, '') FROM receipts "
                  "WHERE alert = ? AND ") +
      kOthers + " ORDER BY at, gseq");
  if (!receipts.ok()) return receipts.status();
  receipts->Bind(1, alert);
  while (true) {
    auto row = receipts->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    OfficeReceipts& r = offices[receipts->ColumnText(0)];
    const std::string action = receipts->ColumnText(1);
    const std::string at = receipts->ColumnText(2);
    if (r.delivered_at.empty() || at < r.delivered_at) r.delivered_at = at;
    if (at > r.last_at) r.last_at = at;
    if (action == "hit") {
      if (r.hit_keys.insert(receipts->ColumnText(5)).second) ++r.hits;
    } else if (action != "delivered" &&
               !(action == "seen" && (r.action == "actioned" || r.action == "no-trace"))) {
      // An outcome (actioned, no-trace) stands until another outcome follows:
      // a later "seen" (a trial's) hid the office's search result.
      r.action = action;
      r.action_at = at;
      r.by = receipts->ColumnText(3);
      r.note = receipts->ColumnText(4);
    }
  }
  for (auto& [office, r] : offices)
    r.outside = !audience->Holds(office) && (newest_at.empty() || r.last_at < newest_at);
  if (audience_out != nullptr) *audience_out = std::move(*audience);
  return offices;
}

// The matches of `alert`'s indicators: each (record, indicator, value) once,
// whether this node found it, another office reported it, or both.
common::Result<int64_t> Matches(common::Database& db, const std::string& alert) {
  auto n = db.Prepare(
      std::string("SELECT count(*) FROM (SELECT record, indicator, value FROM hits WHERE source = "
                  "?1 UNION SELECT hit_record, hit_indicator, hit_value FROM receipts WHERE "
                  "alert = ?1 AND action = 'hit' AND ") +
      kOthers + ")");
  if (!n.ok()) return n.status();
  auto row = n->Bind(1, alert).Step();
  if (!row.ok()) return row.status();
  return *row ? n->ColumnInt(0) : 0;
}

bool Wanted(const std::vector<std::string>& allowed, const std::string& value) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

}  // namespace

common::Result<QueryOutcome> AlertQueries::Alerts(common::Database& db, const QueryOptions& o,
                                                  std::ostream& out, std::ostream& err) {
  const int64_t now = common::Clock::NowMillis();
  auto book = AlertBook::Load(db, now);
  if (!book.ok()) return book.status();
  TextTable table({{N_("PRIORITY"), 8},
                   {N_("STATE"), 9},
                   {N_("AGE"), 6, TextTable::Align::kRight},
                   {N_("EXPIRES"), 9},
                   {N_("RECEIVED"), 8, TextTable::Align::kRight},
                   {N_("ACTED"), 5, TextTable::Align::kRight},
                   {N_("HITS"), 5, TextTable::Align::kRight},
                   {N_("ORIGIN"), 12},
                   {N_("UUID"), 36},
                   {N_("TITLE"), 0}});
  if (o.format == "csv") {
    common::CsvWriter::WriteRow(
        out,
        std::vector<std::string>{"uuid", "priority", "state", "origin", "issued_at", "expires_at",
                                 "received", "audience", "acted", "hits", "title", "handling"});
  }
  QueryOutcome outcome;
  int64_t skipped = 0;
  int64_t withheld = 0;
  const bool exporting = o.format != "table";
  for (const AlertBook::Alert& a : book->alerts()) {
    if (!o.all && a.state != AlertBook::State::kActive) continue;
    if (!Wanted(o.filter.priorities, a.Text("priority")) || !Wanted(o.filter.origins, a.origin))
      continue;
    const bool restricted = RecordFormat::Restricted(a.handling);
    if (exporting && restricted && !o.include_restricted) {
      ++withheld;  // all of them: alerts are few
      continue;
    }
    if (skipped++ < o.offset) continue;
    if (o.limit > 0 && outcome.results >= o.limit) continue;
    auto offices = ReceiptsOf(db, a.uuid, a.received_at);
    if (!offices.ok()) return offices.status();
    auto hits = Matches(db, a.uuid);
    if (!hits.ok()) return hits.status();
    int64_t received = 0, acted = 0, audience = 0;
    for (const auto& [office, r] : *offices) {
      if (r.outside) continue;
      ++audience;
      if (!r.delivered_at.empty()) ++received;
      if (!r.action.empty()) ++acted;
    }
    const std::string issued = a.Text("issued_at");
    const auto issued_ms = common::RecordValidator::TimestampMillis(issued);
    const auto received_ms = common::RecordValidator::TimestampMillis(a.first_received_at);
    const auto expires_ms = common::RecordValidator::TimestampMillis(a.Text("expires_at"));
    ++outcome.results;
    // Audited as shown, in a table too (a trial: an H3 alert read on screen
    // left restricted 0 in the audit trail).
    if (restricted) ++outcome.restricted;
    if (o.format == "json") {
      out << json{{"uuid", a.uuid},       {"state", AlertBook::Name(a.state)},
                  {"origin", a.origin},   {"received_at", a.received_at},
                  {"updates", a.chain},   {"cancelled_by", a.cancelled_by},
                  {"audience", audience}, {"received", received},
                  {"acted", acted},       {"hits", *hits},
                  {"alert", a.current}}
                 .dump(-1, ' ', false, json::error_handler_t::replace)
          << "\n";
      continue;
    }
    if (o.format == "csv") {
      common::CsvWriter::WriteRow(
          out, std::vector<std::string>{
                   a.uuid, a.Text("priority"), AlertBook::Name(a.state), a.origin, issued,
                   a.Text("expires_at"), std::to_string(received), std::to_string(audience),
                   std::to_string(acted), std::to_string(*hits), a.Text("title"), a.handling});
      continue;
    }
    const int64_t since = issued_ms.value_or(received_ms.value_or(now));
    table.AddRow({a.Text("priority"), AlertBook::Name(a.state), common::Clock::Span(now - since),
                  // Past: "673d ago", beside a future "in 2d" (a bare 673d read as
                  // time left).
                  !expires_ms         ? std::string("-")
                  : *expires_ms > now ? common::Clock::Span(now - *expires_ms)
                                      : common::Clock::Span(now - *expires_ms) + " ago",
                  audience > 0 ? std::to_string(received) + "/" + std::to_string(audience) : "-",
                  audience > 0 ? std::to_string(acted) : "-", std::to_string(*hits), a.origin,
                  a.uuid,
                  RecordFormat::HandlingMark(a.handling, a.handling_note) + a.Text("title")});
  }
  if (withheld > 0) RecordFormat::NoteWithheld(err, std::to_string(withheld));
  if (o.format == "table") {
    if (table.rows() == 0) {
      out << common::Messages::Tr(o.all ? "no alerts in the replica"
                                        : "no alerts in force (--all shows ended ones)")
          << "\n";
    } else {
      table.Print(out, o.width);
      out << common::Messages::Tr(
                 "RECEIVED/ACTED: offices that confirmed / acted, for this office's own alerts.")
          << "\n";
    }
  }
  return outcome;
}

namespace {

// Why alert `a` has no receipts at this office: they go to its origin alone,
// it reaches no other office, or the hub has not said whom it reaches.
common::Result<std::string> NoReceipts(common::Database& db, const AlertBook::Alert& a,
                                       const Audience& audience) {
  auto self = db.QueryText("SELECT value FROM meta WHERE key = 'node_id'");
  if (!self.ok()) return self.status();
  if (self->value_or("") != a.origin) {
    return Messages::Format(
        "no receipts here: receipts go to the office that raised the alert ({}) alone; run this "
        "query there",
        a.origin);
  }
  if (audience.known) {
    return Messages::Format(
        "the alert reaches no office but this one: no other registered office is in its scope "
        "({}; cen-node status shows the hub's warning if it names none there is)",
        a.Text("scope"));
  }
  return std::string(
      Messages::Tr("no receipts yet: the hub has not told this office who the alert reaches"));
}

}  // namespace

common::Result<QueryOutcome> AlertQueries::Receipts(common::Database& db, const QueryOptions& o,
                                                    std::ostream& out, std::ostream& err) {
  auto book = AlertBook::Load(db, common::Clock::NowMillis());
  if (!book.ok()) return book.status();
  auto alert = book->Named(o.uuid);
  if (!alert.ok()) return alert.status();
  const AlertBook::Alert& a = **alert;
  // Receipts carry the offices' notes on an alert: an H2/H3 alert's are
  // exported only when asked, and marked in the table, as the alert is (a
  // review: the table showed an H3 alert's title unmarked, json its notes).
  const bool restricted = RecordFormat::Restricted(a.handling);
  if (restricted && o.format != "table" && !o.include_restricted)
    return common::UsageError(Messages::Format(
        "receipts: alert {} is {} (restricted); exporting its receipts as {} needs "
        "--include-restricted (the export is audited)",
        a.uuid, a.handling, o.format));
  Audience audience;
  auto offices = ReceiptsOf(db, a.uuid, a.received_at, &audience);
  if (!offices.ok()) return offices.status();
  QueryOutcome outcome;
  outcome.restricted = restricted ? 1 : 0;
  // An office that had not received the alert when it was cancelled or
  // expired never will: an office is not paged for an alert that has ended
  // (AlertTracker::OldNews) and sends no receipt (a trial read "not yet" of
  // an alert cancelled while an office was away, for good).
  const bool ended = a.state != AlertBook::State::kActive;
  auto ended_first = [&](const auto& r) { return ended && r.delivered_at.empty() && !r.outside; };
  // Into a pipe too, why there is none (a trial: json printed nothing, rc 0).
  if (o.format != "table" && offices->empty()) {
    auto why = NoReceipts(db, a, audience);
    if (!why.ok()) return why.status();
    err << "cen-query: " << *why << "\n";
  }
  if (o.format == "json") {
    for (const auto& [office, r] : *offices) {
      out << json{{"alert", a.uuid},
                  {"office", office},
                  {"in_scope", !r.outside},
                  {"ended_first", ended_first(r)},
                  {"delivered_at", r.delivered_at},
                  {"action", r.action},
                  {"action_at", r.action_at},
                  {"by", r.by},
                  {"note", r.note},
                  {"hits", r.hits}}
                 .dump(-1, ' ', false, json::error_handler_t::replace)
          << "\n";
      ++outcome.results;
    }
    return outcome;
  }
  if (o.format == "csv") {
    common::CsvWriter::WriteRow(
        out, std::vector<std::string>{"alert", "office", "delivered_at", "action", "action_at",
                                      "by", "note", "hits"});
    for (const auto& [office, r] : *offices) {
      common::CsvWriter::WriteRow(
          out, std::vector<std::string>{a.uuid, office, r.delivered_at, r.action, r.action_at, r.by,
                                        r.note, std::to_string(r.hits)});
      ++outcome.results;
    }
    return outcome;
  }
  // The prose around the table in the reader's language (a trial read it in
  // English under --lang ru); codes and states stay as stored.
  out << Messages::Format("alert {} [{}] {} ({}, from {})", a.uuid, a.Text("priority"),
                          RecordFormat::HandlingMark(a.handling, a.handling_note) + a.Text("title"),
                          AlertBook::Name(a.state), a.origin)
      << "\n";
  if (offices->empty()) {
    auto why = NoReceipts(db, a, audience);
    if (!why.ok()) return why.status();
    out << *why << "\n";
    return outcome;
  }
  TextTable table({{N_("OFFICE"), 16},
                   {N_("DELIVERED"), 24},
                   {N_("ACTION"), 9},
                   {N_("WHEN"), 24},
                   {N_("BY"), 16},
                   {N_("HITS"), 4, TextTable::Align::kRight},
                   {N_("NOTE"), 0}});
  int64_t waiting = 0, outside = 0;
  const std::string never =
      Messages::Tr(a.state == AlertBook::State::kCancelled ? N_("none before its cancel")
                                                           : N_("none before it expired"));
  for (const auto& [office, r] : *offices) {
    if (r.delivered_at.empty() && !r.outside) ++waiting;
    if (r.outside) ++outside;
    table.AddRow({office,
                  !r.delivered_at.empty() ? r.delivered_at
                  : ended_first(r)        ? never
                                          : std::string(Messages::Tr("not yet")),
                  r.action.empty() ? "-" : r.action, r.action_at, r.by, std::to_string(r.hits),
                  r.outside ? Messages::Tr("outside its scope now: withdrawn there") +
                                  (r.note.empty() ? "" : "; " + r.note)
                            : r.note});
    ++outcome.results;
  }
  table.Print(out, o.width);
  if (audience.known && audience.offices.empty()) {
    out << Messages::Format(
               "the alert reaches no office but this one now: no other registered office is in "
               "its scope ({})",
               a.Text("scope"))
        << "\n";
  } else {
    if (waiting == 0) {
      out << Messages::Tr("every office in its scope has received it");
    } else if (ended) {
      out << Messages::Format(a.state == AlertBook::State::kCancelled
                                  ? N_("{} office(s) in its scope sent no receipt before it was "
                                       "cancelled: an office that learns of an alert only once "
                                       "it has ended is not paged and sends none")
                                  : N_("{} office(s) in its scope sent no receipt before it "
                                       "expired: an office that learns of an alert only once it "
                                       "has ended is not paged and sends none"),
                              waiting);
    } else {
      out << Messages::Format("{} office(s) in its scope have not received it yet", waiting);
    }
    if (outside > 0)
      out << Messages::Format("; {} office(s) that held an earlier version are outside it now",
                              outside);
    out << "\n";
  }
  // An urgent update (an escalation to urgent among them) has a delivered
  // receipt of its own (a trial read "every office has received it" of an
  // alert whose escalation had reached nobody).
  auto escalations = db.Prepare(
      "SELECT l.uuid, r.received_at FROM alert_links l JOIN records r ON r.uuid = l.uuid "
      "AND r.validation IS NULL WHERE l.target = ? AND l.msg_type = 'update' "
      "AND r.priority = 'urgent' ORDER BY l.gseq");
  if (!escalations.ok()) return escalations.status();
  escalations->Bind(1, a.uuid);
  while (true) {
    auto row = escalations->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    // Who the update itself goes to (an update may be scoped narrower than
    // its alert; a hub that did not say: every office of the alert's).
    Audience update_audience;
    auto received = ReceiptsOf(db, escalations->ColumnText(0), {}, &update_audience);
    if (!received.ok()) return received.status();
    std::string missing;
    for (const auto& [office, r] : *offices) {
      // An office the alert no longer goes to (narrowed since) gets no
      // update of it either.
      if (r.outside || !update_audience.Holds(office)) continue;
      const auto it = received->find(office);
      if (it == received->end() || it->second.delivered_at.empty())
        missing += (missing.empty() ? "" : ", ") + office;
    }
    out << Messages::Format(
               "urgent update {} ({}): {}", escalations->ColumnText(0), escalations->ColumnText(1),
               missing.empty() ? std::string(Messages::Tr("every office has received it"))
               : ended ? Messages::Format("no receipt from {} before the alert ended", missing)
                       : Messages::Format("not received yet by {}", missing))
        << "\n";
  }
  return outcome;
}

common::Result<QueryOutcome> AlertQueries::Hits(common::Database& db, const QueryOptions& o,
                                                std::ostream& out, std::ostream& err) {
  // Found here, then reported by other offices for this node's alerts.
  auto stmt = db.Prepare(
      std::string(
          "SELECT h.at, '' AS office, h.source, h.indicator, h.value, h.record, "
          "       coalesce(r.kind, ''), coalesce(r.ref, ''), coalesce(r.origin, ''), "
          "       coalesce(r.event_date, ''), coalesce(r.reporting_country, ''), "
          "       coalesce(r.handling, ''), coalesce(json_extract(d.doc, '$.handling_note'), '') "
          "FROM hits h LEFT JOIN records r ON r.uuid = h.record AND r.validation IS NULL "
          "LEFT JOIN documents d ON d.gseq = r.gseq "
          "UNION ALL "
          "SELECT c.at, c.office, c.alert, c.hit_indicator, c.hit_value, c.hit_record, "
          "       coalesce(r.kind, ''), coalesce(r.ref, ''), coalesce(r.origin, ''), "
          "       coalesce(r.event_date, ''), coalesce(r.reporting_country, ''), "
          "       coalesce(r.handling, ''), coalesce(json_extract(d.doc, '$.handling_note'), '') "
          "FROM receipts c LEFT JOIN records r ON r.uuid = c.hit_record AND r.validation IS NULL "
          "LEFT JOIN documents d ON d.gseq = r.gseq "
          "WHERE c.action = 'hit' AND c.") +
      kOthers + " ORDER BY 1 DESC");
  if (!stmt.ok()) return stmt.status();
  auto book = AlertBook::Load(db, common::Clock::NowMillis());
  if (!book.ok()) return book.status();
  TextTable table({{N_("FOUND"), 24},
                   {N_("BY"), 12},
                   {N_("ALERT / WATCH"), 30},
                   {N_("INDICATOR"), 10},
                   {N_("VALUE"), 24},
                   {N_("RECORD"), 0}});
  if (o.format == "csv") {
    common::CsvWriter::WriteRow(
        out, std::vector<std::string>{"at", "office", "source", "indicator", "value", "record",
                                      "kind", "ref", "origin", "event_date", "reporting_country"});
  }
  QueryOutcome outcome;
  int64_t skipped = 0;
  int64_t withheld = 0;
  const int64_t limit = o.limit < 0 ? (o.format == "table" ? 100 : 0) : o.limit;
  // A hit names its record (ref, date, country): an export of one on an H2
  // or H3 record is one of the record (a trial's hits json carried an H3's).
  const bool withhold = o.format != "table" && !o.include_restricted;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const std::string handling = stmt->ColumnText(11);
    if (withhold && RecordFormat::Restricted(handling)) {
      ++withheld;
      continue;
    }
    if (skipped++ < o.offset) continue;
    if (limit > 0 && outcome.results >= limit) break;
    std::vector<std::string> cells;
    for (int i = 0; i < 11; ++i) cells.push_back(stmt->ColumnText(i));
    ++outcome.results;
    if (RecordFormat::Restricted(handling)) ++outcome.restricted;
    if (o.format == "csv") {
      common::CsvWriter::WriteRow(out, cells);
      continue;
    }
    if (o.format == "json") {
      out << json{{"at", cells[0]},
                  {"office", cells[1]},
                  {"source", cells[2]},
                  {"indicator", cells[3]},
                  {"value", cells[4]},
                  {"record", cells[5]},
                  {"kind", cells[6]},
                  {"ref", cells[7]},
                  {"origin", cells[8]},
                  {"event_date", cells[9]},
                  {"reporting_country", cells[10]}}
                 .dump(-1, ' ', false, json::error_handler_t::replace)
          << "\n";
      continue;
    }
    // UUIDv7 prefixes are timestamps: a short uuid names a minute, not a record.
    std::string source = cells[2];
    if (const AlertBook::Alert* a = book->Find(source)) source = a->Text("title");
    std::string record = cells[5];
    if (!cells[7].empty()) record = cells[7] + " " + cells[10] + " " + cells[9] + " " + cells[5];
    record = RecordFormat::HandlingMark(handling, stmt->ColumnText(12)) + record;
    table.AddRow({cells[0], cells[1].empty() ? Messages::Tr("this node") : cells[1], source,
                  cells[3], cells[4], record});
  }
  if (o.format == "table") {
    if (table.rows() == 0) {
      out << "no hits yet\n";
    } else {
      table.Print(out, o.width);
    }
  }
  if (withheld > 0) RecordFormat::NoteWithheld(err, std::to_string(withheld));
  return outcome;
}

common::Result<std::optional<nlohmann::json>> AlertQueries::LifeCycle(common::Database& db,
                                                                      const std::string& uuid) {
  using nlohmann::json;
  auto book = AlertBook::Load(db, common::Clock::NowMillis());
  if (!book.ok()) return book.status();
  const std::optional<std::string> root = book->RootOf(uuid);
  const AlertBook::Alert* a = root ? book->Find(*root) : nullptr;
  if (a == nullptr) return std::optional<json>();
  json cycle = {{"state", AlertBook::Name(a->state)},
                {"handling", a->handling},  // the strictest of the alert and its updates
                {"handling_note", a->handling_note},
                {"alert", a->uuid},
                {"received_at", a->received_at},
                {"steps", json::array()},
                {"receipts", json::object()}};
  // Each update and cancel with when, by whom and what it says (a trial:
  // "cancel UUID" alone sent the analyst to show the cancel for who and why).
  auto said = db.Prepare(
      "SELECT r.received_at, r.origin, coalesce(json_extract(d.doc, '$.title'), ''), "
      "coalesce(json_extract(d.doc, '$.body'), ''), r.handling, "
      "coalesce(json_extract(d.doc, '$.handling_note'), '') FROM records r JOIN documents d "
      "ON d.gseq = r.gseq WHERE r.uuid = ? AND r.validation IS NULL");
  if (!said.ok()) return said.status();
  for (const std::string& step : a->chain) {
    json entry = {{"type", step == a->cancelled_by ? "cancel" : "update"}, {"uuid", step}};
    said->Bind(1, step);
    auto row = said->Step();
    if (!row.ok()) return row.status();
    if (*row) {
      entry["received_at"] = said->ColumnText(0);
      entry["origin"] = said->ColumnText(1);
      entry["title"] = said->ColumnText(2);
      entry["body"] = said->ColumnText(3);
      entry["handling"] = said->ColumnText(4);
      if (!said->ColumnIsNull(5) && !said->ColumnText(5).empty())
        entry["handling_note"] = said->ColumnText(5);
    }
    said->Reset();
    cycle["steps"].push_back(std::move(entry));
  }
  if (a->state == AlertBook::State::kExpired) cycle["expires_at"] = a->Text("expires_at");
  // What its updates changed: the fields above are the alert's own (a
  // trial: show said "normal" for an alert `alerts` lists as urgent).
  cycle["now"] = json::object();
  for (const char* field : {"priority", "title", "body", "expires_at", "commodity", "indicators"}) {
    const auto now = a->current.find(field);
    if (now == a->current.end()) continue;
    const auto was = a->base.find(field);
    if (was == a->base.end() || *was != *now) cycle["now"][field] = *now;
  }
  auto offices = ReceiptsOf(db, a->uuid, a->received_at);
  if (!offices.ok()) return offices.status();
  for (const auto& [office, r] : *offices) {
    cycle["receipts"][office] = {{"received_at", r.delivered_at},
                                 {"outside", r.outside},
                                 {"action", r.action},
                                 {"action_at", r.action_at},
                                 {"by", r.by},
                                 {"hits", r.hits},
                                 {"note", r.note}};
  }
  return std::optional<json>(std::move(cycle));
}

common::Result<bool> AlertQueries::Chain(common::Database& db, const std::string& uuid,
                                         std::ostream& out) {
  auto cycle = LifeCycle(db, uuid);
  if (!cycle.ok()) return cycle.status();
  if (!*cycle) return false;
  const nlohmann::json& c = **cycle;
  const auto text = [](const nlohmann::json& j, const char* key) {
    return j.contains(key) ? j[key].get<std::string>() : std::string();
  };
  out << "\n" << Messages::Format("Life cycle ({}):", text(c, "state")) << "\n";
  out << "  " << Messages::Format("alert   {}  {}", text(c, "alert"), text(c, "received_at"))
      << "\n";
  // What updates changed, marked with the strictest code of the alert and
  // its updates (a review: an H3 update's title showed here unmarked).
  const std::string mark =
      RecordFormat::HandlingMark(text(c, "handling"), text(c, "handling_note"));
  for (const auto& [field, value] : c["now"].items()) {
    const std::string shown =
        value.is_string() ? value.get<std::string>()
                          : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out << "  "
        << Messages::Format("now, after its updates: {} {}", field,
                            mark + common::Utf8::FitWidth(shown, 100))
        << "\n";
  }
  for (const nlohmann::json& step : c["steps"]) {
    out << "  "
        << (text(step, "type") == "cancel" ? Messages::Format("cancel  {}", text(step, "uuid"))
                                           : Messages::Format("update  {}", text(step, "uuid")));
    if (step.contains("origin")) {
      std::string words = text(step, "title");
      const std::string body = text(step, "body");
      if (!body.empty()) words += (words.empty() ? "" : ": ") + body;
      out << "  " << text(step, "received_at") << "  "
          << Messages::Format("by {}", text(step, "origin"));
      // Its own handling code before its words, as `alerts` marks a title
      // (a review: an H3 update of an H0 alert read as H0).
      words =
          RecordFormat::HandlingMark(text(step, "handling"), text(step, "handling_note")) + words;
      // One line: controls become spaces, long words end in "…".
      if (!words.empty()) out << "  " << common::Utf8::FitWidth(words, 100);
    }
    out << "\n";
  }
  if (c.contains("expires_at"))
    out << "  " << Messages::Format("expired {}", text(c, "expires_at")) << "\n";
  const bool restricted = RecordFormat::Restricted(text(c, "handling"));
  if (c["receipts"].empty()) return restricted;
  out << Messages::Tr("Receipts:") << "\n";
  for (const auto& [office, r] : c["receipts"].items()) {
    const std::string received = text(r, "received_at");
    out << "  " << office << ": "
        << (received.empty() ? Messages::Tr("not received yet")
                             : Messages::Format("received {}", received));
    if (r["outside"].get<bool>())
      out << ", " << Messages::Tr("outside its scope now: withdrawn there");
    if (!text(r, "action").empty())
      out << ", " << text(r, "action") << " " << text(r, "action_at") << " "
          << Messages::Format("by {}", text(r, "by"));
    if (r["hits"].get<int64_t>() > 0)
      out << ", " << Messages::Format("{} hit(s)", r["hits"].get<int64_t>());
    if (!text(r, "note").empty()) out << " — " << text(r, "note");
    out << "\n";
  }
  return restricted;
}

}  // namespace cen::node
