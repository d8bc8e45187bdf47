#include "node/agent/agent_doorbell.h"

#include <poll.h>

#include <catch2/catch.hpp>
#include <string>

#include "tests/test_support/temp_dir.h"

using cen::node::AgentDoorbell;
using cen::test::TempDir;

namespace {

bool Readable(const AgentDoorbell& bell, int timeout_ms) {
  pollfd p{bell.fd(), POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

}  // namespace

TEST_CASE("AgentDoorbell wakes the agent of the same data directory only", "[node][doorbell]") {
  TempDir a;
  TempDir b;
  auto bell = AgentDoorbell::Listen(a.path());
  REQUIRE(bell.ok());
  CHECK_FALSE(Readable(*bell, 0));

  AgentDoorbell::Ring(b.path());  // another node: nobody listens there, nothing happens
  CHECK_FALSE(Readable(*bell, 50));

  AgentDoorbell::Ring(a.path());
  AgentDoorbell::Ring(a.path());
  CHECK(Readable(*bell, 1000));
  bell->Clear();
  CHECK_FALSE(Readable(*bell, 0));

  SECTION("a command about to write is told from one that queued records, in ring order") {
    AgentDoorbell::Ring(a.path(), AgentDoorbell::Bell::kAboutToWrite);
    REQUIRE(Readable(*bell, 1000));
    AgentDoorbell::Heard heard = bell->Clear();
    CHECK(heard.waiting);
    CHECK_FALSE(heard.queued);
    // submit: a knock, then its commit's ring: nothing waits any more.
    AgentDoorbell::Ring(a.path(), AgentDoorbell::Bell::kAboutToWrite);
    AgentDoorbell::Ring(a.path());
    REQUIRE(Readable(*bell, 1000));
    heard = bell->Clear();
    CHECK_FALSE(heard.waiting);
    CHECK(heard.queued);
    // One submit done, the next about to write.
    AgentDoorbell::Ring(a.path());
    AgentDoorbell::Ring(a.path(), AgentDoorbell::Bell::kAboutToWrite);
    REQUIRE(Readable(*bell, 1000));
    heard = bell->Clear();
    CHECK(heard.waiting);
    CHECK(heard.queued);
    CHECK_FALSE(Readable(*bell, 0));
  }
  SECTION("a socket left by a killed agent is replaced") {
    // The old one is still bound here; a new agent (after InstanceLock) takes over.
    auto next = AgentDoorbell::Listen(a.path());
    REQUIRE(next.ok());
    AgentDoorbell::Ring(a.path());
    CHECK(Readable(*next, 1000));
  }
  SECTION("a data directory too long for a Unix socket is refused, ringing it is harmless") {
    const std::string long_dir = a.path() + "/" + std::string(120, 'x');
    CHECK_FALSE(AgentDoorbell::Listen(long_dir).ok());
    AgentDoorbell::Ring(long_dir);
  }
}
