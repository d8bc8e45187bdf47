#include "hub/operator_cancels.h"

#include <chrono>
#include <ostream>
#include <thread>

#include "common/clock.h"
#include "common/instance_lock.h"
#include "common/msgpack_json.h"
#include "common/node_id.h"
#include "common/os_user.h"
#include "common/state_file.h"
#include "common/uuid7.h"
#include "common/wire_frame.h"
#include "hub/audit_trail.h"
#include "hub/hub_config.h"
#include "hub/hub_schema.h"

namespace cen::hub {
namespace {

constexpr size_t kMaxReason = 16000;
// How long a cancel waits for its alert to be in the journal. Request()
// checks that it is; only a restore from a backup older than the alert
// (`cen-hub restore`) makes one wait, until the alert's origin offers it again.
constexpr int64_t kWaitForAlertMs = 7LL * 24 * 3600 * 1000;

// The latest journaled version of `uuid`, decoded; null when none.
common::Result<nlohmann::json> Latest(common::Database& db, const std::string& uuid) {
  auto stmt = db.Prepare("SELECT body FROM journal WHERE uuid = ? ORDER BY version DESC LIMIT 1");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Bind(1, uuid).Step();
  if (!row.ok()) return row.status();
  if (!*row) return nlohmann::json();
  auto decoded = common::MsgpackJson::Decode(stmt->ColumnBlob(0));
  if (!decoded.ok()) return decoded.status();
  return *decoded;
}

// Whether a RILO ever accepted a version of `uuid` (it reached its scope then).
common::Result<bool> EverAccepted(common::Database& db, const std::string& uuid) {
  auto stmt = db.Prepare("SELECT 1 FROM validations WHERE uuid = ? AND state = 'accepted' LIMIT 1");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Bind(1, uuid).Step();
  if (!row.ok()) return row.status();
  return *row;
}

// Refuses unless the cluster member in `data_dir` runs and leads (its
// hub.state, written every second), naming the leader it knows.
common::Status RequireLeader(const std::string& data_dir) {
  const bool running = common::InstanceLock::IsHeld(data_dir, common::InstanceLock::kHub);
  nlohmann::json cluster = nlohmann::json::object();
  if (auto state = common::StateFile::Read(data_dir + "/hub.state");
      state.ok() && state->contains("cluster") && (*state)["cluster"].is_object())
    cluster = (*state)["cluster"];
  if (running && cluster.value("role", "") == "leader") return common::Status::Ok();
  const int64_t leader = cluster.value("leader", int64_t{0});
  std::string ingest;
  for (const nlohmann::json& m : cluster.value("members", nlohmann::json::array()))
    if (m.value("member", int64_t{0}) == leader) ingest = m.value("ingest", "");
  if (!running)
    return common::InvalidInput(
        "this cluster member is not running: run cen-hub cancel-alert on the leader's data "
        "directory (cen-hub status on a running member names the leader); nothing was queued");
  if (leader == 0)
    return common::InvalidInput(
        "this member is not the cluster's leader and none is known (an election); run the "
        "command again in a few seconds; nothing was queued");
  return common::InvalidInput(
      "this member is not the cluster's leader: run the command on member " +
      std::to_string(leader) + "'s data directory" +
      (ingest.empty() ? "" : " (it takes nodes at " + ingest + ")") + "; nothing was queued");
}

}  // namespace

common::Status OperatorCancels::Request(const std::string& data_dir, const std::string& alert,
                                        const std::string& reason, std::ostream& out) {
  if (!common::Uuid7::IsCanonical(alert)) {
    return common::UsageError("UUID: give the alert's whole uuid, as cen-query prints it");
  }
  if (reason.empty() || reason.size() > kMaxReason) {
    return common::UsageError("--reason: say why, in 1 to 16000 characters");
  }
  // A cluster member journals its own requests only while it leads: one
  // queued on a follower waited unseen and fired whenever that member came
  // to lead (a trial). Refused there, naming the leader, as allow and the
  // registry commands are; asked first (a lagging follower would say "no
  // alert").
  auto config = HubConfig::Load(data_dir);
  const bool clustered = config.ok() && config->clustered();
  if (clustered) CEN_RETURN_IF_ERROR(RequireLeader(data_dir));
  auto db = HubSchema::Open(data_dir);
  if (!db.ok()) return db.status();
  auto record = Latest(*db, alert);
  if (!record.ok()) return record.status();
  if (record->is_null() || common::WireFrame::StringOr(*record, "kind", "") != "alert") {
    return common::NotFound("no alert " + alert + " in the journal");
  }
  if (common::WireFrame::StringOr(*record, "msg_type", "") != "alert") {
    return common::UsageError(alert + " is itself an " +
                              common::WireFrame::StringOr(*record, "msg_type", "") +
                              "; name the original alert");
  }
  auto ended = Journal::CancelOf(*db, alert, common::WireFrame::StringOr(*record, "origin", ""));
  if (!ended.ok()) return ended.status();
  if (*ended) {
    return common::AlreadyExists("alert " + alert + " was cancelled (gseq " +
                                 std::to_string(**ended) + "); nothing to do");
  }
  auto queued = db->Prepare(
      "SELECT os_user, at FROM operator_cancels WHERE alert = ? AND done_at IS NULL LIMIT 1");
  if (!queued.ok()) return queued.status();
  auto waiting = queued->Bind(1, alert).Step();
  if (!waiting.ok()) return waiting.status();
  if (*waiting) {
    return common::AlreadyExists("a cancel of alert " + alert + " is queued already (asked by " +
                                 queued->ColumnText(0) + " at " + queued->ColumnText(1) + ")");
  }
  queued->Reset();
  auto insert = db->Prepare(
      "INSERT INTO operator_cancels(at, os_user, alert, reason, uuid) VALUES (?, ?, ?, ?, ?)");
  if (!insert.ok()) return insert.status();
  CEN_RETURN_IF_ERROR(insert->Bind(1, common::Clock::NowRfc3339())
                          .Bind(2, common::OsUser::Name())
                          .Bind(3, alert)
                          .Bind(4, reason)
                          .Bind(5, common::Uuid7::Generate())
                          .Run());
  out << "cancel of alert " << alert << " (" << common::WireFrame::StringOr(*record, "title", "")
      << ", from " << common::WireFrame::StringOr(*record, "origin", "") << ") queued; ";
  if (clustered) {
    // Waited for: a leader that steps down before journaling it closes it
    // (Close()), and the operator must then ask the new leader.
    const int64_t id = db->LastInsertRowId();
    auto state = db->Prepare("SELECT done_at IS NOT NULL, gseq FROM operator_cancels WHERE id = ?");
    if (!state.ok()) return state.status();
    for (int i = 0; i < 50; ++i) {
      state->Reset();
      auto row = state->Bind(1, id).Step();
      if (!row.ok()) return row.status();
      if (*row && state->ColumnInt(0) != 0) {
        if (!state->ColumnIsNull(1)) {
          out << "member " << config->cluster_member << " journaled it at gseq "
              << state->ColumnInt(1) << "; every office in its scope sees it cancelled\n";
          return common::Status::Ok();
        }
        return common::Unavailable(
            "the cancel was not journaled: this member stopped leading first, or the journal "
            "refused it (the hub's log says which); run cen-hub cancel-alert on the leader's "
            "data directory (cen-hub status names it)");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    out << "member " << config->cluster_member
        << " leads the hub cluster and has not journaled it yet: it does within seconds, or, "
           "should it stop leading first, closes it and says so in its log (then run "
           "cen-hub cancel-alert on the new leader)\n";
    return common::Status::Ok();
  }
  out << (common::InstanceLock::IsHeld(data_dir, common::InstanceLock::kHub)
              ? "the running hub journals it within a second"
              : "no hub runs on " + data_dir + ": it is journaled when cen-hub run starts,")
      << " and every office in its scope sees it cancelled\n";
  return common::Status::Ok();
}

common::Result<std::vector<OperatorCancels::Pending>> OperatorCancels::Take(
    common::Database& db, const common::RecordValidator& validator, int64_t now_ms) {
  auto stmt = db.Prepare(
      "SELECT id, alert, reason, os_user, at, uuid FROM operator_cancels WHERE done_at IS NULL "
      "ORDER BY id");
  if (!stmt.ok()) return stmt.status();
  std::vector<Pending> requests;
  std::vector<std::string> requested_at;
  std::vector<std::string> uuids;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    requests.push_back({stmt->ColumnInt(0),
                        stmt->ColumnText(1),
                        stmt->ColumnText(2),
                        stmt->ColumnText(3),
                        "",
                        "",
                        {}});
    requested_at.push_back(stmt->ColumnText(4));
    // Fixed when asked (none for a request queued before schema 9).
    uuids.push_back(stmt->ColumnIsNull(5) ? common::Uuid7::Generate() : stmt->ColumnText(5));
  }
  const std::string waited_long_enough = common::Clock::Rfc3339(now_ms - kWaitForAlertMs);
  std::vector<Pending> out;
  for (size_t i = 0; i < requests.size(); ++i) {
    Pending& p = requests[i];
    auto alert = Latest(db, p.alert);
    if (!alert.ok()) return alert.status();
    // Not in the journal (yet): it waits, and is refused (journaled as
    // rejected, audited) once it has waited too long.
    if (alert->is_null() && requested_at[i] > waited_long_enough) continue;
    p.alert_origin = common::WireFrame::StringOr(*alert, "origin", "");
    p.alert_scope = common::WireFrame::StringOr(*alert, "scope", "global");
    // An NCP's alert its RILO has not accepted has reached the RILO alone:
    // so does its cancel (the origin sees it as the alert's origin).
    if (common::WireFrame::StringOr(*alert, "validation", "") == "pending") {
      auto accepted = EverAccepted(db, p.alert);
      if (!accepted.ok()) return accepted.status();
      if (!*accepted) p.alert_scope = "nodes:" + common::WireFrame::StringOr(*alert, "rilo", "");
    }
    nlohmann::json cancel = {
        {"kind", "alert"},
        {"uuid", uuids[i]},
        {"version", 1},
        // Named by the alert, not the request's id: each member of a hub
        // cluster numbers its own requests from 1, and the second member's
        // first cancel was refused ("ref ... is already used").
        {"ref", "operator-cancel-" + p.alert},
        {"msg_type", "cancel"},
        {"references", {p.alert}},
        {"title", "Cancelled by the hub operator"},
        {"body", p.reason},
        {"priority", common::WireFrame::StringOr(*alert, "priority", "normal")},
        {"scope", p.alert_scope}};
    // What the validator refuses, the journal's answer records (rejected).
    (void)validator.Validate(cancel);
    p.cancel.emplace(std::string(common::NodeId::kHubOperator), cancel);
    out.push_back(std::move(p));
  }
  return out;
}

common::Status OperatorCancels::Finish(common::Database& db, const std::vector<Pending>& pending,
                                       const std::vector<Journal::Outcome>& outcomes) {
  return Done(db, pending, outcomes, /*audit=*/true);
}

common::Status OperatorCancels::MarkDone(common::Database& db, const std::vector<Pending>& pending,
                                         const std::vector<Journal::Outcome>& outcomes) {
  return Done(db, pending, outcomes, /*audit=*/false);
}

common::Result<std::vector<std::string>> OperatorCancels::Close(common::Database& db) {
  std::vector<std::string> dropped;
  // Read first: a follower asks every second, and almost always finds none.
  auto open = db.Prepare("SELECT id, alert FROM operator_cancels WHERE done_at IS NULL");
  if (!open.ok()) return open.status();
  std::vector<std::pair<int64_t, std::string>> rows;
  while (true) {
    auto row = open->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    rows.emplace_back(open->ColumnInt(0), open->ColumnText(1));
  }
  if (rows.empty()) return dropped;
  auto tx = db.Begin();
  if (!tx.ok()) return tx.status();
  auto done = db.Prepare(
      "UPDATE operator_cancels SET done_at = ?, gseq = ? WHERE id = ? AND done_at IS NULL");
  if (!done.ok()) return done.status();
  const std::string now = common::Clock::NowRfc3339();
  for (const auto& [id, alert] : rows) {
    auto origin = Latest(db, alert);
    if (!origin.ok()) return origin.status();
    auto cancelled = Journal::CancelOf(
        db, alert, origin->is_null() ? "" : common::WireFrame::StringOr(*origin, "origin", ""));
    if (!cancelled.ok()) return cancelled.status();
    done->Bind(1, now).Bind(3, id);
    if (*cancelled) {
      done->Bind(2, **cancelled);
    } else {
      done->BindNull(2);
      dropped.push_back(alert);
    }
    CEN_RETURN_IF_ERROR(done->Run());
    done->Reset();
  }
  CEN_RETURN_IF_ERROR(tx->Commit());
  return dropped;
}

std::string OperatorCancels::Requested(const Pending& p) {
  return "cancel of alert " + p.alert + " asked by " + p.os_user + ": " + p.reason;
}

common::Status OperatorCancels::Done(common::Database& db, const std::vector<Pending>& pending,
                                     const std::vector<Journal::Outcome>& outcomes, bool audit) {
  auto done = db.Prepare("UPDATE operator_cancels SET done_at = ?, gseq = ? WHERE id = ?");
  if (!done.ok()) return done.status();
  const std::string now = common::Clock::NowRfc3339();
  for (size_t i = 0; i < pending.size() && i < outcomes.size(); ++i) {
    const Pending& p = pending[i];
    const Journal::Outcome& o = outcomes[i];
    done->Bind(1, now);
    std::string detail;
    if (o.verdict == Journal::Verdict::kRejected) {
      done->BindNull(2);
      detail = "cancel of alert " + p.alert + " refused: " + o.reason;
    } else {
      done->Bind(2, o.gseq);
      detail = "alert " + p.alert + " cancelled by " + p.os_user + " (gseq " +
               std::to_string(o.gseq) + "): " + p.reason;
    }
    CEN_RETURN_IF_ERROR(done->Bind(3, p.id).Run());
    if (audit) CEN_RETURN_IF_ERROR(AuditTrail::Record(db, AuditTrail::kAdmin, "", detail));
  }
  return common::Status::Ok();
}

}  // namespace cen::hub
