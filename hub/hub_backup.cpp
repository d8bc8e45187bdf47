#include "hub/hub_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
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
constexpr int kProgressFromPages = 25600;  // 100 MiB of 4 KiB pages

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
// every record of every handling code.
common::Status CreatePrivate(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return common::Internal("cannot create " + path + ": " + std::strerror(errno));
  const bool ok = ::fchmod(fd, 0600) == 0;
  ::close(fd);
  if (!ok) return common::Internal("cannot make " + path + " private: " + std::strerror(errno));
  return common::Status::Ok();
}

std::string DirOf(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

// Copies every page of `src` (as its open read transaction, if any, sees
// them) into `dst`, replacing what `dst` held.
common::Status CopyPages(common::Database& src, common::Database& dst, std::ostream* progress,
                         const std::string& what) {
  sqlite3_backup* backup = sqlite3_backup_init(dst.handle(), "main", src.handle(), "main");
  if (backup == nullptr) return dst.Error("backup of " + src.path());
  int rc = SQLITE_OK;
  int shown = 0;  // tenths of the whole shown so far
  while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    rc = sqlite3_backup_step(backup, kPagesPerStep);
    const int total = sqlite3_backup_pagecount(backup);
    const int done = total - sqlite3_backup_remaining(backup);
    if (progress != nullptr && total >= kProgressFromPages && done * 10 / total > shown) {
      shown = done * 10 / total;
      *progress << what << ": " << shown * 10 << "% (" << done << " of " << total << " pages)\n"
                << std::flush;
    }
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(10);
  }
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE)
    return common::Internal(what + ": " + sqlite3_errstr(rc) + " (copying " + src.path() + ")");
  return common::Status::Ok();
}

// Reads what a hub database holds and checks it: this schema, SQLite's
// quick_check, both hash chains. Errors name `name`.
common::Result<BackupSummary> Inspect(common::Database& db, const std::string& name) {
  CEN_RETURN_IF_ERROR(HubSchema::Check(db));
  auto check = db.Prepare("PRAGMA quick_check");
  if (!check.ok()) return check.status();
  auto row = check->Step();
  if (!row.ok()) return common::Corruption(name + ": " + row.status().message());
  const std::string verdict = *row ? check->ColumnText(0) : "no answer";
  if (verdict != "ok")
    return common::Corruption(name + " is damaged (quick_check: " + verdict + ")");
  auto report = ChainVerifier::Verify(db);
  if (!report.ok()) return report.status();
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
// then have to move with it.
bool Checkpoint(const std::string& path) {
  auto db = common::Database::Open(path, common::Database::Mode::kReadWrite);
  return db.ok() && db->Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok();
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
  std::error_code ec;
  fs::remove(partial, ec);
  auto cleanup = [&](common::Status status) {
    fs::remove(partial, ec);
    fs::remove(partial + "-wal", ec);
    fs::remove(partial + "-shm", ec);
    return status;
  };
  if (auto st = CreatePrivate(partial); !st.ok()) return cleanup(st);
  {
    auto dst = common::Database::Open(partial, common::Database::Mode::kReadWrite);
    if (!dst.ok()) return cleanup(dst.status());
    if (auto st = CopyPages(*src, *dst, &progress, "backup"); !st.ok()) return cleanup(st);
    (void)src->Exec("COMMIT");
    if (auto st = SetMeta(*dst, "backup_taken_at", taken_at); !st.ok()) return cleanup(st);
    // One self-contained file: the WAL folded in and removed.
    if (auto st = dst->Exec("PRAGMA journal_mode=DELETE"); !st.ok()) return cleanup(st);
  }
  auto copy = common::Database::Open(partial, common::Database::Mode::kReadOnly);
  if (!copy.ok()) return cleanup(copy.status());
  auto summary = Inspect(*copy, "the copy " + partial);
  if (!summary.ok()) return cleanup(summary.status());
  if (auto st = Sync(partial); !st.ok()) return cleanup(st);
  fs::rename(partial, to, ec);
  if (ec)
    return cleanup(
        common::Internal("cannot rename " + partial + " to " + to + ": " + ec.message()));
  CEN_RETURN_IF_ERROR(Sync(DirOf(to)));

  // The audit trail says a copy exists, and what it holds.
  auto live = HubSchema::Open(data_dir);
  if (!live.ok()) return live.status();
  auto tx = live->Begin();
  if (!tx.ok()) return tx.status();
  CEN_RETURN_IF_ERROR(AuditTrail::Record(*live, AuditTrail::kAdmin, "",
                                         "backup to " + fs::absolute(to).string() + ", head gseq " +
                                             std::to_string(summary->head) +
                                             ", journal chain head " + summary->journal_head));
  CEN_RETURN_IF_ERROR(tx->Commit());
  return summary;
}

common::Result<BackupSummary> HubBackup::Restore(const std::string& data_dir,
                                                 const std::string& from, std::string* kept_as) {
  kept_as->clear();
  // A hub data directory (made by cen-hub init, or kept with its keys).
  auto config = HubConfig::Load(data_dir);
  if (!config.ok()) return config.status();
  auto lock = common::InstanceLock::Acquire(data_dir, common::InstanceLock::kHub);
  if (!lock.ok())
    return common::Unavailable(lock.status().message() +
                               "; stop it (SIGTERM) before restoring its hub.db");
  if (!fs::exists(from)) return common::NotFound(from + ": no such file");

  auto source = common::Database::Open(from, common::Database::Mode::kReadOnly);
  if (!source.ok()) return source.status();
  auto checked = Inspect(*source, from);
  if (!checked.ok()) return checked.status();

  const std::string target = HubSchema::DbPath(data_dir);
  const std::string restoring = target + ".restoring";
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(restoring + suffix, ec);
  const std::string new_epoch = HubSchema::NewEpoch();
  CEN_RETURN_IF_ERROR(CreatePrivate(restoring));
  {
    auto copy = common::Database::Open(restoring, common::Database::Mode::kReadWrite);
    if (!copy.ok()) return copy.status();
    CEN_RETURN_IF_ERROR(CopyPages(*source, *copy, nullptr, "restore"));
    auto tx = copy->Begin();
    if (!tx.ok()) return tx.status();
    CEN_RETURN_IF_ERROR(SetMeta(*copy, "epoch", new_epoch));
    CEN_RETURN_IF_ERROR(SetMeta(*copy, "restored_at", common::Clock::NowRfc3339()));
    CEN_RETURN_IF_ERROR(SetMeta(*copy, "restored_from", fs::absolute(from).string()));
    CEN_RETURN_IF_ERROR(AuditTrail::Record(
        *copy, AuditTrail::kAdmin, "",
        "restore from " + fs::absolute(from).string() + " (taken " +
            (checked->taken_at.empty() ? std::string("at an unknown time") : checked->taken_at) +
            ", head gseq " + std::to_string(checked->head) + "), epoch " + checked->epoch + " -> " +
            new_epoch));
    CEN_RETURN_IF_ERROR(tx->Commit());
    CEN_RETURN_IF_ERROR(copy->Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  }
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(restoring + suffix, ec);
  CEN_RETURN_IF_ERROR(Sync(restoring));

  // The hub.db replaced stays, whole: a hard link to it under a new name,
  // then the restored file renamed over hub.db. At every moment hub.db is
  // one whole database, the old or the restored one.
  if (fs::exists(target)) {
    const bool folded = Checkpoint(target);
    std::string stamp = common::Clock::NowRfc3339();
    for (char& c : stamp)
      if (c == ':') c = '-';
    *kept_as = target + ".before-restore-" + stamp;
    fs::create_hard_link(target, *kept_as, ec);
    if (ec)
      return common::Internal("cannot keep the current hub.db as " + *kept_as + ": " +
                              ec.message() + "; nothing was changed");
    if (!folded) {
      for (const char* suffix : {"-wal", "-shm"}) {
        if (fs::exists(target + suffix)) fs::rename(target + suffix, *kept_as + suffix, ec);
      }
    }
  }
  fs::rename(restoring, target, ec);
  if (ec)
    return common::Internal("cannot rename " + restoring + " to " + target + ": " + ec.message());
  CEN_RETURN_IF_ERROR(Sync(data_dir));

  BackupSummary restored = *checked;
  restored.epoch = new_epoch;
  return restored;
}

}  // namespace cen::hub
