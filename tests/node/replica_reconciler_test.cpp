#include "node/agent/replica_reconciler.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "common/uuid7.h"
#include "tests/test_support/databases.h"
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

  ReplicaReconcilerFixture() {
    RequireOk(replica.Load());
    RequireOk(reconciler.OnWelcome("E1", 0));
    applier.AddRange(1, 10, Packed(ReplicaReconcilerSpan(1, 10)));
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
  RequireOk(f.reconciler.OnWelcome("E1", 20));
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
    RequireOk(f.reconciler.OnWelcome("E1", 8));
    CHECK(f.replica.cursor() == 0);
    CHECK(CountRows(f.db, "records") == 0);
    CHECK(f.Queued() == 3);  // both acked records go back
    CHECK(f.applier.buffered_records() == 0);
  }
  // Head 12 >= cursor 10, so the replica stays; buffered ranges beyond the
  // head came from the hub that had more, and are fetched again.
  SECTION("a head at or above the cursor keeps the replica, drops what lies beyond") {
    RequireOk(f.reconciler.OnWelcome("E1", 12));
    CHECK(f.replica.cursor() == 10);
    CHECK(f.Queued() == 1);  // gseqs 5 and 9 are still at the hub
    CHECK(f.applier.buffered_records() == 0);
  }
}

TEST_CASE("ReplicaReconciler rebuilds for a hub of another epoch", "[node][welcome]") {
  ReplicaReconcilerFixture f;
  f.applier.AddRange(11, 12, Packed(ReplicaReconcilerSpan(11, 12)));
  RequireOk(f.reconciler.OnWelcome("E2", 40));
  CHECK(f.replica.epoch() == "E2");
  CHECK(f.replica.cursor() == 0);
  CHECK(CountRows(f.db, "records") == 0);
  CHECK(f.Queued() == 3);
  CHECK(f.applier.buffered_records() == 0);
  // The next WELCOME of that hub changes nothing more.
  RequireOk(f.reconciler.OnWelcome("E2", 40));
  CHECK(f.Queued() == 3);
}
