#include "common/store_health.h"

#include <catch2/catch.hpp>
#include <chrono>

using cen::common::Internal;
using cen::common::StoreHealth;
using namespace std::chrono_literals;

TEST_CASE("StoreHealth backs off after a failure and resets on success", "[common][health]") {
  StoreHealth health("node.db");
  const auto t0 = StoreHealth::Clock::now();
  CHECK(health.healthy());
  CHECK(health.MayTry(t0));
  CHECK(health.cause().empty());

  health.Failed(Internal("sqlite: database or disk is full (in: COMMIT)"), t0);
  CHECK_FALSE(health.healthy());
  CHECK(health.cause().rfind("node.db: sqlite: database or disk is full", 0) == 0);
  CHECK(health.cause().find("(since 20") != std::string::npos);
  CHECK_FALSE(health.MayTry(t0 + 500ms));
  CHECK(health.MayTry(t0 + 1s));

  // Each failure doubles the wait, up to 10 s.
  auto t = t0 + 1s;
  health.Failed(Internal("sqlite: database or disk is full (in: COMMIT)"), t);
  CHECK_FALSE(health.MayTry(t + 1500ms));
  CHECK(health.MayTry(t + 2s));
  for (int i = 0; i < 10; ++i) health.Failed(Internal("disk I/O error"), t);
  CHECK(health.MayTry(t + 10s));
  CHECK(health.failures() == 12);
  CHECK(health.cause().find("disk I/O error") != std::string::npos);

  CHECK(health.Succeeded());  // ended a failure
  CHECK(health.healthy());
  CHECK(health.MayTry(t));
  CHECK_FALSE(health.Succeeded());  // nothing to end
  health.Failed(Internal("x"), t);
  CHECK_FALSE(health.MayTry(t + 900ms));  // back to the first back-off
}
