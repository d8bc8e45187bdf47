// node.db's write lock for an urgent alert, before a whole drop file.
// A drop file is one transaction (all or nothing) that holds node.db's write
// lock for as long as it is read: about 10 s for a million rows. A writer with
// an urgent alert (the agent applying one from the hub, `cen-node submit`
// queueing one) claims the lock first; an import sees the
// claim within a few milliseconds, rolls its transaction back, waits until no
// one claims, and reads the file again from its start (DropImporter). The
// claim is a shared flock on DATA/urgent.claim: any number of claimants, and
// the kernel drops a dead process's claim.
//
//   UrgentClaim claim(data_dir);
//   claim.Hold();                      // the claimant, before its write
//   ... write the alert ...
//   claim.Release();
//
//   UrgentClaim look(data_dir);        // the importer, every few rows
//   if (look.OthersHold()) { roll back; look.WaitFree(limit); start again; }
//
// Best effort: a claim file that cannot be made claims nothing (the alert
// then waits for the import, as before). Not thread-safe; one object per
// thread, any number per process (flock locks belong to the open file).
#pragma once

#include <chrono>
#include <string>

namespace cen::node {

class UrgentClaim {
 public:
  static constexpr const char* kFile = "urgent.claim";

  explicit UrgentClaim(const std::string& data_dir);
  UrgentClaim(const UrgentClaim&) = delete;
  UrgentClaim& operator=(const UrgentClaim&) = delete;
  ~UrgentClaim();

  // Claims node.db's write lock until Release() (shared with other claimants;
  // waits only for an importer's instant look).
  void Hold();
  void Release();
  bool held() const { return held_; }
  // Someone else claims now: one flock(2) call. Not while this one holds.
  bool OthersHold();
  // Waits until no one claims, for at most `limit`; false when it ran out.
  bool WaitFree(std::chrono::milliseconds limit);

 private:
  bool Open();

  std::string path_;
  int fd_ = -1;
  bool held_ = false;
};

}  // namespace cen::node
