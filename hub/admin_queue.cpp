#include "hub/admin_queue.h"

#include <thread>

#include "common/clock.h"
#include "common/os_user.h"

namespace cen::hub {

common::Result<int64_t> AdminQueue::Request(common::Database& db, int64_t member,
                                            const AdminChange& change) {
  auto insert =
      db.Prepare("INSERT INTO admin_requests(member, at, os_user, change) VALUES (?, ?, ?, ?)");
  if (!insert.ok()) return insert.status();
  CEN_RETURN_IF_ERROR(insert->Bind(1, member)
                          .Bind(2, common::Clock::NowRfc3339())
                          .Bind(3, common::OsUser::Name())
                          .Bind(4, change.ToJson().dump())
                          .Run());
  return db.LastInsertRowId();
}

common::Result<AdminChange::Effect> AdminQueue::Wait(common::Database& db, int64_t member,
                                                     int64_t id,
                                                     std::chrono::milliseconds timeout) {
  auto read = db.Prepare(
      "SELECT done_at IS NOT NULL, effect, refusal, taken_at IS NOT NULL FROM admin_requests "
      "WHERE id = ? AND member = ?");
  if (!read.ok()) return read.status();
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    read->Reset();
    auto row = read->Bind(1, id).Bind(2, member).Step();
    if (!row.ok()) return row.status();
    if (!*row) return common::NotFound("the request was lost (hub.db was replaced meanwhile)");
    if (read->ColumnInt(0) != 0) {
      if (!read->ColumnText(2).empty()) return common::InvalidInput(read->ColumnText(2));
      return AdminChange::EffectFromJson(
          nlohmann::json::parse(read->ColumnText(1), nullptr, /*allow_exceptions=*/false));
    }
    const bool taken = read->ColumnInt(3) != 0;
    if (std::chrono::steady_clock::now() >= until && !taken) {
      read->Reset();
      auto withdraw =
          db.Prepare("DELETE FROM admin_requests WHERE id = ? AND member = ? AND taken_at IS NULL");
      if (!withdraw.ok()) return withdraw.status();
      CEN_RETURN_IF_ERROR(withdraw->Bind(1, id).Bind(2, member).Run());
      if (db.Changes() == 1) {
        return common::Unavailable(
            "no running cen-hub on this member took the change within " +
            std::to_string(timeout.count() / 1000) +
            " s; nothing changed. In a cluster, changes go through the running leader: start "
            "cen-hub run here, or run the command on the leader's data directory");
      }
    }
    // Once the leader has taken it, it lands or is refused: wait for which.
    if (std::chrono::steady_clock::now() >= until + std::chrono::seconds(30)) {
      return common::Unavailable("the leader took the change but did not apply it within " +
                                 std::to_string(timeout.count() / 1000 + 30) +
                                 " s; see cen-hub status and the hub's log before asking again");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

common::Result<std::vector<AdminQueue::Pending>> AdminQueue::Take(common::Database& db,
                                                                  int64_t member, bool membership) {
  auto tx = db.Begin();
  if (!tx.ok()) return tx.status();
  // Rows a snapshot or a join brought from another member are not this
  // member's to take.
  auto stmt = db.Prepare(
      "SELECT id, change FROM admin_requests WHERE taken_at IS NULL AND member = ? AND "
      "(? OR coalesce(json_extract(change, '$.op'), '') NOT LIKE 'member-%') ORDER BY id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, member).Bind(2, membership ? 1 : 0);
  std::vector<Pending> pending;
  std::vector<int64_t> unreadable;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto change = AdminChange::FromJson(
        nlohmann::json::parse(stmt->ColumnText(1), nullptr, /*allow_exceptions=*/false));
    if (change.ok()) {
      pending.push_back({stmt->ColumnInt(0), std::move(*change)});
    } else {
      unreadable.push_back(stmt->ColumnInt(0));
    }
  }
  stmt->Reset();
  auto mark = db.Prepare("UPDATE admin_requests SET taken_at = ? WHERE id = ? AND member = ?");
  if (!mark.ok()) return mark.status();
  const std::string now = common::Clock::NowRfc3339();
  for (const Pending& p : pending) {
    mark->Reset();
    CEN_RETURN_IF_ERROR(mark->Bind(1, now).Bind(2, p.id).Bind(3, member).Run());
  }
  for (int64_t id : unreadable)
    CEN_RETURN_IF_ERROR(Refuse(db, member, id, "the request is not one this cen-hub reads"));
  CEN_RETURN_IF_ERROR(tx->Commit());
  return pending;
}

common::Status AdminQueue::Finish(common::Database& db, int64_t member, int64_t id,
                                  const AdminChange::Effect& effect, const std::string& refusal) {
  auto stmt = db.Prepare(
      "UPDATE admin_requests SET done_at = ?, effect = ?, refusal = ? WHERE id = ? AND member = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, common::Clock::NowRfc3339()).Bind(2, AdminChange::EffectToJson(effect).dump());
  if (refusal.empty()) {
    stmt->BindNull(3);
  } else {
    stmt->Bind(3, refusal);
  }
  return stmt->Bind(4, id).Bind(5, member).Run();
}

common::Status AdminQueue::Refuse(common::Database& db, int64_t member, int64_t id,
                                  const std::string& why) {
  auto stmt = db.Prepare(
      id == 0 ? "UPDATE admin_requests SET done_at = ?1, taken_at = ?1, refusal = ?2 "
                "WHERE taken_at IS NULL AND member = ?3"
              : "UPDATE admin_requests SET done_at = ?1, taken_at = coalesce(taken_at, ?1), "
                "refusal = ?2 WHERE member = ?3 AND id = ?4 AND done_at IS NULL");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, common::Clock::NowRfc3339()).Bind(2, why).Bind(3, member);
  if (id != 0) stmt->Bind(4, id);
  return stmt->Run();
}

}  // namespace cen::hub
