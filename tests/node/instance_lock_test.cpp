#include "node/store/instance_lock.h"

#include <catch2/catch.hpp>
#include <optional>
#include <utility>

#include "tests/test_support/temp_dir.h"

using cen::common::StatusCode;
using cen::node::InstanceLock;
using cen::test::TempDir;

TEST_CASE("InstanceLock allows one agent per data directory", "[node][lock]") {
  TempDir tmp;
  CHECK_FALSE(InstanceLock::IsHeld(tmp.path()));  // no lock file yet

  {
    auto first = InstanceLock::Acquire(tmp.path());
    REQUIRE(first.ok());
    CHECK(InstanceLock::IsHeld(tmp.path()));

    auto second = InstanceLock::Acquire(tmp.path());
    REQUIRE_FALSE(second.ok());
    CHECK(second.status().code() == StatusCode::kUnavailable);
    CHECK_THAT(second.status().message(), Catch::Contains(tmp.path()));
    CHECK(InstanceLock::IsHeld(tmp.path()));  // the failed attempt did not drop it

    // Moving the lock keeps it held.
    std::optional<InstanceLock> moved(std::move(*first));
    CHECK(InstanceLock::IsHeld(tmp.path()));
    moved.reset();
    CHECK_FALSE(InstanceLock::IsHeld(tmp.path()));
  }

  // Released: the lock file stays, but nobody holds it and it can be taken again.
  CHECK_FALSE(InstanceLock::IsHeld(tmp.path()));
  auto again = InstanceLock::Acquire(tmp.path());
  REQUIRE(again.ok());
  CHECK(InstanceLock::IsHeld(tmp.path()));
}

TEST_CASE("InstanceLock reports a directory it cannot use", "[node][lock]") {
  TempDir tmp;
  auto lock = InstanceLock::Acquire(tmp.File("missing"));
  REQUIRE_FALSE(lock.ok());
  CHECK(lock.status().code() == StatusCode::kInternal);
  CHECK_FALSE(InstanceLock::IsHeld(tmp.File("missing")));
}
