#include "node/store/urgent_claim.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "tests/test_support/temp_dir.h"

using cen::node::UrgentClaim;
using cen::test::TempDir;
using std::chrono::milliseconds;

TEST_CASE("An urgent claim is seen by an importer until every claimant releases it",
          "[urgent_claim]") {
  TempDir tmp;
  UrgentClaim agent(tmp.path()), submit(tmp.path()), importer(tmp.path());
  CHECK_FALSE(importer.OthersHold());
  agent.Hold();
  submit.Hold();  // claimants share it
  CHECK(agent.held());
  CHECK(importer.OthersHold());
  agent.Release();
  CHECK(importer.OthersHold());
  submit.Release();
  CHECK_FALSE(importer.OthersHold());
  CHECK(importer.WaitFree(milliseconds(0)));
}

TEST_CASE("An importer waits for the claim to go, or until its limit", "[urgent_claim]") {
  TempDir tmp;
  UrgentClaim agent(tmp.path()), importer(tmp.path());
  agent.Hold();
  CHECK_FALSE(importer.WaitFree(milliseconds(20)));
  std::thread release([&] {
    std::this_thread::sleep_for(milliseconds(50));
    agent.Release();
  });
  CHECK(importer.WaitFree(milliseconds(60000)));
  release.join();
}

TEST_CASE("A claim dies with its holder: a destroyed claimant claims nothing", "[urgent_claim]") {
  TempDir tmp;
  UrgentClaim importer(tmp.path());
  {
    UrgentClaim agent(tmp.path());
    agent.Hold();
    CHECK(importer.OthersHold());
  }
  CHECK_FALSE(importer.OthersHold());
}
