// A slow disk for SQLite, in a test's process: while a SlowSyncVfs lives, it
// is the default VFS, and every sync of a main database file (what a
// checkpoint does after copying the log back; a WAL commit syncs the log, not
// the database) takes set_delay() longer (none at first). Everything else is
// the default VFS's.
//
//   cen::test::SlowSyncVfs slow;
//   auto db = Database::Open(path, ...);  // opened while `slow` lives
//   slow.set_delay(std::chrono::seconds(3));
//
// One at a time; not for connections that outlive it.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace cen::test {

class SlowSyncVfs {
 public:
  SlowSyncVfs() {
    real_ = sqlite3_vfs_find(nullptr);
    REQUIRE(real_ != nullptr);
    // Its files' methods are forwarded as version 3 (shared memory, mmap):
    // the "unix" VFS's are; the dot-file and flock variants' are not.
    REQUIRE(std::string(real_->zName) == "unix");
    delay_ms_ = 0;
    syncs_ = 0;
    vfs_ = *real_;
    vfs_.zName = "cen-test-slow-sync";
    vfs_.szOsFile = static_cast<int>(sizeof(File)) + real_->szOsFile;
    vfs_.xOpen = &OpenFile;
    REQUIRE(sqlite3_vfs_register(&vfs_, /*makeDflt=*/1) == SQLITE_OK);
  }
  ~SlowSyncVfs() {
    sqlite3_vfs_unregister(&vfs_);
    sqlite3_vfs_register(real_, /*makeDflt=*/1);
  }
  SlowSyncVfs(const SlowSyncVfs&) = delete;
  SlowSyncVfs& operator=(const SlowSyncVfs&) = delete;

  void set_delay(std::chrono::milliseconds delay) { delay_ms_ = delay.count(); }
  // Syncs of a main database file so far.
  static int syncs() { return syncs_; }

 private:
  // Ours first, then the default VFS's file (szOsFile covers both).
  struct File {
    sqlite3_file base;
    sqlite3_file* real;
    bool main_db;
  };

  // One SlowSyncVfs at a time: SQLite's callbacks reach these.
  static inline sqlite3_vfs* real_ = nullptr;       // the default VFS it wraps
  static inline std::atomic<int64_t> delay_ms_{0};  // set_delay()
  static inline std::atomic<int> syncs_{0};
  static sqlite3_file* RealOf(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }

  static int OpenFile(sqlite3_vfs* /*vfs*/, const char* name, sqlite3_file* f, int flags,
                      int* out_flags) {
    auto* file = reinterpret_cast<File*>(f);
    file->real = reinterpret_cast<sqlite3_file*>(file + 1);
    file->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
    const int rc = real_->xOpen(real_, name, file->real, flags, out_flags);
    // A file the default VFS could not open has no methods: nor has ours.
    file->base.pMethods = file->real->pMethods != nullptr ? &Methods() : nullptr;
    return rc;
  }

  static int Sync(sqlite3_file* f, int flags) {
    if (reinterpret_cast<File*>(f)->main_db) {
      ++syncs_;
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_.load()));
    }
    return RealOf(f)->pMethods->xSync(RealOf(f), flags);
  }

  // Everything but xSync goes to the default VFS's file as it is.
  static const sqlite3_io_methods& Methods() {
    static const sqlite3_io_methods methods = {
        3,
        [](sqlite3_file* f) { return RealOf(f)->pMethods->xClose(RealOf(f)); },
        [](sqlite3_file* f, void* out, int n, sqlite3_int64 at) {
          return RealOf(f)->pMethods->xRead(RealOf(f), out, n, at);
        },
        [](sqlite3_file* f, const void* in, int n, sqlite3_int64 at) {
          return RealOf(f)->pMethods->xWrite(RealOf(f), in, n, at);
        },
        [](sqlite3_file* f, sqlite3_int64 size) {
          return RealOf(f)->pMethods->xTruncate(RealOf(f), size);
        },
        &Sync,
        [](sqlite3_file* f, sqlite3_int64* size) {
          return RealOf(f)->pMethods->xFileSize(RealOf(f), size);
        },
        [](sqlite3_file* f, int lock) { return RealOf(f)->pMethods->xLock(RealOf(f), lock); },
        [](sqlite3_file* f, int lock) { return RealOf(f)->pMethods->xUnlock(RealOf(f), lock); },
        [](sqlite3_file* f, int* out) {
          return RealOf(f)->pMethods->xCheckReservedLock(RealOf(f), out);
        },
        [](sqlite3_file* f, int op, void* arg) {
          return RealOf(f)->pMethods->xFileControl(RealOf(f), op, arg);
        },
        [](sqlite3_file* f) { return RealOf(f)->pMethods->xSectorSize(RealOf(f)); },
        [](sqlite3_file* f) { return RealOf(f)->pMethods->xDeviceCharacteristics(RealOf(f)); },
        [](sqlite3_file* f, int page, int size, int extend, void volatile** out) {
          return RealOf(f)->pMethods->xShmMap(RealOf(f), page, size, extend, out);
        },
        [](sqlite3_file* f, int offset, int n, int flags) {
          return RealOf(f)->pMethods->xShmLock(RealOf(f), offset, n, flags);
        },
        [](sqlite3_file* f) { RealOf(f)->pMethods->xShmBarrier(RealOf(f)); },
        [](sqlite3_file* f, int delete_flag) {
          return RealOf(f)->pMethods->xShmUnmap(RealOf(f), delete_flag);
        },
        [](sqlite3_file* f, sqlite3_int64 at, int n, void** out) {
          return RealOf(f)->pMethods->xFetch(RealOf(f), at, n, out);
        },
        [](sqlite3_file* f, sqlite3_int64 at, void* p) {
          return RealOf(f)->pMethods->xUnfetch(RealOf(f), at, p);
        },
    };
    return methods;
  }

  sqlite3_vfs vfs_{};
};

}  // namespace cen::test
