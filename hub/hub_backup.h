// `cen-hub backup` and `cen-hub restore`: hub.db copied while the hub runs,
// and put back under a new epoch.
//
//   auto copy = HubBackup::Backup("/srv/hub", "/backup/hub-1201.db", std::cerr);
//   ...                                   // the disk dies; cen-hub init on a new one
//   auto restored = HubBackup::Restore("/srv/hub", "/backup/hub-1201.db");
//
// A restored journal ends where the backup was taken, but the nodes have
// applied, and acknowledged, what the hub journaled after it. Under the same
// epoch they could not always tell (PROTOCOL.md §10): the gseqs after the
// backup's head now name other records. Restore therefore gives hub.db a new
// epoch: at their next WELCOME the nodes rebuild their replicas from the
// restored journal and offer their own records again, which journals those
// the backup lacks (exactly once: the backup's own are answered DUP).
// Thread-safe (no state).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "hub/registry_carry.h"

namespace cen::hub {

// What a backup file holds.
struct BackupSummary {
  int64_t head = 0;  // the journal's last gseq
  int64_t journal_rows = 0;
  int64_t audit_rows = 0;
  std::string journal_head;  // hex link of the journal's last row (cen-hub verify)
  std::string audit_head;
  std::string epoch;     // the backup's epoch; after Restore, the new one
  std::string taken_at;  // when the backup was taken (RFC 3339)
  // Backup: why the audit entry saying so could not be written ("" when it was).
  std::string audit_problem;
  // Restore: how many alert cancels the hub operator made after the backup
  // were queued again from the hub.db replaced; nullopt when it could not
  // be read (or there was none).
  std::optional<int64_t> cancels_carried;
  // Restore: how the registry (nodes, groups) carried over from the hub.db
  // replaced differs from the backup's; nullopt when it could not be read
  // (or there was none): the registry is then the backup's.
  std::optional<std::vector<RegistryChange>> registry_carried;
  // Restore with the backup's registry asked for (`keep_backup_registry`):
  // what the hub.db replaced had changed since the backup, undone; nullopt
  // as above.
  std::optional<std::vector<RegistryChange>> registry_undone;
  // Restore with the backup's registry: nodes revoked since the backup,
  // which stay revoked (a revoked key is often a stolen one).
  std::vector<std::string> revocations_kept;
};

class HubBackup {
 public:
  // Copies DATA_DIR/hub.db into the new file `to` with SQLite's online backup
  // inside one read transaction: the copy is hub.db as one commit left it,
  // also while the hub writes (it never waits for the copy). The copy is one
  // self-contained file (no -wal); its hash chains are checked before it is
  // synced and renamed to `to`. Writes progress lines to `progress` for a
  // large hub.db. Fails with kAlreadyExists if `to` exists, and leaves no file.
  static common::Result<BackupSummary> Backup(const std::string& data_dir, const std::string& to,
                                              std::ostream& progress);

  // Replaces DATA_DIR/hub.db by the backup `from` under a new epoch, with an
  // audit entry. The hub must be stopped (kUnavailable otherwise). `from` is
  // checked first: a hub database of this schema, SQLite's quick_check, and
  // both hash chains intact; anything else is refused and changes nothing.
  // The hub.db replaced, if any, is kept (its WAL checkpointed into it) as
  // hub.db.before-restore-STAMP; *kept_as says its path ("" if none). When
  // it has journaled (it is this hub's, not a new directory's), the restored
  // copy takes its registry (RegistryCarry) and the alert cancels the
  // operator made after the backup, before it is put in place; with
  // `keep_backup_registry` the registry stays the backup's (to undo a
  // registry change made since) and the summary says what that undoes.
  static common::Result<BackupSummary> Restore(const std::string& data_dir, const std::string& from,
                                               std::string* kept_as,
                                               bool keep_backup_registry = false);
};

}  // namespace cen::hub
