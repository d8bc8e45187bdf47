#include "common/write_behind.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "common/sqlite_db.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::common::WriteBehind;
using cen::test::RequireOk;
using cen::test::TempDir;

namespace {

// cachestat(2) (Linux 6.5; not in Debian 12's headers): a file's pages in
// memory, dirty and under writeback.
struct CachestatRange {
  uint64_t off;
  uint64_t len;
};
struct Cachestat {
  uint64_t nr_cache;
  uint64_t nr_dirty;
  uint64_t nr_writeback;
  uint64_t nr_evicted;
  uint64_t nr_recently_evicted;
};
constexpr long kCachestat = 451;

// Pages of `path` not yet on the disk (dirty or being written), or nullopt
// when the kernel cannot tell.
std::optional<uint64_t> Unwritten(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  CachestatRange range{0, 0};  // the whole file
  Cachestat st{};
  const long rc = ::syscall(kCachestat, fd, &range, &st, 0);
  ::close(fd);
  if (rc != 0) return std::nullopt;
  return st.nr_dirty + st.nr_writeback;
}

// `mib` MiB written to `path` (appended), never synced.
void WriteUnsynced(const std::string& path, int mib) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  std::string block(1 << 20, '\0');
  for (int i = 0; i < mib; ++i) {
    for (size_t j = 0; j < block.size(); j += 8) block[j] = static_cast<char>(i * 31 + j);
    REQUIRE(::write(fd, block.data(), block.size()) == static_cast<ssize_t>(block.size()));
  }
  ::close(fd);
}

// Waits up to 20 s until every page of `path` is on the disk.
bool AwaitWritten(const std::string& path) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Unwritten(path).value_or(1) == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Whether a descriptor of this process still holds a deleted file.
bool HoldsDeleted() {
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(entry.path(), ec);
    if (!ec && target.string().ends_with(" (deleted)")) return true;
  }
  return false;
}

// Whether some lock (a POSIX one of this very process included) covers
// SQLite's SHARED byte range of the file open as `fd`: an open WAL-mode
// connection holds it, and a connection that closes deletes the log when it
// can take it. `fd` must stay open while SQLite's connections are: closing
// it would drop their locks too.
bool SharedRangeLocked(int fd) {
  constexpr off_t kPendingByte = 0x40000000;  // SQLite's lock bytes (os.h)
  struct flock probe {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  probe.l_start = kPendingByte + 2;                // SHARED_FIRST
  probe.l_len = 510;                               // SHARED_SIZE
  REQUIRE(::fcntl(fd, F_OFD_GETLK, &probe) == 0);  // conflicts with POSIX locks
  return probe.l_type != F_UNLCK;
}

}  // namespace

// Closing any descriptor of a file drops every POSIX lock the process holds
// on it: a write-behind that opened and closed node.db itself would leave
// the agent's connection without its SHARED lock, and the next reader to
// close would delete the log under it. Only the log (which SQLite does not
// lock) is written behind.
TEST_CASE("WriteBehind for a database leaves the connection's locks alone",
          "[common][write_behind]") {
  TempDir tmp;
  const std::string path = tmp.File("node.db");
  {
    auto db = Database::Open(path, Database::Mode::kReadWriteCreate);
    REQUIRE(db.ok());
    RequireOk(db->Exec("CREATE TABLE t(x)"));
  }
  const int probe = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // before any connection
  REQUIRE(probe >= 0);
  {
    auto db = Database::Open(path, Database::Mode::kReadWrite);
    REQUIRE(db.ok());
    RequireOk(db->Exec("INSERT INTO t VALUES (1)"));
    REQUIRE(SharedRangeLocked(probe));  // held for the connection's life
    auto behind = WriteBehind::ForDatabase(path);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (behind->passes() < 2 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(behind->passes() >= 2);
    behind.reset();  // closes its descriptors
    CHECK(SharedRangeLocked(probe));
  }
  ::close(probe);  // after the connection: no lock of it left to drop
}

// Linux keeps written pages in memory until they are 30 s old (or 10 % of
// RAM is dirty): without a write-behind these stay dirty for the whole test.
TEST_CASE("WriteBehind has a file's dirty pages written while nobody syncs it",
          "[common][write_behind]") {
  TempDir tmp;
  const std::string path = tmp.File("log");
  WriteUnsynced(path, 16);
  const auto before = Unwritten(path);
  if (!before) {
    WARN("cachestat(2) is not available (Linux < 6.5): nothing to observe");
    return;
  }
  if (*before == 0) {  // tmpfs, say: its pages are never dirty in the page cache's sense
    WARN("the file's pages were never dirty here: nothing to observe");
    return;
  }
  auto behind = WriteBehind::Start({path}, std::chrono::milliseconds(20));
  CHECK(AwaitWritten(path));
  // Written on: what is appended later goes out too.
  WriteUnsynced(path, 8);
  CHECK(AwaitWritten(path));
  CHECK(behind->passes() >= 2);
}

TEST_CASE("WriteBehind finds a file created after it started, and one that replaced it",
          "[common][write_behind]") {
  TempDir tmp;
  const std::string path = tmp.File("node.db-wal");
  auto behind = WriteBehind::Start({path, tmp.File("never")}, std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(behind->passes() == 0);  // nothing to ask for yet

  WriteUnsynced(path, 4);
  const bool observable = Unwritten(path).has_value();
  if (observable) CHECK(AwaitWritten(path));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (behind->passes() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(behind->passes() > 0);

  // A new log at the same path (SQLite deletes the log when the last
  // connection closes; the next one creates it): the old one's blocks are
  // let go, the new one is written behind.
  std::filesystem::remove(path);
  WriteUnsynced(path, 4);
  if (observable) CHECK(AwaitWritten(path));
  const auto let_go = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (HoldsDeleted() && std::chrono::steady_clock::now() < let_go)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK_FALSE(HoldsDeleted());

  std::filesystem::remove(path);  // gone, and not created again
  behind.reset();
  CHECK_FALSE(HoldsDeleted());
}
