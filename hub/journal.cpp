#include "hub/journal.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "common/clock.h"
#include "common/node_id.h"
#include "common/priority_lane.h"
#include "hub/hash_chain.h"
#include "hub/scope_policy.h"

namespace cen::hub {
namespace {

enum StmtIndex {
  kFindUuid,
  kFindRef,
  kInsert,
  kRead,
  kLastChain,
  kReadPriority,
  kFindTarget,
  kFindValidation,
  kReadBody,
  kInsertValidation,
  kSupersede,
  kDecide,
  kInsertCancel,
  kStmtCount
};

constexpr const char* kSql[kStmtCount] = {
    "SELECT version, gseq, origin FROM journal WHERE uuid=?",
    // `+?`: a bare `kind=?` would be weighed against journal_receipts' WHERE
    // kind = 'receipt' with each bound value, compiling the statement again
    // at every record (about a tenth of the hub's CPU in a bulk flow).
    "SELECT uuid FROM journal WHERE origin=? AND kind=+? AND ref=? LIMIT 1",
    "INSERT INTO journal(gseq, uuid, version, origin, kind, ref, scope, received_at, body, chain, "
    "lane) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "SELECT gseq, origin, scope, body, uuid, version, kind FROM journal WHERE gseq >= ? "
    "ORDER BY gseq LIMIT ?",
    "SELECT chain FROM journal ORDER BY gseq DESC LIMIT 1",
    "SELECT gseq, origin, scope, body, uuid, version, kind FROM journal WHERE lane > 0 AND gseq >= "
    "? "
    "ORDER BY gseq LIMIT ?",
    // Newest first; an accepted NCP record is seen by the RILO and its scope.
    nullptr,  // kFindTarget, made from kReachSql in Prepare()
    "SELECT gseq, version, origin, rilo, scope, state FROM validations WHERE uuid=? "
    "ORDER BY version DESC LIMIT 1",
    "SELECT body FROM journal WHERE gseq=?",
    "INSERT INTO validations(gseq, uuid, version, origin, rilo, scope) VALUES (?, ?, ?, ?, ?, ?)",
    "UPDATE validations SET state='superseded' WHERE uuid=? AND state IN ('pending', 'returned')",
    "UPDATE validations SET state=?, decided_gseq=?, decided_at=?, reason=? WHERE gseq=?",
    "INSERT OR IGNORE INTO alert_cancels(target, gseq, uuid, origin) VALUES (?, ?, ?, ?)",
};

// A cancel's alert_cancels rows, one per alert it names; nothing for any
// other record.
common::Status NoteCancel(common::Statement& insert, const common::MsgpackMap& record, int64_t gseq,
                          std::string_view uuid, std::string_view origin) {
  if (record.TextOr("kind", "") != "alert" || record.TextOr("msg_type", "") != "cancel")
    return common::Status::Ok();
  for (const std::string_view target : record.Texts("references"))
    CEN_RETURN_IF_ERROR(insert.Bind(1, target).Bind(2, gseq).Bind(3, uuid).Bind(4, origin).Run());
  return common::Status::Ok();
}

// A statement's single row, read by `read`; nullopt when it has none. The
// statement is reset either way.
template <typename Read>
auto StepOne(common::Statement& stmt, Read read)
    -> common::Result<std::optional<decltype(read(stmt))>> {
  auto row = stmt.Step();
  std::optional<decltype(read(stmt))> value;
  if (row.ok() && *row) value = read(stmt);
  stmt.Reset();
  if (!row.ok()) return row.status();
  return value;
}

}  // namespace

common::Status Journal::Prepare() {
  if (prepared_) return common::Status::Ok();
  const std::string find_target =
      std::string("SELECT j.origin, j.kind, ") + kReachSql +
      ", j.body, v.state IN ('pending', 'returned', 'superseded'), j.lane FROM journal j "
      "LEFT JOIN validations v ON v.gseq = j.gseq WHERE j.uuid=? ORDER BY j.version DESC";
  for (const char* sql : kSql) {
    auto stmt = db_->Prepare(sql != nullptr ? sql : find_target.c_str());
    if (!stmt.ok()) return stmt.status();
    stmts_.push_back(std::move(*stmt));
  }
  prepared_ = true;
  return common::Status::Ok();
}

common::Status Journal::Load() {
  CEN_RETURN_IF_ERROR(Prepare());
  auto stmt = db_->Prepare("SELECT value FROM meta WHERE key='epoch'");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return common::Corruption(db_->path() + ": no hub epoch");
  epoch_ = stmt->ColumnText(0);
  auto head = db_->QueryInt("SELECT max(gseq) FROM journal");
  if (!head.ok()) return head.status();
  head_ = head->value_or(0);
  written_ = head_;
  return reaches_.Refresh(*db_, /*check=*/true);
}

void Journal::MarkDurable(int64_t upto) { head_ = std::max(head_, std::min(upto, written_)); }

std::string Journal::Link(std::string_view previous, int64_t gseq, std::string_view uuid,
                          int64_t version, std::string_view origin, std::string_view kind,
                          std::string_view ref, std::string_view scope,
                          std::string_view received_at, std::string_view body) {
  return HashChain(previous)
      .Add(gseq)
      .Add(uuid)
      .Add(version)
      .Add(origin)
      .Add(kind)
      .Add(ref)
      .Add(scope)
      .Add(received_at)
      .Add(body)
      .Finish();
}

common::Status Journal::Append(
    std::span<Candidate> candidates, std::vector<Outcome>* outcomes,
    const std::function<common::Status(const std::vector<Outcome>&)>& before_commit,
    std::string_view at, const std::function<bool()>& cut) {
  outcomes->clear();
  outcomes->reserve(candidates.size());
  auto tx = db_->Begin();
  if (!tx.ok()) return tx.status();

  // Read inside the transaction, so the link is right whatever failed before.
  auto& last_chain = stmts_[kLastChain];
  auto chain_row = last_chain.Step();
  if (!chain_row.ok()) {
    last_chain.Reset();
    return chain_row.status();
  }
  std::string chain = *chain_row ? last_chain.ColumnBlob(0) : HashChain::Genesis();
  last_chain.Reset();

  const std::string received_at = at.empty() ? common::Clock::NowRfc3339() : std::string(at);
  int64_t next = written_ + 1;
  auto& find_uuid = stmts_[kFindUuid];
  auto& find_ref = stmts_[kFindRef];
  auto& insert = stmts_[kInsert];

  for (auto& c : candidates) {
    const size_t done = outcomes->size();
    if (cut && done > 0 && done % kCutEvery == 0 && cut()) break;
    const std::string uuid(c.Text("uuid"));
    const int64_t version = c.record.IntOr("version", 0);
    const std::string kind(c.Text("kind"));
    const std::string ref(c.Text("ref"));
    Outcome out;

    // One probe of the uuid answers both "already journaled" and "whose"; it
    // also sees rows inserted earlier in this transaction, so a resend racing
    // its original within one batch is a duplicate too.
    find_uuid.Bind(1, uuid);
    bool earlier = false;  // a version of this uuid is journaled already
    while (out.verdict == Verdict::kNew) {
      auto row = find_uuid.Step();
      if (!row.ok()) {
        find_uuid.Reset();
        return row.status();
      }
      if (!*row) break;
      earlier = true;
      if (find_uuid.ColumnText(2) != c.origin) {
        out.verdict = Verdict::kRejected;
        out.reason = "uuid: belongs to a record of node " + find_uuid.ColumnText(2) +
                     "; only the origin node amends its records";
      } else if (find_uuid.ColumnInt(0) == version) {
        out.verdict = Verdict::kDuplicate;
        out.gseq = find_uuid.ColumnInt(1);
      }
    }
    find_uuid.Reset();
    if (out.verdict != Verdict::kNew) {
      outcomes->push_back(std::move(out));
      continue;
    }

    find_ref.Bind(1, c.origin).Bind(2, kind).Bind(3, ref);
    auto found = find_ref.Step();
    if (!found.ok()) {
      find_ref.Reset();
      return found.status();
    }
    if (*found && find_ref.ColumnText(0) != uuid) {
      out.verdict = Verdict::kRejected;
      out.reason = "ref: '" + ref + "' is already used by record " + find_ref.ColumnText(0) +
                   " of this node; amend that record instead";
    }
    find_ref.Reset();
    Decision decision;
    const bool deciding = kind == "decision";
    common::Lane targets_lane = common::Lane::kBulk;
    if (out.verdict == Verdict::kNew) {
      auto reason = deciding ? CheckDecision(c, &decision) : CheckTargets(c, &targets_lane);
      if (!reason.ok()) return reason.status();
      if (!reason->empty()) {
        out.verdict = Verdict::kRejected;
        out.reason = std::move(*reason);
      }
    }
    if (out.verdict == Verdict::kRejected) {
      outcomes->push_back(std::move(out));
      continue;
    }

    out.gseq = next;
    out.scope = c.Text("scope", "global");
    out.lane = std::max(common::PriorityLane::Of(c.record), targets_lane);
    std::vector<common::RecordEdits::Field> hub_fields = {
        {"origin", c.origin}, {"gseq", next}, {"received_at", received_at}};
    const bool validated_kind = kind == "seizure" || kind == "alert";
    const std::string rilo =
        validated_kind && validator_of_ ? validator_of_(c.origin) : std::string();
    // A new version leaves an undecided older one without a decision to
    // wait for, whatever the origin's role is now. A first version has none
    // (a validation row comes with its journal row): most records, and the
    // UPDATE was about 4 % of the hub's CPU in a bulk flow.
    if (validated_kind && earlier) CEN_RETURN_IF_ERROR(stmts_[kSupersede].Bind(1, uuid).Run());
    if (!rilo.empty()) {
      // Pending: the RILO sees it (and the origin its own) until it decides.
      CEN_RETURN_IF_ERROR(stmts_[kInsertValidation]
                              .Bind(1, next)
                              .Bind(2, uuid)
                              .Bind(3, version)
                              .Bind(4, c.origin)
                              .Bind(5, rilo)
                              .Bind(6, out.scope)
                              .Run());
      out.scope = "nodes:" + rilo;
      hub_fields.emplace_back("validation", "pending");
      hub_fields.emplace_back("rilo", rilo);
    }
    if (deciding) {
      auto decided = common::MsgpackMap::Decode(decision.body);
      if (!decided.ok()) return decided.status();
      out.lane = common::PriorityLane::Of(*decided);
      if (decision.accept) {
        // The record as its scope will hold it: accepted, under this row's gseq.
        hub_fields.emplace_back("accepted", common::RecordEdits::Packed{common::RecordEdits().Pack(
                                                decided->object(), {{"validation", "accepted"},
                                                                    {"validated_by", c.origin},
                                                                    {"validated_at", received_at},
                                                                    {"gseq", next}})});
        out.scope = ScopePolicy::Also(decision.ncp, decision.scope);
      }
      auto& decide = stmts_[kDecide];
      decide.Bind(1, decision.accept ? "accepted" : "returned").Bind(2, next).Bind(3, received_at);
      if (decision.accept) {
        decide.BindNull(4);
      } else {
        decide.Bind(4, c.Text("reason"));
      }
      CEN_RETURN_IF_ERROR(decide.Bind(5, decision.pending_gseq).Run());
    }
    // The record as received, with the validator's edits and the hub's own
    // fields: never decoded into a tree and encoded again.
    out.body = c.edits.Pack(c.record.object(), hub_fields);
    insert.Bind(1, next).Bind(2, uuid).Bind(3, version).Bind(4, c.origin).Bind(5, kind);
    chain = Link(chain, next, uuid, version, c.origin, kind, ref, out.scope, received_at, out.body);
    insert.Bind(6, ref).Bind(7, out.scope).Bind(8, received_at).BindBlob(9, out.body);
    insert.BindBlob(10, chain).Bind(11, static_cast<int64_t>(out.lane));
    CEN_RETURN_IF_ERROR(insert.Run());
    CEN_RETURN_IF_ERROR(NoteCancel(stmts_[kInsertCancel], c.record, next, uuid, c.origin));
    // An amendment in force, or an acceptance, may reach other offices than
    // the versions before it (ReachHistory).
    if (validated_kind && rilo.empty() && earlier) {
      CEN_RETURN_IF_ERROR(ReachHistory::Note(*db_, uuid));
    } else if (deciding && decision.accept) {
      CEN_RETURN_IF_ERROR(ReachHistory::Note(*db_, c.Text("record")));
    }
    // An update or cancel goes no further than the alerts it names: they are
    // kept for it (a trial: an EU alert's global update reached Asia).
    if (kind == "alert" && c.Text("msg_type", "alert") != "alert") {
      for (std::string_view alert : c.record.Texts("references"))
        CEN_RETURN_IF_ERROR(ReachHistory::Note(*db_, alert, /*followed=*/true));
    } else if (deciding && decision.accept) {
      // An NCP's update, accepted: its alert (in force by now) may have had
      // no version in force when the update was journaled.
      auto accepted = common::MsgpackMap::Decode(decision.body);
      if (accepted.ok() && accepted->TextOr("kind", "") == "alert" &&
          accepted->TextOr("msg_type", "alert") != "alert") {
        for (std::string_view alert : accepted->Texts("references"))
          CEN_RETURN_IF_ERROR(ReachHistory::Note(*db_, alert, /*followed=*/true));
      }
    }
    ++next;
    outcomes->push_back(std::move(out));
  }
  if (before_commit) CEN_RETURN_IF_ERROR(before_commit(*outcomes));
  CEN_RETURN_IF_ERROR(tx->Commit());
  written_ = next - 1;
  if (!defer_head_) head_ = written_;
  // Committed whatever follows: a failed read leaves the history as it was
  // until the next Append() or Load() reads it (it reads from where it is).
  if (const common::Status s = reaches_.Refresh(*db_); !s.ok())
    spdlog::error("journal: reading reach_changes after a commit: {}", s.message());
  return common::Status::Ok();
}

Journal::Candidate::Candidate(std::string node, const nlohmann::json& json_record)
    : Candidate(std::move(node), [&] {
        auto map = common::MsgpackMap::FromJson(json_record);
        if (!map.ok()) throw std::invalid_argument("journal candidate: " + map.status().message());
        return std::move(*map);
      }()) {}

bool Journal::MaySee(std::string_view node, std::string_view scope, std::string_view origin) const {
  if (node == common::NodeId::kHubOperator) return true;
  if (visibility_) return visibility_(node, scope, origin);
  return node == origin || scope == "global";
}

common::Result<std::optional<Journal::Target>> Journal::FindTarget(const std::string& uuid,
                                                                   std::string_view node) {
  auto& find = stmts_[kFindTarget];
  find.Bind(1, uuid);
  std::optional<Target> target;
  while (!target) {
    auto row = find.Step();
    if (!row.ok()) {
      find.Reset();
      return row.status();
    }
    if (!*row) break;
    if (!MaySee(node, find.ColumnText(2), find.ColumnText(0))) continue;
    target = Target{find.ColumnText(0),     find.ColumnText(1),
                    find.ColumnText(2),     {},
                    find.ColumnInt(4) != 0, static_cast<common::Lane>(find.ColumnInt(5))};
    auto stored = common::MsgpackMap::Decode(find.ColumnBlob(3));
    if (stored.ok()) target->msg_type = stored->TextOr("msg_type", "");
  }
  find.Reset();
  return target;
}

common::Result<std::string> Journal::CheckDecision(const Candidate& c, Decision* decision) {
  const std::string record(c.Text("record"));
  const int64_t version = c.record.IntOr("record_version", 0);
  struct Row {
    int64_t gseq, version;
    std::string origin, rilo, scope, state;
  };
  auto row = StepOne(stmts_[kFindValidation].Bind(1, record), [](common::Statement& st) {
    return Row{st.ColumnInt(0),  st.ColumnInt(1),  st.ColumnText(2),
               st.ColumnText(3), st.ColumnText(4), st.ColumnText(5)};
  });
  if (!row.ok()) return row.status();
  // The same answer whether the record is missing, not an NCP's, or another
  // RILO's: a decision must not reveal what it may not see.
  if (!*row || (*row)->rilo != c.origin)
    return "record: no record " + record + " waits for this node's decision";
  const Row& r = **row;
  if (version != r.version)
    return "record_version: " + std::to_string(version) + " is not the latest version of " +
           record + " (" + std::to_string(r.version) + "); decide on the latest";
  // A newer version journaled since, pending or not (the origin may have
  // become a RILO meanwhile), leaves this one nothing to decide.
  if (r.state == "superseded")
    return "record_version: " + std::to_string(version) + " is not the latest version of " +
           record + "; a newer version was journaled since";
  const bool accept = c.Text("decision") == "accept";
  if (r.state == "accepted")
    return "record: version " + std::to_string(version) + " of " + record + " is already accepted";
  if (r.state == "returned" && !accept)
    return "record: version " + std::to_string(version) + " of " + record +
           " is already returned; the NCP amends it";
  if (c.Text("scope") != "nodes:" + r.origin)
    return "scope: a decision goes to the record's origin: must be nodes:" + r.origin;
  if (accept) {
    // An alert cancelled while it waited (by the hub operator: the cancel
    // reached the NCP and its RILO alone) would reach its scope in force
    // (a trial: offices paged for an alert cancelled as sent in error).
    auto cancelled = CancelOf(*db_, record, r.origin, "");
    if (!cancelled.ok()) return cancelled.status();
    if (*cancelled)
      return "record: alert " + record + " was cancelled (gseq " + std::to_string(**cancelled) +
             ") while it waited: it cannot be accepted; return it";
  }
  auto body = StepOne(stmts_[kReadBody].Bind(1, r.gseq),
                      [](common::Statement& st) { return st.ColumnBlob(0); });
  if (!body.ok()) return body.status();
  if (!*body)
    return common::Corruption("validations row " + std::to_string(r.gseq) +
                              " names no journal row");
  if (accept) {
    auto waiting = common::MsgpackMap::Decode(**body);
    const std::string_view msg_type = waiting.ok() && waiting->TextOr("kind", "") == "alert"
                                          ? waiting->TextOr("msg_type", "")
                                          : "";
    // An update or cancel goes no further than its alert, which must be in
    // force first: accepted before its alert, an NCP's update of an alert
    // scoped region:EU went to every office (a trial), none of its alert's
    // versions being in force to measure it by.
    if (msg_type == "update" || msg_type == "cancel") {
      for (std::string_view alert : waiting->Texts("references")) {
        auto in_force = db_->Cached(
            "SELECT 1 FROM journal j LEFT JOIN validations v ON v.gseq = j.gseq WHERE j.uuid = ? "
            "AND j.kind = 'alert' AND (v.state IS NULL OR v.state = 'accepted') LIMIT 1");
        if (!in_force.ok()) return in_force.status();
        auto held = (*in_force)->Bind(1, alert).Step();
        (*in_force)->Reset();
        if (!held.ok()) return held.status();
        if (!*held)
          return "record: its alert " + std::string(alert) +
                 " is not in force yet (it waits for this node's decision, or was returned): "
                 "accept the alert first";
      }
    }
    // An NCP's cancel is measured again against its alert as it stands now:
    // a version of the alert accepted while the cancel waited may reach
    // further (a review).
    if (msg_type == "cancel") {
      for (std::string_view alert : waiting->Texts("references")) {
        auto missed = CancelMisses(std::string(alert), r.scope, r.origin);
        if (!missed.ok()) return missed.status();
        if (!missed->empty()) return "record: " + *missed + "; return it";
      }
    }
  }
  *decision = Decision{accept, r.gseq, r.origin, r.scope, std::move(**body)};
  return std::string();
}

common::Result<std::string> Journal::CancelMisses(const std::string& alert, std::string_view scope,
                                                  std::string_view origin) {
  if (!audience_) return std::string();
  // Who the alert reaches: every version in force, and every one waiting
  // for its RILO (it may be accepted after the cancel), as it will reach
  // once accepted (its RILO, beside the scope it asked for).
  auto versions = db_->Cached(
      "SELECT j.scope, j.origin, v.state, coalesce(v.rilo, ''), coalesce(v.scope, '') FROM "
      "journal j LEFT JOIN validations v ON v.gseq = j.gseq WHERE j.uuid = ? AND j.kind = "
      "'alert' AND (v.state IS NULL OR v.state IN ('accepted', 'pending')) ORDER BY j.version");
  if (!versions.ok()) return versions.status();
  common::Statement& read = **versions;
  read.Bind(1, alert);
  std::set<std::string> missed;  // reached by the alert, then less those the cancel reaches
  std::string declared;          // the newest version's scope, as its origin wrote it
  while (true) {
    auto row = read.Step();
    if (!row.ok()) {
      read.Reset();
      return row.status();
    }
    if (!*row) break;
    const bool validated = !read.ColumnIsNull(2);
    declared = validated ? read.ColumnText(4) : read.ColumnText(0);
    for (std::string& office :
         audience_(validated ? ScopePolicy::Also(read.ColumnText(3), declared) : read.ColumnText(0),
                   read.ColumnText(1)))
      missed.insert(std::move(office));
  }
  read.Reset();
  // The cancel reaches its RILO too, once accepted.
  const std::string rilo = validator_of_ ? validator_of_(origin) : std::string();
  for (const std::string& office :
       audience_(rilo.empty() ? std::string(scope) : ScopePolicy::Also(rilo, scope), origin))
    missed.erase(office);
  missed.erase(std::string(origin));
  if (missed.empty()) return std::string();
  constexpr size_t kNamed = 10;
  std::string named;
  size_t listed = 0;
  for (const std::string& office : missed) {
    if (listed++ == kNamed) {
      named += " and " + std::to_string(missed.size() - kNamed) + " more";
      break;
    }
    named += (named.empty() ? "" : ", ") + office;
  }
  return "scope: a cancel goes to every office its alert reaches, and " + std::string(scope) +
         " would miss " + named + " (the alert's scope is " + declared +
         "): leave scope out, a cancel goes no further than its alert";
}

common::Result<std::optional<int64_t>> Journal::CancelOf(common::Database& db,
                                                         const std::string& alert,
                                                         const std::string& origin,
                                                         std::string_view besides) {
  // An NCP's cancel ends its alert once its RILO accepted it: pending,
  // returned or superseded by its amendment, it is in force nowhere.
  auto stmt = db.Cached(
      "SELECT c.gseq FROM alert_cancels c LEFT JOIN validations v ON v.gseq = c.gseq "
      "WHERE c.target = ? AND c.origin IN (?, ?) AND c.uuid != ? "
      "AND (v.state IS NULL OR v.state = 'accepted') ORDER BY c.gseq LIMIT 1");
  if (!stmt.ok()) return stmt.status();
  (*stmt)->Bind(1, alert).Bind(2, origin).Bind(3, common::NodeId::kHubOperator).Bind(4, besides);
  return StepOne(**stmt, [](common::Statement& st) { return st.ColumnInt(0); });
}

common::Result<int64_t> Journal::IndexCancels(common::Database& db) {
  auto read = db.Prepare("SELECT gseq, uuid, origin, body FROM journal WHERE kind = 'alert'");
  if (!read.ok()) return read.status();
  auto insert = db.Prepare(kSql[kInsertCancel]);
  if (!insert.ok()) return insert.status();
  int64_t cancels = 0;
  while (true) {
    auto row = read->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto record = common::MsgpackMap::Decode(read->ColumnBlob(3));
    if (!record.ok())
      return common::Corruption("journal row " + std::to_string(read->ColumnInt(0)) + ": " +
                                record.status().message());
    if (record->TextOr("msg_type", "") != "cancel") continue;
    CEN_RETURN_IF_ERROR(
        NoteCancel(*insert, *record, read->ColumnInt(0), read->ColumnText(1), read->ColumnText(2)));
    ++cancels;
  }
  return cancels;
}

common::Result<std::string> Journal::CheckTargets(const Candidate& c, common::Lane* lane) {
  const std::string kind(c.Text("kind"));
  const std::string msg_type(c.Text("msg_type"));
  if (kind == "alert" && c.Text("msg_type", "alert") == "alert") {
    // A cancelled alert has ended: a new version of it would reach offices
    // its cancel's scope does not hold (a trial: widened after the
    // operator's cancel, it was in force there for good).
    const std::string uuid(c.Text("uuid"));
    auto ended = CancelOf(*db_, uuid, c.origin);
    if (!ended.ok()) return ended.status();
    if (*ended) {
      return "uuid: alert " + uuid + " was cancelled (gseq " + std::to_string(**ended) +
             "); a cancelled alert is not amended: issue a new alert (another ref) instead";
    }
    return std::string();
  }
  if (kind == "alert" && (msg_type == "update" || msg_type == "cancel")) {
    const std::vector<std::string_view> references = c.record.Texts("references");
    for (size_t i = 0; i < references.size(); ++i) {
      const std::string field = "references[" + std::to_string(i) + "]";
      const std::string uuid(references[i]);
      auto target = FindTarget(uuid, c.origin);
      if (!target.ok()) return target.status();
      // Hidden alerts get the same answer as missing ones: no probing.
      if (!*target || (*target)->kind != "alert" ||
          !MaySee(c.origin, (*target)->scope, (*target)->origin)) {
        return field + ": no alert " + uuid + " in the journal";
      }
      // The hub operator may cancel any alert (cen-hub cancel-alert, audited).
      const bool operator_cancel = c.origin == common::NodeId::kHubOperator && msg_type == "cancel";
      if ((*target)->origin != c.origin && !operator_cancel) {
        return field + ": alert " + uuid + " belongs to node " + (*target)->origin +
               "; only its origin may " + msg_type + " it";
      }
      if ((*target)->msg_type != "alert") {
        return field + ": " + uuid + " is itself an " + (*target)->msg_type +
               "; name the original alert";
      }
      // News of an urgent alert is urgent: a change travels in its alert's
      // lane when that is higher, so an office catching up meets a cancel in
      // the priority lane's fetch with the alert it ends (PROTOCOL.md 6.7).
      *lane = std::max(*lane, (*target)->lane);
      // An alert that has ended is news to nobody: an update would page
      // every office in its scope again.
      auto ended = CancelOf(*db_, uuid, (*target)->origin, c.Text("uuid"));
      if (!ended.ok()) return ended.status();
      if (*ended) {
        return field + ": alert " + uuid + " was cancelled (gseq " + std::to_string(**ended) +
               "); it is no longer in force";
      }
      // A cancel reaches every office its alert does: one it missed would
      // hold the alert in force for good, no second cancel being taken (a
      // trial). The operator's is given the alert's scope (HubServer).
      if (msg_type == "cancel" && !operator_cancel) {
        auto missed = CancelMisses(uuid, c.Text("scope", "global"), c.origin);
        if (!missed.ok()) return missed.status();
        if (!missed->empty()) return *missed;
      }
    }
    return std::string();
  }
  if (kind != "receipt") return std::string();

  const std::string alert(c.Text("alert"));
  auto target = FindTarget(alert, c.origin);
  if (!target.ok()) return target.status();
  if (!*target || (*target)->kind != "alert" ||
      !MaySee(c.origin, (*target)->scope, (*target)->origin)) {
    // The same answer whether the alert is missing or hidden: a receipt
    // must not reveal that an alert exists.
    return "alert: no alert " + alert + " that this node may see";
  }
  const std::string scope = "nodes:" + (*target)->origin;
  if (c.Text("scope") != scope) {
    return "scope: a receipt goes to the alert's origin alone: must be " + scope;
  }
  if (c.Text("action") == "hit") {
    const auto hit = c.record.Map("hit");
    const std::string record(hit ? hit->TextOr("record", "") : "");
    auto seized = FindTarget(record, c.origin);
    if (!seized.ok()) return seized.status();
    // A record still waiting for its RILO has reached no one else: a hit
    // on it would tell the alert's office what the RILO has not accepted.
    if (!*seized || (*seized)->unvalidated ||
        !MaySee(c.origin, (*seized)->scope, (*seized)->origin)) {
      return "hit.record: no record " + record + " that this node may see";
    }
  }
  return std::string();
}

common::Result<int64_t> Journal::Read(int64_t from, int max,
                                      const std::function<void(const Stored&)>& visit) {
  return ReadWith(stmts_[kRead], from, max, visit);
}

common::Result<int64_t> Journal::ReadPriority(int64_t from, int max,
                                              const std::function<void(const Stored&)>& visit) {
  return ReadWith(stmts_[kReadPriority], from, max, visit);
}

common::Result<int64_t> Journal::ReadWith(common::Statement& read, int64_t from, int max,
                                          const std::function<void(const Stored&)>& visit) {
  read.Bind(1, from).Bind(2, max);
  int64_t last = from - 1;
  while (true) {
    auto row = read.Step();
    if (!row.ok()) {
      read.Reset();
      return row.status();
    }
    if (!*row) break;
    // Appended here but not yet durable: not to be seen (set_defer_head).
    // Rows beyond written() were journaled by another connection (a
    // cluster's state machine) and are read as before.
    const int64_t gseq = read.ColumnInt(0);
    if (gseq > head_ && gseq <= written_) break;
    Stored s{gseq,
             read.ColumnText(1),
             read.ColumnText(2),
             read.ColumnBlob(3),
             read.ColumnText(4),
             read.ColumnInt(5),
             read.ColumnText(6)};
    last = s.gseq;
    visit(s);
  }
  read.Reset();
  return last;
}

}  // namespace cen::hub
