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

TEST_CASE("StoreHealth says a flapping store once, and keeps saying it until it settles",
          "[common][health]") {
  // A full disk lets a status row through and refuses an apply: the trial's
  // log held 24 failures and as many "writable again" in 25 s, and status
  // flipped between PROBLEM and nothing.
  StoreHealth health("node.db");
  const auto full = Internal("sqlite: database or disk is full (in: COMMIT)");
  auto t = StoreHealth::Clock::now();
  health.Failed(full, t);
  const std::string first = health.cause();
  CHECK(health.Succeeded(t + 1s));  // the status row went through
  CHECK(health.cause().empty());
  health.Failed(full, t + 2s);     // a relapse: the same cause within kSettle
  CHECK(health.cause() == first);  // since the first failure
  for (int i = 0; i < 20; ++i) {
    t += 1s;
    health.Succeeded(t + 3s);
    CHECK_THAT(health.cause(), Catch::Contains("database or disk is full") &&
                                   Catch::Contains("some writes go through"));
    health.Failed(full, t + 3s);
  }
  CHECK_FALSE(health.healthy());
  // Other causes are news at once.
  health.Failed(Internal("disk I/O error"), t + 4s);
  CHECK_THAT(health.cause(), Catch::Contains("disk I/O error"));
  // Worked since: healthy.
  CHECK(health.Succeeded(t + 5s));
  CHECK(health.healthy());

  // Flapping again, then working for kSettle: settled, status clear.
  StoreHealth again("node.db");
  const auto u = StoreHealth::Clock::now();
  again.Failed(full, u);
  CHECK(again.Succeeded(u + 1s));
  again.Failed(full, u + 2s);
  CHECK(again.Succeeded(u + 3s));
  CHECK_FALSE(again.cause().empty());  // still flapping
  CHECK_FALSE(again.Succeeded(u + 2s + StoreHealth::kSettle));
  CHECK(again.cause().empty());
}
