#include "node/agent/replica_reconciler.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/uuid7.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/log_capture.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Uuid7;
using cen::node::FeedApplier;
using cen::node::Outbox;
using cen::node::Replica;
using cen::node::ReplicaReconciler;
using cen::test::CountRows;
using cen::test::Packed;
using cen::test::RequireOk;
using nlohmann::json;

namespace {

json ReplicaReconcilerStored(int64_t gseq) {
  return cen::test::AsStored(cen::test::WireSeizure("S-" + std::to_string(gseq), Uuid7::Generate()),
                             gseq);
}

std::vector<json> ReplicaReconcilerSpan(int64_t first, int64_t last) {
  std::vector<json> out;
  for (int64_t g = first; g <= last; ++g) out.push_back(ReplicaReconcilerStored(g));
  return out;
}

// A node at epoch E1 whose replica holds gseqs 1..10, with two own records
// the hub acked at gseq 5 and 9 and one still queued.
struct ReplicaReconcilerFixture {
  cen::test::TempDir tmp;
  cen::common::Database db = cen::test::CreateNodeDb(tmp, "n2");
  Replica replica{&db};
  Outbox outbox{&db};
  FeedApplier applier{&replica};
  ReplicaReconciler reconciler{&replica, &outbox, &applier};

  std::vector<json> held = ReplicaReconcilerSpan(1, 10);

  ReplicaReconcilerFixture() {
    RequireOk(replica.Load());
    RequireOk(reconciler.OnWelcome("E1", 0, "EU"));
    applier.AddRange(1, 10, Packed(held));
    RequireOk(applier.ApplySlice(std::chrono::steady_clock::time_point::max()).status());
    REQUIRE(replica.cursor() == 10);
    auto queued =
        outbox.Enqueue({cen::test::ValidatedSeizure("OWN-1"), cen::test::ValidatedSeizure("OWN-2"),
                        cen::test::ValidatedSeizure("OWN-3")});
    RequireOk(queued.status());
    RequireOk(outbox.Acknowledge(
        {{(*queued)[0].uuid, 1, true, 5, ""}, {(*queued)[1].uuid, 1, true, 9, ""}}));
    REQUIRE(Queued() == 1);
  }
  // The journal fetched again from 1 after a Rewind: the records held, then
  // gseqs 11 and 12, which the node may see now.
  void FetchedAgain() {
    std::vector<json> again = held;
    for (const json& r : ReplicaReconcilerSpan(11, 12)) again.push_back(r);
    applier.AddRange(1, 12, Packed(again));
    RequireOk(applier.ApplySlice(std::chrono::steady_clock::time_point::max()).status());
  }
  // What the replica last heard from the hub (KnownRegion, KnownGroups).
  std::string Known(cen::common::Result<std::optional<std::string>> (Replica::*heard)()) {
    auto value = (replica.*heard)();
    RequireOk(value.status());
    return value->value_or("(none)");
  }
  int64_t Queued() {
    auto n = outbox.Size();
    RequireOk(n.status());
    return *n;
  }
};

}  // namespace

TEST_CASE("ReplicaReconciler keeps the replica of the same hub", "[node][welcome]") {
  ReplicaReconcilerFixture f;
  f.applier.AddRange(14, 16,
                     Packed(ReplicaReconcilerSpan(14, 16)));  // fed by the hub before the reconnect
  RequireOk(f.reconciler.OnWelcome("E1", 20, "EU"));
  CHECK(f.replica.epoch() == "E1");
  CHECK(f.replica.cursor() == 10);
  CHECK(CountRows(f.db, "records") == 10);
  CHECK(f.Queued() == 1);
  CHECK(f.applier.buffered_records() == 3);
}

TEST_CASE("ReplicaReconciler offers again what a hub restored from an older copy lost",
          "[node][welcome]") {
  ReplicaReconcilerFixture f;
  f.applier.AddRange(14, 16, Packed(ReplicaReconcilerSpan(14, 16)));
  // The restored hub's head is 8, below the replica's cursor: its gseqs 9
  // and beyond are other records than this replica holds.
  SECTION("a head below the cursor rebuilds the replica") {
    RequireOk(f.reconciler.OnWelcome("E1", 8, "EU"));
    CHECK(f.replica.cursor() == 0);
    CHECK(CountRows(f.db, "records") == 0);
    CHECK(f.Queued() == 3);  // both acked records go back
    CHECK(f.applier.buffered_records() == 0);
  }
  // Head 12 >= cursor 10, so the replica stays; buffered ranges beyond the
  // head came from the hub that had more, and are fetched again.
  SECTION("a head at or above the cursor keeps the replica, drops what lies beyond") {
    RequireOk(f.reconciler.OnWelcome("E1", 12, "EU"));
    CHECK(f.replica.cursor() == 10);
    CHECK(f.Queued() == 1);  // gseqs 5 and 9 are still at the hub
    CHECK(f.applier.buffered_records() == 0);
  }
}

TEST_CASE("ReplicaReconciler rebuilds for a hub of another epoch", "[node][welcome]") {
  ReplicaReconcilerFixture f;
  f.applier.AddRange(11, 12, Packed(ReplicaReconcilerSpan(11, 12)));
  RequireOk(f.reconciler.OnWelcome("E2", 40, "EU"));
  CHECK(f.replica.epoch() == "E2");
  CHECK(f.replica.cursor() == 0);
  CHECK(CountRows(f.db, "records") == 0);
  CHECK(f.Queued() == 3);
  CHECK(f.applier.buffered_records() == 0);
  // The next WELCOME of that hub changes nothing more.
  RequireOk(f.reconciler.OnWelcome("E2", 40, "EU"));
  CHECK(f.Queued() == 3);
}

TEST_CASE("A rebuild node.db refuses is said once and done at a later WELCOME", "[node][welcome]") {
  // A review: on a full disk the agent answers each WELCOME again every 5 s,
  // and each said "rebuilding the replica" anew (a warning every 5 s for as
  // long as the disk stayed full).
  ReplicaReconcilerFixture f;
  cen::test::LogCapture log;
  const auto announcements = [&log] { return log.Count("rebuilding the replica"); };
  RequireOk(f.db.Exec("PRAGMA query_only=ON"));  // every write refused, as on a full disk
  CHECK_FALSE(f.reconciler.OnWelcome("E2", 40, "EU").ok());
  CHECK_FALSE(f.reconciler.OnWelcome("E2", 40, "EU").ok());
  CHECK_FALSE(f.reconciler.OnWelcome("E2", 40, "EU").ok());
  const size_t while_refused = announcements();
  RequireOk(f.db.Exec("PRAGMA query_only=OFF"));
  RequireOk(f.reconciler.OnWelcome("E2", 40, "EU"));
  const size_t after = announcements();
  CHECK(while_refused == 1);
  CHECK(after == 1);
  CHECK(f.replica.epoch() == "E2");
  CHECK(f.replica.cursor() == 0);
  CHECK(CountRows(f.db, "records") == 0);
  CHECK(f.Queued() == 3);
}

TEST_CASE("A node moved to another region fetches the journal again, keeping its records",
          "[node][welcome]") {
  // A trial: an office re-registered in region "eu" instead of "EU" missed
  // the region's records, and set back to EU it never got them (the records
  // journaled meanwhile come in no feed, and its cursor had passed them).
  ReplicaReconcilerFixture f;
  auto known = [&] { return f.Known(&Replica::KnownRegion); };
  CHECK(known() == "EU");
  f.applier.AddRange(11, 12, Packed(ReplicaReconcilerSpan(11, 12)));
  RequireOk(f.reconciler.OnWelcome("E1", 20, "AS"));
  CHECK(known() == "AS");
  CHECK(f.replica.cursor() == 0);
  // A hub that says no groups leaves them unheard of: the first it says
  // later are only remembered (not taken for a group joined).
  CHECK(f.Known(&Replica::KnownGroups) == "(none)");
  CHECK(CountRows(f.db, "records") == 10);  // still in queries meanwhile
  CHECK(f.Queued() == 1);                   // the outbox as it was
  CHECK(f.applier.buffered_records() == 0);
  // Fetched again: what is held is not applied twice; the new region's
  // records journaled before (gseq 11 and 12 here) come in.
  f.FetchedAgain();
  CHECK(f.replica.cursor() == 12);
  CHECK(CountRows(f.db, "records") == 12);
  CHECK(CountRows(f.db, "version_history") == 0);

  // The same region again, or none (a node that leaves a region sees less):
  // the cursor stays.
  RequireOk(f.reconciler.OnWelcome("E1", 20, "AS"));
  CHECK(f.replica.cursor() == 12);
  RequireOk(f.reconciler.OnWelcome("E1", 20, ""));
  CHECK(f.replica.cursor() == 12);
  CHECK(known() == "");
}

TEST_CASE("A node that heard of no region before takes the first one without fetching again",
          "[node][welcome]") {
  // A node.db from before the region was kept (2026-12-07), or a new node.
  ReplicaReconcilerFixture f;
  RequireOk(f.db.Exec("DELETE FROM meta WHERE key = 'hub_region'"));
  RequireOk(f.reconciler.OnWelcome("E1", 20, "AS"));
  CHECK(f.replica.cursor() == 10);
  auto region = f.replica.KnownRegion();
  RequireOk(region.status());
  CHECK(region->value_or("") == "AS");
}

TEST_CASE("A node added to a group fetches the journal again, keeping its records",
          "[node][welcome]") {
  // An office joining an operation's group expects the group's records so
  // far: they were journaled before, behind its cursor.
  ReplicaReconcilerFixture f;
  auto known = [&] { return f.Known(&Replica::KnownGroups); };
  CHECK(known() == "(none)");  // the fixture's hub said no groups
  RequireOk(f.reconciler.OnWelcome("E1", 20, "EU", std::string("OP-TIDE")));
  CHECK(known() == "OP-TIDE");  // the first heard of: only remembered
  CHECK(f.replica.cursor() == 10);

  f.applier.AddRange(11, 12, Packed(ReplicaReconcilerSpan(11, 12)));
  RequireOk(f.reconciler.OnWelcome("E1", 20, "EU", std::string("OP-REEF,OP-TIDE")));
  CHECK(known() == "OP-REEF,OP-TIDE");
  CHECK(f.replica.cursor() == 0);
  CHECK(CountRows(f.db, "records") == 10);  // still in queries meanwhile
  CHECK(f.Queued() == 1);
  CHECK(f.applier.buffered_records() == 0);
  CHECK(f.Known(&Replica::KnownRegion) == "EU");

  f.FetchedAgain();
  CHECK(f.replica.cursor() == 12);
  CHECK(CountRows(f.db, "records") == 12);

  // The same groups again, fewer (a node that leaves a group sees less), or
  // a hub that does not say them: the cursor stays.
  RequireOk(f.reconciler.OnWelcome("E1", 20, "EU", std::string("OP-REEF,OP-TIDE")));
  CHECK(f.replica.cursor() == 12);
  RequireOk(f.reconciler.OnWelcome("E1", 20, "EU", std::string("OP-REEF")));
  CHECK(f.replica.cursor() == 12);
  CHECK(known() == "OP-REEF");
  RequireOk(f.reconciler.OnWelcome("E1", 20, "EU"));
  CHECK(f.replica.cursor() == 12);
  CHECK(known() == "OP-REEF");
  // Back into a group it left: what the group got meanwhile comes too.
  RequireOk(f.reconciler.OnWelcome("E1", 20, "EU", std::string("OP-REEF,OP-TIDE")));
  CHECK(f.replica.cursor() == 0);
}

TEST_CASE("ReplicaReconciler::Joined names the groups a node joined", "[node][welcome]") {
  using V = std::vector<std::string>;
  CHECK(ReplicaReconciler::Joined("", "") == V{});
  CHECK(ReplicaReconciler::Joined("", "A") == V{"A"});
  CHECK(ReplicaReconciler::Joined("A,B", "B") == V{});
  CHECK(ReplicaReconciler::Joined("A,B", "A,B,C") == V{"C"});
  CHECK(ReplicaReconciler::Joined("AB", "A,B") == V{"A", "B"});
  // With the time each membership began (WELCOME and PONG `groups_since`):
  // a group left and joined again between two PONGs is joined again.
  CHECK(ReplicaReconciler::Joined("A@2026-12-07T08:00:00.000Z,B@2026-12-01T00:00:00.000Z",
                                  "A@2026-12-07T08:00:00.400Z,B@2026-12-01T00:00:00.000Z") ==
        V{"A"});
  CHECK(ReplicaReconciler::Joined("A@2026-12-01T00:00:00.000Z",
                                  "A@2026-12-01T00:00:00.000Z,C@2026-12-07T08:00:00.000Z") ==
        V{"C"});
  // Names heard before the hub said since when: the same groups, no rewind.
  CHECK(ReplicaReconciler::Joined("A,B", "A@2026-12-01T00:00:00.000Z,B@2026-12-01T00:00:00.000Z") ==
        V{});
}
