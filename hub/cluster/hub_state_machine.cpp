#include "hub/cluster/hub_state_machine.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>
#include <utility>

#include "hub/admin_queue.h"
#include "hub/audit_trail.h"
#include "hub/cluster/cluster_command.h"
#include "hub/group_commit.h"
#include "hub/hub_schema.h"

namespace cen::hub {
namespace {

// A snapshot: this magic, the applied index (8 bytes, big-endian), then
// hub.db's pages as sqlite3_serialize gives them.
constexpr std::string_view kSnapshotMagic = "CENSNAP1";
constexpr size_t kHeaderSize = 16;

constexpr const char* kAppliedKey = "raft_applied";

// Records in hub.db, inside the caller's transaction, that it holds the
// entries up to Raft `index`.
common::Status StampApplied(common::Database& db, uint64_t index) {
  auto stamp = db.Cached(
      "INSERT INTO meta(key, value) VALUES (?, ?) "
      "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (!stamp.ok()) return stamp.status();
  return (*stamp)->Bind(1, kAppliedKey).Bind(2, std::to_string(index)).Run();
}

// Frees a sqlite3 connection opened for one use.
struct Closer {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};

}  // namespace

HubStateMachine::HubStateMachine(common::Database db)
    : db_(std::move(db)), registry_(&db_), groups_(&db_), policy_(&groups_), journal_(&db_) {
  fsm_.version = 1;
  fsm_.data = this;
  fsm_.apply = &HubStateMachine::FsmApply;
  fsm_.snapshot = &HubStateMachine::FsmSnapshot;
  fsm_.restore = &HubStateMachine::FsmRestore;
}

common::Result<std::unique_ptr<HubStateMachine>> HubStateMachine::Open(
    const std::string& data_dir) {
  auto db = HubSchema::Open(data_dir, /*as_hub=*/true);  // inside cen-hub run
  if (!db.ok()) return db.status();
  // The Raft log is what makes an entry durable (on a majority, before it is
  // applied). A commit hub.db loses in a crash takes raft_applied back with
  // it, and the entry is applied again from the log or the last snapshot: no
  // fsync per applied entry.
  CEN_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=NORMAL"));
  std::unique_ptr<HubStateMachine> machine(new HubStateMachine(std::move(*db)));
  machine->journal_.set_visibility(
      [m = machine.get()](std::string_view node, std::string_view scope, std::string_view origin) {
        const NodeInfo* info = m->registry_.FindActive(std::string(node));
        return info != nullptr && m->policy_.MaySee(*info, scope, origin);
      });
  machine->journal_.set_validator_of(
      [m = machine.get()](std::string_view origin) { return m->registry_.ValidatorOf(origin); });
  machine->journal_.set_audience(
      [m = machine.get()](std::string_view scope, std::string_view origin) {
        return m->policy_.Audience(m->registry_, scope, origin);
      });
  CEN_RETURN_IF_ERROR(machine->Load());
  return machine;
}

common::Status HubStateMachine::Load() {
  registry_.Invalidate();
  groups_.Invalidate();
  CEN_RETURN_IF_ERROR(journal_.Load());
  CEN_RETURN_IF_ERROR(registry_.Refresh());
  CEN_RETURN_IF_ERROR(groups_.Refresh());
  auto applied = db_.QueryInt(std::string("SELECT CAST(value AS INTEGER) FROM meta WHERE key='") +
                              kAppliedKey + "'");
  if (!applied.ok()) return applied.status();
  applied_index_ = static_cast<uint64_t>(applied->value_or(0));
  return common::Status::Ok();
}

common::Result<const HubStateMachine::Applied*> HubStateMachine::Apply(uint64_t index,
                                                                       std::string_view entry) {
  applied_ = Applied{index, false, {}};
  if (index <= applied_index_) {
    applied_.replayed = true;
    return &applied_;
  }
  auto command = ClusterCommand::Decode(entry);
  if (!command.ok()) return command.status();
  if (command->kind == ClusterCommand::Kind::kAdmin) {
    CEN_RETURN_IF_ERROR(ApplyAdmin(index, *command));
    applied_index_ = index;
    return &applied_;
  }
  // What the registries hold now, and the groups in force on the day the
  // leader received the entry (not the day this member applies it).
  CEN_RETURN_IF_ERROR(registry_.Refresh());
  CEN_RETURN_IF_ERROR(groups_.Refresh(std::string_view(command->received_at).substr(0, 10)));

  const common::Status s = journal_.Append(
      command->candidates, &applied_.outcomes,
      [&](const std::vector<Journal::Outcome>& done) {
        AuditTrail notes;
        for (const ClusterCommand::AuditNote& n : command->audit)
          notes.NoteAt(n.at, n.event, n.node, n.detail);
        GroupCommit::NoteOutcomes(command->candidates, done, command->rejected,
                                  command->received_at, &notes);
        CEN_RETURN_IF_ERROR(notes.WritePending(db_));
        return StampApplied(db_, index);
      },
      command->received_at);
  if (!s.ok()) {
    applied_.outcomes.clear();
    return s;
  }
  applied_index_ = index;
  return &applied_;
}

common::Status HubStateMachine::ApplyAdmin(uint64_t index, const ClusterCommand& command) {
  // What a failed try of this entry loaded into the registries was rolled
  // back, and this connection's own writes leave data_version as it is.
  registry_.Invalidate();
  groups_.Invalidate();
  CEN_RETURN_IF_ERROR(registry_.Refresh());
  CEN_RETURN_IF_ERROR(groups_.Refresh(std::string_view(command.received_at).substr(0, 10)));
  auto tx = db_.Begin();
  if (!tx.ok()) return tx.status();
  // A refusal (an unknown node, a group that exists) is the same on every
  // member: the change is undone, the refusal recorded, the entry applied.
  CEN_RETURN_IF_ERROR(db_.Exec("SAVEPOINT admin_change"));
  auto effect = command.admin.Apply(db_, registry_, groups_, command.received_at);
  std::string refusal;
  if (!effect.ok()) {
    if (!AdminChange::IsRefusal(effect.status())) return effect.status();
    refusal = effect.status().message();
    CEN_RETURN_IF_ERROR(db_.Exec("ROLLBACK TO admin_change"));
  }
  CEN_RETURN_IF_ERROR(db_.Exec("RELEASE admin_change"));
  CEN_RETURN_IF_ERROR(AdminQueue::Finish(db_, command.admin_member, command.admin_request,
                                         effect.ok() ? *effect : AdminChange::Effect{}, refusal));
  CEN_RETURN_IF_ERROR(StampApplied(db_, index));
  CEN_RETURN_IF_ERROR(tx->Commit());
  // What this connection wrote, data_version does not report to itself.
  registry_.Invalidate();
  groups_.Invalidate();
  return common::Status::Ok();
}

common::Status HubStateMachine::MarkApplied(uint64_t index) {
  if (index <= applied_index_) return common::Status::Ok();
  auto tx = db_.Begin();
  if (!tx.ok()) return tx.status();
  CEN_RETURN_IF_ERROR(StampApplied(db_, index));
  CEN_RETURN_IF_ERROR(tx->Commit());
  applied_index_ = index;
  return common::Status::Ok();
}

common::Result<std::string> HubStateMachine::Snapshot() {
  // One read transaction: the pages of one commit.
  CEN_RETURN_IF_ERROR(db_.Exec("BEGIN DEFERRED; SELECT count(*) FROM meta;"));
  sqlite3_int64 size = 0;
  unsigned char* pages = sqlite3_serialize(db_.handle(), "main", &size, 0);
  const common::Status ended = db_.Exec("COMMIT");
  if (pages == nullptr) return db_.Error("serialize hub.db for a snapshot");
  std::string snapshot(kSnapshotMagic);
  for (int shift = 56; shift >= 0; shift -= 8)
    snapshot.push_back(static_cast<char>((applied_index_ >> shift) & 0xff));
  const size_t pages_at = snapshot.size();
  snapshot.append(reinterpret_cast<const char*>(pages), static_cast<size_t>(size));
  sqlite3_free(pages);
  // The file format bytes say "rollback journal", so that the pages open as
  // a database in memory; the backup API makes them WAL again in hub.db.
  if (size > 19) snapshot[pages_at + 18] = snapshot[pages_at + 19] = 1;
  if (!ended.ok()) return ended;
  return snapshot;
}

common::Status HubStateMachine::Restore(std::string_view snapshot) {
  if (snapshot.size() <= kHeaderSize || snapshot.substr(0, kSnapshotMagic.size()) != kSnapshotMagic)
    return common::Corruption("snapshot: not a hub snapshot");
  uint64_t index = 0;
  for (size_t i = kSnapshotMagic.size(); i < kHeaderSize; ++i)
    index = index << 8 | static_cast<unsigned char>(snapshot[i]);
  if (index <= applied_index_) {
    spdlog::info("snapshot at index {}: hub.db already holds index {}, kept", index,
                 applied_index_);
    return common::Status::Ok();
  }

  // The snapshot's pages as a read-only database in memory, checked, then
  // copied over hub.db by SQLite's backup API: one write transaction.
  sqlite3* raw = nullptr;
  if (sqlite3_open(":memory:", &raw) != SQLITE_OK) {
    sqlite3_close(raw);
    return common::Internal("snapshot: cannot open an in-memory database");
  }
  std::unique_ptr<sqlite3, Closer> mem(raw);
  const std::string_view pages = snapshot.substr(kHeaderSize);
  auto* bytes = reinterpret_cast<unsigned char*>(const_cast<char*>(pages.data()));
  if (sqlite3_deserialize(mem.get(), "main", bytes, static_cast<sqlite3_int64>(pages.size()),
                          static_cast<sqlite3_int64>(pages.size()),
                          SQLITE_DESERIALIZE_READONLY) != SQLITE_OK) {
    return common::Corruption("snapshot: its pages are not a database");
  }
  // The schema and the index it claims.
  sqlite3_stmt* check = nullptr;
  const char* sql =
      "SELECT (SELECT value FROM meta WHERE key='hub_schema'), "
      "(SELECT value FROM meta WHERE key='raft_applied')";
  std::string schema, applied;
  if (sqlite3_prepare_v2(mem.get(), sql, -1, &check, nullptr) == SQLITE_OK &&
      sqlite3_step(check) == SQLITE_ROW) {
    auto text = [&](int col) {
      const unsigned char* t = sqlite3_column_text(check, col);
      return t == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(t));
    };
    schema = text(0);
    applied = text(1);
  }
  sqlite3_finalize(check);
  if (schema != std::to_string(HubSchema::kVersion) || applied != std::to_string(index)) {
    return common::Corruption("snapshot: not a hub.db of schema " +
                              std::to_string(HubSchema::kVersion) + " at index " +
                              std::to_string(index));
  }

  // SQLite copies no pages into a WAL file of another page size. Every
  // member's hub.db is a copy of one cluster's (cen-hub join), so the sizes
  // agree; should they not, say so rather than fail in the copy.
  int snapshot_page = 0;
  if (sqlite3_prepare_v2(mem.get(), "PRAGMA page_size", -1, &check, nullptr) == SQLITE_OK &&
      sqlite3_step(check) == SQLITE_ROW) {
    snapshot_page = sqlite3_column_int(check, 0);
  }
  sqlite3_finalize(check);
  auto own_page = db_.QueryInt("PRAGMA page_size");
  if (!own_page.ok()) return own_page.status();
  if (snapshot_page != own_page->value_or(0)) {
    return common::Corruption("snapshot: its pages are " + std::to_string(snapshot_page) +
                              " bytes, hub.db's " + std::to_string(own_page->value_or(0)) +
                              "; copy the leader's hub.db into this member (cen-hub cluster add, "
                              "cen-hub join)");
  }
  sqlite3_backup* copy = sqlite3_backup_init(db_.handle(), "main", mem.get(), "main");
  if (copy == nullptr) return db_.Error("restore a snapshot into hub.db");
  const int stepped = sqlite3_backup_step(copy, -1);
  const int finished = sqlite3_backup_finish(copy);
  if (stepped != SQLITE_DONE || finished != SQLITE_OK)
    return db_.Error("restore a snapshot into hub.db");
  spdlog::info("hub.db restored from the snapshot at index {} (it held index {})", index,
               applied_index_);
  return Load();
}

std::string HubStateMachine::Frame(std::string_view entry) {
  std::string framed;
  framed.reserve(8 + entry.size() + 7);
  const uint64_t n = entry.size();
  for (int shift = 56; shift >= 0; shift -= 8)
    framed.push_back(static_cast<char>((n >> shift) & 0xff));
  framed.append(entry);
  framed.append((8 - framed.size() % 8) % 8, '\0');
  return framed;
}

std::optional<std::string_view> HubStateMachine::Unframe(std::string_view framed) {
  if (framed.size() < 8 || framed.size() % 8 != 0) return std::nullopt;
  uint64_t n = 0;
  for (size_t i = 0; i < 8; ++i) n = n << 8 | static_cast<unsigned char>(framed[i]);
  if (n > framed.size() - 8 || framed.size() - 8 - n >= 8) return std::nullopt;
  return framed.substr(8, n);
}

int HubStateMachine::FsmApply(raft_fsm* fsm, const raft_buffer* buf, void** result) {
  auto* self = static_cast<HubStateMachine*>(fsm->data);
  // Raft applies the entry after its last applied one.
  const uint64_t index = raft_last_applied(self->raft_) + 1;
  const auto entry = Unframe({static_cast<const char*>(buf->base), buf->len});
  auto backoff = std::chrono::milliseconds(50);
  std::string said;
  while (true) {
    auto applied = entry
                       ? self->Apply(index, *entry)
                       : common::Result<const Applied*>(common::Corruption(
                             "Raft entry of " + std::to_string(buf->len) + " bytes is not framed"));
    if (applied.ok()) {
      if (!said.empty()) spdlog::info("Raft entry {} applied after all", index);
      *result = const_cast<Applied*>(*applied);
      return 0;
    }
    if (applied.status().message() != said) {  // logged once per cause
      said = applied.status().message();
      spdlog::error("cannot apply Raft entry {}: {}; trying again", index, said);
    }
    if (self->stop_ == nullptr || self->stop_->load()) return RAFT_IOERR;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
}

int HubStateMachine::FsmSnapshot(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n_bufs) {
  auto* self = static_cast<HubStateMachine*>(fsm->data);
  // Raft names the snapshot by its last applied entry.
  if (self->raft_ != nullptr) {
    const common::Status marked = self->MarkApplied(raft_last_applied(self->raft_));
    if (!marked.ok()) {
      spdlog::error("cannot take a snapshot: {}", marked.message());
      return RAFT_IOERR;
    }
  }
  auto snapshot = self->Snapshot();
  if (!snapshot.ok()) {
    spdlog::error("cannot take a snapshot: {}", snapshot.status().message());
    return RAFT_IOERR;
  }
  // Raft frees what a version 1 FSM hands it, with raft_free.
  auto* out = static_cast<raft_buffer*>(raft_malloc(sizeof(raft_buffer)));
  void* base = raft_malloc(snapshot->size());
  if (out == nullptr || base == nullptr) {
    raft_free(out);
    raft_free(base);
    return RAFT_NOMEM;
  }
  std::memcpy(base, snapshot->data(), snapshot->size());
  out[0].base = base;
  out[0].len = snapshot->size();
  *bufs = out;
  *n_bufs = 1;
  return 0;
}

int HubStateMachine::FsmRestore(raft_fsm* fsm, raft_buffer* buf) {
  auto* self = static_cast<HubStateMachine*>(fsm->data);
  const common::Status s = self->Restore({static_cast<const char*>(buf->base), buf->len});
  if (!s.ok()) {
    spdlog::error("cannot restore a snapshot: {}", s.message());
    return RAFT_IOERR;
  }
  raft_free(buf->base);  // the FSM owns it once restored
  return 0;
}

}  // namespace cen::hub
