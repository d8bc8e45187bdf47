#include "hub/audit_trail.h"

#include <utility>

#include "common/clock.h"
#include "hub/hash_chain.h"

namespace cen::hub {

void AuditTrail::Note(std::string_view event, std::string_view node, std::string detail) {
  NoteAt(common::Clock::NowRfc3339(), event, node, std::move(detail));
}

void AuditTrail::NoteAt(std::string at, std::string_view event, std::string_view node,
                        std::string detail) {
  Entry e{std::move(at), std::string(event), std::string(node), std::move(detail)};
  std::lock_guard<std::mutex> lock(mu_);
  pending_.push_back(std::move(e));
}

void AuditTrail::NoteThrottled(const std::string& key, std::string_view event,
                               std::string_view node, std::string detail) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, fresh] = throttle_.try_emplace(key, Throttle{now, 0});
    if (!fresh && now - it->second.last < kThrottle) {
      ++it->second.held_back;
      return;
    }
    if (it->second.held_back > 0) {
      detail += " (and " + std::to_string(it->second.held_back) + " more like it before)";
    }
    it->second = Throttle{now, 0};
    if (throttle_.size() > 10000) throttle_.clear();  // bounded, whatever keys a peer invents
  }
  Note(event, node, std::move(detail));
}

std::vector<AuditTrail::Entry> AuditTrail::TakePending() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(pending_, {});
}

void AuditTrail::Requeue(std::vector<Entry> entries) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.insert(pending_.begin(), std::make_move_iterator(entries.begin()),
                  std::make_move_iterator(entries.end()));
}

bool AuditTrail::HasPending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !pending_.empty();
}

std::string AuditTrail::Link(std::string_view previous, int64_t id, std::string_view at,
                             std::string_view event, std::string_view node,
                             std::string_view detail) {
  return HashChain(previous).Add(id).Add(at).Add(event).Add(node).Add(detail).Finish();
}

common::Status AuditTrail::WritePending(common::Database& db) {
  std::vector<Entry> entries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    entries.swap(pending_);
  }
  if (entries.empty()) return common::Status::Ok();
  const common::Status s = Insert(db, entries);
  if (!s.ok()) {  // the transaction rolls back: keep the entries for the next one
    std::lock_guard<std::mutex> lock(mu_);
    pending_.insert(pending_.begin(), entries.begin(), entries.end());
    return s;
  }
  unsettled_.insert(unsettled_.end(), entries.begin(), entries.end());
  return s;
}

void AuditTrail::Settle(bool committed) {
  if (!committed && !unsettled_.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.insert(pending_.begin(), unsettled_.begin(), unsettled_.end());
  }
  unsettled_.clear();
}

common::Status AuditTrail::Insert(common::Database& db, const std::vector<Entry>& entries) {
  // At every group commit of the hub: prepared once per connection.
  auto last = db.Cached("SELECT id, chain FROM audit ORDER BY id DESC LIMIT 1");
  if (!last.ok()) return last.status();
  auto row = (*last)->Step();
  const bool found = row.ok() && *row;
  int64_t id = found ? (*last)->ColumnInt(0) : 0;
  std::string chain = found ? (*last)->ColumnBlob(1) : HashChain::Genesis();
  (*last)->Reset();
  if (!row.ok()) return row.status();
  auto insert =
      db.Cached("INSERT INTO audit(id, at, event, node, detail, chain) VALUES (?, ?, ?, ?, ?, ?)");
  if (!insert.ok()) return insert.status();
  for (const Entry& e : entries) {
    ++id;
    chain = Link(chain, id, e.at, e.event, e.node, e.detail);
    (*insert)->Bind(1, id).Bind(2, e.at).Bind(3, e.event).Bind(4, e.node).Bind(5, e.detail);
    CEN_RETURN_IF_ERROR((*insert)->BindBlob(6, chain).Run());
  }
  return common::Status::Ok();
}

common::Status AuditTrail::Flush(common::Database& db) {
  if (!HasPending()) return common::Status::Ok();
  auto tx = db.Begin();
  if (!tx.ok()) return tx.status();
  CEN_RETURN_IF_ERROR(WritePending(db));
  const common::Status committed = tx->Commit();
  Settle(committed.ok());
  return committed;
}

common::Status AuditTrail::Record(common::Database& db, std::string_view event,
                                  std::string_view node, std::string detail, std::string at) {
  AuditTrail one;
  one.NoteAt(at.empty() ? common::Clock::NowRfc3339() : std::move(at), event, node,
             std::move(detail));
  return one.WritePending(db);
}

}  // namespace cen::hub
