#include "hub/hub_backup.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <ostream>

#include "common/clock.h"
#include "common/instance_lock.h"
#include "common/sqlite_db.h"
#include "hub/audit_trail.h"
#include "hub/chain_verifier.h"
#include "hub/hub_config.h"
#include "hub/hub_schema.h"

namespace cen::hub {
namespace {

namespace fs = std::filesystem;

// Pages copied per backup step, and the size from which progress is shown.
constexpr int kPagesPerStep = 1024;
constexpr int64_t kProgressFromBytes = int64_t{100} << 20;  // 100 MiB

common::Status Sync(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return common::Internal("cannot open " + path + ": " + std::strerror(errno));
  const bool ok = ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) return common::Internal("cannot sync " + path + ": " + std::strerror(err));
  return common::Status::Ok();
}

// Creates `path` empty, readable by its owner only: SQLite then keeps that
// mode, and gives it to the -wal and -shm files beside it. A backup holds
// every record of every handling code. Never over an existing file.
common::Status CreatePrivate(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return common::AlreadyExists(path +
                                   " already exists (another backup or restore under way, or "
                                   "left by one that failed: remove it)");
    return common::Internal("cannot create " + path + ": " + std::strerror(errno));
  }
  const bool ok = ::fchmod(fd, 0600) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) return common::Internal("cannot make " + path + " private: " + std::strerror(err));
  return common::Status::Ok();
}

std::string DirOf(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

// Removes `path` and the -wal and -shm files SQLite may have left beside it.
void RemoveDatabaseFiles(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path + suffix, ec);
}

// Opens a database file that is being written for `what`: rollback journal,
// so that the file never has a WAL beside it holding a second copy.
common::Result<common::Database> OpenOneFile(const std::string& path) {
  auto db = common::Database::Open(path, common::Database::Mode::kReadWrite);
  if (!db.ok()) return db.status();
  CEN_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=DELETE"));
  return db;
}

// Copies every page of `src` (as its open read transaction, if any, sees
// them) into `dst`, replacing what `dst` held. Waits at most ten seconds in
// all for a lock.
common::Status CopyPages(common::Database& src, common::Database& dst, std::ostream* progress,
                         const std::string& what) {
  sqlite3_backup* backup = sqlite3_backup_init(dst.handle(), "main", src.handle(), "main");
  if (backup == nullptr)
    return common::Internal(what + ": cannot copy " + src.path() + " into " + dst.path() + ": " +
                            sqlite3_errmsg(dst.handle()));
  auto page_size = src.QueryInt("PRAGMA page_size");
  const int64_t page_bytes = page_size.ok() ? page_size->value_or(4096) : 4096;
  int rc = SQLITE_OK;
  int shown = 0;  // tenths of the whole shown so far
  int waits = 0;
  while (rc == SQLITE_OK || ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && waits < 1000)) {
    rc = sqlite3_backup_step(backup, kPagesPerStep);
    const int total = sqlite3_backup_pagecount(backup);
    const int done = total - sqlite3_backup_remaining(backup);
    if (progress != nullptr && total * page_bytes >= kProgressFromBytes &&
        done * 10 / total > shown) {
      shown = done * 10 / total;
      *progress << what << ": " << shown * 10 << "% (" << done << " of " << total << " pages)\n"
                << std::flush;
    }
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      ++waits;
      sqlite3_sleep(10);
    }
  }
  sqlite3_backup_finish(backup);
  if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
    return common::Corruption(src.path() + ": " + sqlite3_errstr(rc));
  if (rc != SQLITE_DONE)
    return common::Internal(what + ": copying " + src.path() + " into " + dst.path() + ": " +
                            sqlite3_errstr(rc));
  return common::Status::Ok();
}

// Reads what a hub database holds and checks it: this schema, SQLite's
// quick_check, both hash chains. Errors name `name`.
common::Result<BackupSummary> Inspect(common::Database& db, const std::string& name) {
  if (auto st = HubSchema::Check(db); !st.ok())
    return common::Corruption(name + ": " + st.message());
  auto check = db.Prepare("PRAGMA quick_check");
  if (!check.ok()) return common::Corruption(name + ": " + check.status().message());
  auto row = check->Step();
  if (!row.ok()) return common::Corruption(name + ": " + row.status().message());
  const std::string verdict = *row ? check->ColumnText(0) : "no answer";
  if (verdict != "ok")
    return common::Corruption(name + " is damaged (quick_check: " + verdict + ")");
  auto report = ChainVerifier::Verify(db);
  if (!report.ok()) return common::Corruption(name + ": " + report.status().message());
  if (!report->intact())
    return common::Corruption(
        name + ": hash chain broken at " +
        (report->journal_break.empty() ? report->audit_break : report->journal_break));
  BackupSummary s;
  s.journal_rows = report->journal_rows;
  s.audit_rows = report->audit_rows;
  s.journal_head = report->journal_head;
  s.audit_head = report->audit_head;
  auto head = db.QueryInt("SELECT max(gseq) FROM journal");
  if (!head.ok()) return head.status();
  s.head = head->value_or(0);
  auto meta = db.Prepare("SELECT key, value FROM meta WHERE key IN ('epoch', 'backup_taken_at')");
  if (!meta.ok()) return meta.status();
  while (true) {
    auto next = meta->Step();
    if (!next.ok()) return next.status();
    if (!*next) break;
    (meta->ColumnText(0) == "epoch" ? s.epoch : s.taken_at) = meta->ColumnText(1);
  }
  return s;
}

common::Status SetMeta(common::Database& db, std::string_view key, std::string_view value) {
  auto stmt = db.Prepare("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)");
  if (!stmt.ok()) return stmt.status();
  return stmt->Bind(1, key).Bind(2, value).Run();
}

// Folds hub.db's WAL into it, so that the file alone is the whole database.
// False when that could not be done (a damaged hub.db): its -wal and -shm
// then have to move with it. REQUIRES: no other connection (the store lock).
bool Checkpoint(const std::string& path) {
  {
    auto db = common::Database::Open(path, common::Database::Mode::kReadWrite);
    if (!db.ok()) return false;
    int log = -1;
    int done = -1;
    const int rc =
        sqlite3_wal_checkpoint_v2(db->handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
    if (rc != SQLITE_OK || log != done) return false;
  }
  // The last connection closed: SQLite removed the WAL, or left it empty.
  std::error_code ec;
  return !fs::exists(path + "-wal") || fs::file_size(path + "-wal", ec) == 0;
}

// The hub.db a restore replaces, when it can say what the operator did
// after the backup: readable, of a schema an upgrade starts from, and
// journaled. One that never journaled (cen-hub init on a new machine, the
// hub lost; a new cluster's first member) knows none of it: "0 carried" was
// read as "none made" (a trial), and its empty registry is nobody's word.
// And it must be the backup's hub: their journals' hash chains agree at the
// last gseq both hold. Another hub's hub.db in the directory (a staging
// directory reused) would otherwise lend the restored journal its nodes and
// keys, which then receive its records (a review).
std::optional<common::Database> OpenReplaced(const std::string& path, common::Database& backup) {
  if (!fs::exists(path)) return std::nullopt;
  auto old = common::Database::Open(path, common::Database::Mode::kReadOnly);
  if (!old.ok()) return std::nullopt;
  auto schema = HubSchema::Version(*old);
  if (!schema.ok() || !schema->has_value() || **schema < 4 || **schema > HubSchema::kVersion)
    return std::nullopt;
  auto journaled = old->QueryInt("SELECT max(gseq) FROM journal");
  if (!journaled.ok() || journaled->value_or(0) == 0) return std::nullopt;
  auto backed_up = backup.QueryInt("SELECT max(gseq) FROM journal");
  if (!backed_up.ok() || backed_up->value_or(0) == 0) return std::nullopt;
  const int64_t both = std::min(**journaled, **backed_up);
  auto chain_at = [both](common::Database& db) -> std::optional<std::string> {
    auto st = db.Prepare("SELECT chain FROM journal WHERE gseq = ?");
    if (!st.ok()) return std::nullopt;
    st->Bind(1, both);
    auto row = st->Step();
    if (!row.ok() || !*row) return std::nullopt;
    return st->ColumnBlob(0);
  };
  const std::optional<std::string> ours = chain_at(backup);
  if (!ours || ours != chain_at(*old)) {
    spdlog::warn(
        "{} holds another journal than the backup's (their chains differ at gseq {}): its "
        "registry and operator cancels are not carried over",
        path, both);
    return std::nullopt;
  }
  return std::move(*old);
}

// The alerts the hub operator cancelled (cen-hub cancel-alert) that the
// replaced hub.db `old` holds and the restored one does not (the same
// request: time, user and alert): queued again in `restored`, so that the
// hub journals them anew, each under the uuid it had (offices remember the
// alerts they reacted to by uuid); no node re-offers them. Returns how many,
// or nullopt when `old` cannot be read (before schema 9 operator_cancels has
// no uuid: the journal's at the cancel's gseq). REQUIRES: a transaction open
// on `restored` (an error rolls every one of them back with it).
common::Result<std::optional<int64_t>> CarryOperatorCancels(common::Database& old,
                                                            common::Database& restored) {
  auto has_uuid_column = old.HasColumn("operator_cancels", "uuid");
  if (!has_uuid_column.ok()) return std::optional<int64_t>();
  const bool has_uuid = *has_uuid_column;
  // The journal's uuid only for a cancel of the operator's (a member that
  // closed a request noted the gseq of the origin's own cancel: a review).
  auto read = old.Prepare(std::string("SELECT o.at, o.os_user, o.alert, o.reason, ") +
                          (has_uuid ? "COALESCE(o.uuid, j.uuid)" : "j.uuid") +
                          " FROM operator_cancels o LEFT JOIN journal j ON j.gseq = o.gseq AND "
                          "j.origin = 'hub-operator' ORDER BY o.id");
  if (!read.ok()) return std::optional<int64_t>();
  auto known =
      restored.Prepare("SELECT 1 FROM operator_cancels WHERE at = ? AND os_user = ? AND alert = ?");
  auto write = restored.Prepare(
      "INSERT INTO operator_cancels(at, os_user, alert, reason, uuid) VALUES (?, ?, ?, ?, ?)");
  if (!known.ok()) return known.status();
  if (!write.ok()) return write.status();
  int64_t carried = 0;
  while (true) {
    auto row = read->Step();
    if (!row.ok()) return std::optional<int64_t>();
    if (!*row) break;
    const std::string at = read->ColumnText(0);
    const std::string user = read->ColumnText(1);
    const std::string alert = read->ColumnText(2);
    auto found = known->Bind(1, at).Bind(2, user).Bind(3, alert).Step();
    if (!found.ok()) return found.status();
    const bool there = *found;
    known->Reset();
    if (there) continue;
    write->Bind(1, at).Bind(2, user).Bind(3, alert).Bind(4, read->ColumnText(3));
    if (read->ColumnIsNull(4)) {
      write->BindNull(5);  // never journaled: Take() gives it one
    } else {
      write->Bind(5, read->ColumnText(4));
    }
    CEN_RETURN_IF_ERROR(write->Run());
    ++carried;
  }
  return std::optional<int64_t>(carried);
}

}  // namespace

common::Result<BackupSummary> HubBackup::Backup(const std::string& data_dir, const std::string& to,
                                                std::ostream& progress) {
  if (fs::exists(to))
    return common::AlreadyExists(to +
                                 " already exists; give a new file name (a backup never "
                                 "overwrites one)");
  auto src = HubSchema::OpenReadOnly(data_dir);
  if (!src.ok()) return src.status();
  // One read transaction for the whole copy: the pages of one commit.
  CEN_RETURN_IF_ERROR(src->Exec("BEGIN"));
  auto started = src->QueryInt("SELECT count(*) FROM meta");
  if (!started.ok()) return started.status();
  const std::string taken_at = common::Clock::NowRfc3339();

  const std::string partial = to + ".partial";
  CEN_RETURN_IF_ERROR(CreatePrivate(partial));
  auto fail = [&](common::Status status) {
    RemoveDatabaseFiles(partial);
    return status;
  };
  {
    auto dst = OpenOneFile(partial);
    if (!dst.ok()) return fail(dst.status());
    if (auto st = CopyPages(*src, *dst, &progress, "backup"); !st.ok()) return fail(st);
    (void)src->Exec("COMMIT");
    if (auto st = SetMeta(*dst, "backup_taken_at", taken_at); !st.ok()) return fail(st);
    // The copied header says WAL, as hub.db's does: one file again.
    if (auto st = dst->Exec("PRAGMA journal_mode=DELETE"); !st.ok()) return fail(st);
  }
  {
    auto copy = common::Database::Open(partial, common::Database::Mode::kReadOnly);
    if (!copy.ok()) return fail(copy.status());
    auto summary = Inspect(*copy, "the copy " + partial);
    if (!summary.ok()) return fail(summary.status());
    if (auto st = Sync(partial); !st.ok()) return fail(st);
    // link(2), not rename(2): it fails rather than replace a file made
    // at `to` since the check above.
    if (::link(partial.c_str(), to.c_str()) != 0) {
      const int err = errno;
      if (err == EEXIST)
        return fail(common::AlreadyExists(to + " already exists; give a new file name (a "
                                               "backup never overwrites one)"));
      return fail(common::Internal("cannot write " + to + ": " + std::strerror(err)));
    }
    RemoveDatabaseFiles(partial);
    if (auto st = Sync(DirOf(to)); !st.ok()) {
      std::error_code ec;
      fs::remove(to, ec);
      return st;
    }
    // The audit trail says a copy exists, and what it holds. The copy is
    // good whether or not this entry can be written.
    auto entry = [&]() -> common::Status {
      // A cluster member's audit trail changes only through the Raft log:
      // a row of its own would fork its chain from the others'.
      if (auto config = HubConfig::Load(data_dir); config.ok() && config->clustered())
        return common::Unavailable(
            "not audited: a cluster member's audit trail changes only through the Raft log");
      auto live = HubSchema::Open(data_dir);
      if (!live.ok()) return live.status();
      auto tx = live->Begin();
      if (!tx.ok()) return tx.status();
      CEN_RETURN_IF_ERROR(AuditTrail::Record(*live, AuditTrail::kAdmin, "",
                                             "backup to " + fs::absolute(to).string() +
                                                 ", head gseq " + std::to_string(summary->head) +
                                                 ", journal chain head " + summary->journal_head));
      return tx->Commit();
    }();
    if (!entry.ok()) summary->audit_problem = entry.message();
    return summary;
  }
}

common::Result<BackupSummary> HubBackup::Restore(const std::string& data_dir,
                                                 const std::string& from, std::string* kept_as,
                                                 bool keep_backup_registry) {
  kept_as->clear();
  // A hub data directory (made by cen-hub init, or kept with its keys).
  auto config = HubConfig::Load(data_dir);
  if (!config.ok()) return config.status();
  auto hub = common::InstanceLock::Acquire(data_dir, common::InstanceLock::kHub);
  if (!hub.ok())
    return common::Unavailable(hub.status().message() +
                               "; stop it (SIGTERM) before restoring its hub.db");
  // No connection at all to the hub.db replaced: its WAL must not stay
  // beside the restored file, nor grow after the checks below.
  auto alone = common::InstanceLock::Acquire(data_dir, common::InstanceLock::kHubStore);
  if (!alone.ok())
    return common::Unavailable("hub.db in " + data_dir +
                               " is open in another cen-hub command (status, verify, allow, "
                               "...); try again when it has finished");
  if (!fs::exists(from)) return common::NotFound(from + ": no such file");

  const std::string target = HubSchema::DbPath(data_dir);
  const std::string restoring = target + ".restoring";
  RemoveDatabaseFiles(restoring);  // left by a restore that failed: only restore makes it
  CEN_RETURN_IF_ERROR(CreatePrivate(restoring));
  auto fail = [&](common::Status status) {
    RemoveDatabaseFiles(restoring);
    return status;
  };
  // What the checks of the copy found is said of the file given.
  auto refuse = [&](const common::Status& status) {
    std::string why = status.message();
    if (const std::string copy = from + ": " + restoring; why.starts_with(copy))
      why = from + why.substr(copy.size());
    if (why.starts_with(restoring)) why = from + why.substr(restoring.size());
    if (why.ends_with("is not a cenhub hub database"))
      why += " (restore takes a file cen-hub backup made)";
    return fail(common::Status(status.code(), why));
  };

  {
    auto source = common::Database::Open(from, common::Database::Mode::kReadOnly);
    if (!source.ok()) return fail(source.status());
    auto copy = OpenOneFile(restoring);
    if (!copy.ok()) return fail(copy.status());
    if (auto st = CopyPages(*source, *copy, nullptr, "restore"); !st.ok()) return fail(st);
  }
  // What is checked is what goes in place: the copy, named by its source.
  BackupSummary checked;
  const std::string new_epoch = HubSchema::NewEpoch();
  {
    auto copy = common::Database::Open(restoring, common::Database::Mode::kReadWrite);
    if (!copy.ok()) return fail(copy.status());
    // A backup of an older schema is brought up to this one first.
    if (auto st = HubSchema::Upgrade(*copy); !st.ok())
      return refuse(common::Corruption(from + ": " + st.message()));
    auto inspected = Inspect(*copy, from);
    if (!inspected.ok()) return refuse(inspected.status());
    checked = *inspected;
    auto rewrite = [&]() -> common::Status {
      auto tx = copy->Begin();
      if (!tx.ok()) return tx.status();
      if (auto replaced = OpenReplaced(target, *copy)) {
        auto cancels = CarryOperatorCancels(*replaced, *copy);
        if (!cancels.ok()) return cancels.status();
        checked.cancels_carried = *cancels;
        // Kept the backup's: carried inside a savepoint rolled back, which
        // says what the restore undoes.
        if (keep_backup_registry) CEN_RETURN_IF_ERROR(copy->Exec("SAVEPOINT registry"));
        auto registry = RegistryCarry::Carry(*replaced, *copy);
        if (!registry.ok()) return registry.status();
        if (keep_backup_registry) {
          CEN_RETURN_IF_ERROR(copy->Exec("ROLLBACK TO registry; RELEASE registry"));
          // Revocations made since stay: a revoked key is often a stolen
          // one, which `allow` takes back only with --same-key (a review).
          std::vector<RegistryChange> undone;
          for (const RegistryChange& change : registry->value_or(std::vector<RegistryChange>{})) {
            if (change.kind != RegistryChange::Kind::kNodeRevoked) {
              undone.push_back(change);
              continue;
            }
            auto when = replaced->Prepare("SELECT revoked_at FROM nodes WHERE id = ?");
            if (!when.ok()) return when.status();
            when->Bind(1, change.subject);
            auto row = when->Step();
            if (!row.ok()) return row.status();
            auto revoke = copy->Prepare("UPDATE nodes SET revoked_at = ? WHERE id = ?");
            if (!revoke.ok()) return revoke.status();
            revoke->Bind(1, *row ? when->ColumnText(0) : common::Clock::NowRfc3339())
                .Bind(2, change.subject);
            CEN_RETURN_IF_ERROR(revoke->Run());
            checked.revocations_kept.push_back(change.subject);
          }
          if (*registry) checked.registry_undone = std::move(undone);
        } else {
          checked.registry_carried = *registry;
        }
      }
      CEN_RETURN_IF_ERROR(SetMeta(*copy, "epoch", new_epoch));
      // A cluster member's backup says which Raft entries it had applied: of
      // a log this directory does not have (a new cluster's entries would be
      // taken for those and skipped).
      CEN_RETURN_IF_ERROR(copy->Exec("DELETE FROM meta WHERE key = 'raft_applied'"));
      // Operator changes not yet made when the copy was taken: their
      // commands are long gone, and a member added or removed then would be
      // proposed to whatever cluster runs this copy.
      CEN_RETURN_IF_ERROR(copy->Exec("DELETE FROM admin_requests WHERE done_at IS NULL"));
      CEN_RETURN_IF_ERROR(SetMeta(*copy, "restored_at", common::Clock::NowRfc3339()));
      CEN_RETURN_IF_ERROR(SetMeta(*copy, "restored_from", fs::absolute(from).string()));
      CEN_RETURN_IF_ERROR(AuditTrail::Record(
          *copy, AuditTrail::kAdmin, "",
          "restore from " + fs::absolute(from).string() + " (taken " +
              (checked.taken_at.empty() ? std::string("at an unknown time") : checked.taken_at) +
              ", head gseq " + std::to_string(checked.head) + "), epoch " + checked.epoch + " -> " +
              new_epoch));
      const auto& changes =
          keep_backup_registry ? checked.registry_undone : checked.registry_carried;
      if (changes) {
        std::string said =
            (keep_backup_registry ? "registry of the backup kept (--registry backup), undoing "
                                  : "registry carried over from the replaced hub.db: ") +
            std::to_string(changes->size()) + " change(s) since the backup";
        const char* separator = ": ";
        for (const RegistryChange& change : *changes) {
          said += separator + RegistryCarry::Describe(change, /*translated=*/false);
          separator = "; ";
        }
        for (const std::string& node : checked.revocations_kept) {
          said += separator + ("node " + node + " stays revoked");
          separator = "; ";
        }
        CEN_RETURN_IF_ERROR(AuditTrail::Record(*copy, AuditTrail::kAdmin, "", said));
      }
      CEN_RETURN_IF_ERROR(tx->Commit());
      // One file, as the backup was: no WAL beside it when it is renamed.
      return copy->Exec("PRAGMA journal_mode=DELETE");
    }();
    if (!rewrite.ok()) return fail(rewrite);
  }
  if (auto st = Sync(restoring); !st.ok()) return fail(st);

  // The hub.db replaced stays, whole: its WAL folded in, a hard link to it
  // under a new name, then the restored file renamed over hub.db.
  bool wal_moved = false;
  std::string stamp = common::Clock::NowRfc3339();
  for (char& c : stamp)
    if (c == ':') c = '-';
  if (!fs::exists(target)) {
    // A WAL without its database (hub.db deleted by hand) would be replayed
    // into the restored file: it goes aside too.
    for (const char* suffix : {"-wal", "-shm"}) {
      std::error_code ec;
      if (!fs::exists(target + suffix)) continue;
      fs::rename(target + suffix, target + ".before-restore-" + stamp + suffix, ec);
      if (ec)
        return fail(common::Internal("cannot move " + target + suffix + " (left without its " +
                                     "hub.db) aside: " + ec.message() + "; nothing was changed"));
    }
  } else {
    const bool folded = Checkpoint(target);
    *kept_as = target + ".before-restore-" + stamp;
    std::error_code ec;
    fs::create_hard_link(target, *kept_as, ec);
    // Private as every copy of the journal (a hub.db made before 2026-12-06 was 0644).
    if (!ec) {
      fs::permissions(*kept_as, fs::perms::owner_read | fs::perms::owner_write, ec);
      std::error_code gone;
      if (ec) fs::remove(*kept_as, gone);
    }
    if (ec) {
      const std::string why = ec.message();
      kept_as->clear();
      return fail(common::Internal("cannot keep the current hub.db as " + target +
                                   ".before-restore-...: " + why + "; nothing was changed"));
    }
    std::error_code shm;
    if (folded) {
      fs::remove(target + "-wal", shm);
      fs::remove(target + "-shm", shm);
    } else if (fs::exists(target + "-wal")) {
      // A hub.db that cannot be checkpointed (damaged) keeps its WAL, under
      // the kept name: never beside the restored file.
      fs::rename(target + "-wal", *kept_as + "-wal", ec);
      if (ec) {
        fs::remove(*kept_as, shm);
        const std::string why = ec.message();
        kept_as->clear();
        return fail(common::Internal("cannot move the WAL of " + target + " aside: " + why +
                                     "; nothing was changed"));
      }
      wal_moved = true;
      fs::remove(target + "-shm", shm);
    }
  }
  std::error_code ec;
  fs::rename(restoring, target, ec);
  if (ec) {
    std::error_code back;
    if (wal_moved) fs::rename(*kept_as + "-wal", target + "-wal", back);
    if (!kept_as->empty()) fs::remove(*kept_as, back);
    kept_as->clear();
    return fail(common::Internal("cannot rename " + restoring + " to " + target + ": " +
                                 ec.message() + "; hub.db is as it was"));
  }
  CEN_RETURN_IF_ERROR(Sync(data_dir));

  checked.epoch = new_epoch;
  return checked;
}

}  // namespace cen::hub
