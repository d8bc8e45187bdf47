#include "common/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "tests/test_support/temp_dir.h"

using cen::common::InstanceLock;
using cen::common::StatusCode;
using cen::test::TempDir;

TEST_CASE("InstanceLock allows one agent per data directory", "[common][lock]") {
  TempDir tmp;
  CHECK_FALSE(InstanceLock::IsHeld(tmp.path(), InstanceLock::kAgent));  // no lock file yet

  {
    auto first = InstanceLock::Acquire(tmp.path(), InstanceLock::kAgent);
    REQUIRE(first.ok());
    CHECK(InstanceLock::IsHeld(tmp.path(), InstanceLock::kAgent));

    auto second = InstanceLock::Acquire(tmp.path(), InstanceLock::kAgent);
    REQUIRE_FALSE(second.ok());
    CHECK(second.status().code() == StatusCode::kUnavailable);
    CHECK_THAT(second.status().message(), Catch::Contains(tmp.path()));
    CHECK(InstanceLock::IsHeld(tmp.path(),
                               InstanceLock::kAgent));  // the failed attempt did not drop it

    // Moving the lock keeps it held.
    std::optional<InstanceLock> moved(std::move(*first));
    CHECK(InstanceLock::IsHeld(tmp.path(), InstanceLock::kAgent));
    moved.reset();
    CHECK_FALSE(InstanceLock::IsHeld(tmp.path(), InstanceLock::kAgent));
  }

  // Released: the lock file stays, but nobody holds it and it can be taken again.
  CHECK_FALSE(InstanceLock::IsHeld(tmp.path(), InstanceLock::kAgent));
  auto again = InstanceLock::Acquire(tmp.path(), InstanceLock::kAgent);
  REQUIRE(again.ok());
  CHECK(InstanceLock::IsHeld(tmp.path(), InstanceLock::kAgent));
}

TEST_CASE("The hub's lock and the agent's are separate files", "[common][lock]") {
  TempDir tmp;
  auto hub = InstanceLock::Acquire(tmp.path(), InstanceLock::kHub);
  REQUIRE(hub.ok());
  CHECK(InstanceLock::IsHeld(tmp.path(), InstanceLock::kHub));
  CHECK_FALSE(InstanceLock::IsHeld(tmp.path(), InstanceLock::kAgent));
  auto second = InstanceLock::Acquire(tmp.path(), InstanceLock::kHub);
  REQUIRE_FALSE(second.ok());
  CHECK_THAT(second.status().message(), Catch::Contains("another cen-hub already runs on"));
}

TEST_CASE("InstanceLock reports a directory it cannot use", "[common][lock]") {
  TempDir tmp;
  auto lock = InstanceLock::Acquire(tmp.File("missing"), InstanceLock::kAgent);
  REQUIRE_FALSE(lock.ok());
  CHECK(lock.status().code() == StatusCode::kInternal);
  CHECK_FALSE(InstanceLock::IsHeld(tmp.File("missing"), InstanceLock::kAgent));
}

TEST_CASE("An agent starting while another command asks IsHeld still takes its lock",
          "[common][lock]") {
  // IsHeld takes the lock shared for an instant: `cen-node drop` asks it, and
  // an agent starting in that instant must not conclude another one runs.
  TempDir tmp;
  REQUIRE(InstanceLock::Acquire(tmp.path(), InstanceLock::kAgent).ok());  // makes the file
  const std::string path = tmp.path() + "/" + InstanceLock::kAgent.file;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_SH | LOCK_NB) == 0);  // a probe, caught in its instant
  std::thread prober([fd] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ::close(fd);
  });
  auto lock = InstanceLock::Acquire(tmp.path(), InstanceLock::kAgent);
  prober.join();
  CHECK(lock.ok());
}
