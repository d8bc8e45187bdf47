#include "node/agent/feed_applier.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "common/uuid7.h"
#include "node/agent/replica.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::common::Uuid7;
using cen::node::FeedApplier;
using cen::node::Replica;
using cen::test::CountRows;
using cen::test::CreateNodeDb;
using cen::test::Packed;
using cen::test::RequireOk;
using cen::test::TempDir;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

json FeedApplierStored(json record, int64_t gseq) {
  return cen::test::AsStored(std::move(record), gseq);
}

json FeedApplierSeizure(int64_t gseq) {
  return FeedApplierStored(cen::test::WireSeizure("S-" + std::to_string(gseq), Uuid7::Generate()),
                           gseq);
}

json Urgent(int64_t gseq, const std::string& uuid, int64_t version = 1) {
  return FeedApplierStored(cen::test::WireAlert("A-" + uuid.substr(0, 8), uuid, version), gseq);
}

// Seizures for gseqs first..last, every one visible.
std::vector<json> FeedApplierSeizures(int64_t first, int64_t last) {
  std::vector<json> out;
  for (int64_t g = first; g <= last; ++g) out.push_back(FeedApplierSeizure(g));
  return out;
}

int64_t Alerts(Database& db) {
  auto n = db.QueryInt("SELECT count(*) FROM records WHERE kind='alert'");
  REQUIRE(n.ok());
  return n->value_or(0);
}

struct FeedApplierFixture {
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica{&db};
  FeedApplier applier{&replica};
  FeedApplierFixture() { RequireOk(replica.Load()); }
};

}  // namespace

TEST_CASE("FeedApplier applies ranges in gseq order and waits at a hole", "[node][applier]") {
  FeedApplierFixture f;
  f.applier.AddRange(11, 20, Packed(FeedApplierSeizures(11, 20)));  // arrived before 1..10
  CHECK(f.applier.ChainEnd() < f.applier.Covered());                // gseqs 1..10 missing
  CHECK_FALSE(f.applier.Ready());
  auto n = f.applier.ApplySlice(Clock::time_point::max());
  REQUIRE(n.ok());
  CHECK(*n == 0);
  CHECK(f.replica.cursor() == 0);
  CHECK(f.applier.Covered() == 20);

  // The hole is filled (a FETCH answer overlapping what the feed brought).
  f.applier.AddRange(1, 15, Packed(FeedApplierSeizures(1, 15)));
  CHECK(f.applier.Ready());
  n = f.applier.ApplySlice(Clock::time_point::max());
  REQUIRE(n.ok());
  CHECK(f.replica.cursor() == 20);
  CHECK(CountRows(f.db, "records") == 20);
  CHECK(f.applier.buffered_records() == 0);
  CHECK_FALSE(f.applier.Ready());
}

TEST_CASE("The chain from the cursor ends at the first gap, whatever lies beyond it",
          "[node][applier]") {
  // A catch-up: FETCH answers bring the past while the feed brings live
  // records at the hub's head. The next FETCH must start where the answers
  // end, not wait because the live batch lies beyond the head it knows.
  FeedApplierFixture f;
  CHECK(f.applier.ChainEnd() == 0);
  f.applier.AddRange(101, 103, Packed(FeedApplierSeizures(101, 103)));  // live, from the feed
  CHECK(f.applier.ChainEnd() == 0);
  CHECK(f.applier.Covered() == 103);
  f.applier.AddRange(1, 40, Packed(FeedApplierSeizures(1, 40)));  // the first FETCH answer
  CHECK(f.applier.ChainEnd() == 40);
  f.applier.AddRange(41, 60, Packed(FeedApplierSeizures(41, 60)));  // the next, before any apply
  CHECK(f.applier.ChainEnd() == 60);
  auto n = f.applier.ApplySlice(Clock::time_point::max());
  REQUIRE(n.ok());
  CHECK(f.replica.cursor() == 60);
  CHECK(f.applier.ChainEnd() == 60);  // the cursor itself once the chain is applied
  f.applier.AddRange(61, 100, Packed(FeedApplierSeizures(61, 100)));
  CHECK(f.applier.ChainEnd() == 103);  // the gap is filled: the live batch continues it
}

TEST_CASE("Ranges beyond a restored hub's head are forgotten, the rest kept", "[node][applier]") {
  FeedApplierFixture f;
  f.applier.AddRange(1, 40, Packed(FeedApplierSeizures(1, 40)));
  f.applier.AddRange(41, 60, Packed(FeedApplierSeizures(41, 60)));
  f.applier.AddRange(61, 80, Packed(FeedApplierSeizures(61, 80)));
  f.applier.DropBeyond(50);  // the hub came back from a copy whose head is 50
  CHECK(f.applier.ChainEnd() == 40);
  CHECK(f.applier.Covered() == 40);
  CHECK(f.applier.buffered_records() == 40);
  auto n = f.applier.ApplySlice(Clock::time_point::max());
  REQUIRE(n.ok());
  CHECK(f.replica.cursor() == 40);
}

TEST_CASE("An urgent alert waiting ends the slice in progress, the rest follows",
          "[node][applier]") {
  FeedApplierFixture f;
  f.applier.AddRange(1, 1000, Packed(FeedApplierSeizures(1, 1000)));
  // No deadline: only the interrupt ends this slice. It says "urgent" on its
  // third question, as the agent's does once a PRIORITY frame is in.
  int asked = 0;
  const std::string uuid = Uuid7::Generate();
  auto n = f.applier.ApplySlice(Clock::time_point::max(), [&] {
    if (++asked < 3) return false;
    f.applier.AddPriority(Packed({Urgent(2000, uuid)}));
    return true;
  });
  REQUIRE(n.ok());
  CHECK(asked == 3);
  CHECK(*n < 100);  // a few records, not the 1000 the slice could take
  CHECK(f.replica.cursor() == static_cast<int64_t>(*n));
  CHECK(CountRows(f.db, "records") == static_cast<int64_t>(*n));
  // The alert goes in next, ahead of the backlog; then the backlog resumes.
  REQUIRE(f.applier.ApplyPriority().ok());
  CHECK(Alerts(f.db) == 1);
  CHECK(f.applier.Ready());
  RequireOk(f.applier.ApplySlice(Clock::time_point::max()).status());
  CHECK(f.replica.cursor() == 1000);
  CHECK(CountRows(f.db, "records") == 1001);
}

TEST_CASE("An urgent alert rolls the slice in progress back, and the next cut slice commits",
          "[node][applier]") {
  FeedApplierFixture f;
  f.applier.AddRange(1, 1000, Packed(FeedApplierSeizures(1, 1000)));
  int64_t alert_gseq = 2000;
  auto urgent_on = [&](int question, int* asked) {
    return [&f, &alert_gseq, question, asked] {
      if (++*asked < question) return false;
      f.applier.AddPriority(Packed({Urgent(++alert_gseq, Uuid7::Generate())}));
      return true;
    };
  };
  // The first slice is cut on its third question: rolled back, nothing kept,
  // so the alert waits for no commit of the records before it.
  int asked = 0;
  auto n = f.applier.ApplySlice(Clock::time_point::max(), urgent_on(3, &asked));
  REQUIRE(n.ok());
  CHECK(*n == 0);
  CHECK(f.applier.preempted());
  CHECK(f.replica.cursor() == 0);
  CHECK(CountRows(f.db, "records") == 0);
  CHECK(f.replica.countries_pending_hint() == 0);
  REQUIRE(f.applier.ApplyPriority().ok());
  CHECK(Alerts(f.db) == 1);
  // The records rolled back are still buffered, due at once.
  CHECK(f.applier.buffered_records() == 1000);
  CHECK(f.applier.Due(Clock::now()));
  // The next slice cut by an alert commits what it applied: a stream of
  // alerts cannot stop the backlog.
  asked = 0;
  n = f.applier.ApplySlice(Clock::time_point::max(), urgent_on(3, &asked));
  REQUIRE(n.ok());
  CHECK(*n > 0);
  CHECK(*n < 100);
  CHECK_FALSE(f.applier.preempted());
  CHECK(f.replica.cursor() == static_cast<int64_t>(*n));
  CHECK(CountRows(f.db, "records") == static_cast<int64_t>(*n) + 1);
  REQUIRE(f.applier.ApplyPriority().ok());
  // And the one after may be rolled back again.
  asked = 0;
  n = f.applier.ApplySlice(Clock::time_point::max(), urgent_on(2, &asked));
  REQUIRE(n.ok());
  CHECK(*n == 0);
  CHECK(f.applier.preempted());
  REQUIRE(f.applier.ApplyPriority().ok());
  RequireOk(f.applier.ApplySlice(Clock::time_point::max()).status());
  CHECK(f.replica.cursor() == 1000);
  CHECK(CountRows(f.db, "records") == 1003);
  CHECK(Alerts(f.db) == 3);
}

TEST_CASE("A slice cut by a doorbell ring, with no urgent alert waiting, commits what it applied",
          "[node][applier]") {
  FeedApplierFixture f;
  f.applier.AddRange(1, 1000, Packed(FeedApplierSeizures(1, 1000)));
  int asked = 0;
  auto n = f.applier.ApplySlice(Clock::time_point::max(), [&] { return ++asked >= 2; });
  REQUIRE(n.ok());
  CHECK(*n == 16);  // asked every 8 records
  CHECK_FALSE(f.applier.preempted());
  CHECK(f.replica.cursor() == 16);
  CHECK(CountRows(f.db, "records") == 16);
}

TEST_CASE("A range may hold fewer records than gseqs (the others are not for this node)",
          "[node][applier]") {
  FeedApplierFixture f;
  std::vector<json> visible = {FeedApplierSeizure(3), FeedApplierSeizure(7)};
  f.applier.AddRange(1, 10, Packed(visible));
  RequireOk(f.applier.ApplySlice(Clock::time_point::max()).status());
  CHECK(f.replica.cursor() == 10);
  CHECK(CountRows(f.db, "records") == 2);
}

TEST_CASE("FeedApplier cuts the backlog into slices and keeps the rest", "[node][applier]") {
  FeedApplierFixture f;
  f.applier.AddRange(1, 1000, Packed(FeedApplierSeizures(1, 1000)));
  size_t slices = 0;
  while (f.applier.Ready()) {
    // A deadline already past: one record per slice, the cursor right behind it.
    auto n = f.applier.ApplySlice(Clock::now());
    REQUIRE(n.ok());
    REQUIRE(*n >= 1);
    ++slices;
    if (slices == 3) CHECK(f.replica.cursor() == 3);
    if (slices == 3) CHECK(f.applier.buffered_records() == 997);
    if (slices == 3)
      f.applier.AddRange(1, 1000, Packed(FeedApplierSeizures(1, 1000)));  // the same range again
    if (slices >= 5) break;
  }
  CHECK(f.replica.cursor() == 5);
  RequireOk(f.applier.ApplySlice(Clock::time_point::max()).status());
  CHECK(f.replica.cursor() == 1000);
  CHECK(CountRows(f.db, "records") == 1000);
}

TEST_CASE("The priority lane applies an urgent alert before the backlog ahead of it",
          "[node][applier]") {
  FeedApplierFixture f;
  const std::string uuid = Uuid7::Generate();
  // A backlog of 500 seizures, then the urgent alert at gseq 501 (in the
  // feed's BATCH too, as the hub sends it both ways).
  std::vector<json> backlog = FeedApplierSeizures(1, 500);
  backlog.push_back(Urgent(501, uuid));
  f.applier.AddRange(1, 501, Packed(backlog));
  f.applier.AddPriority(Packed({Urgent(501, uuid)}));

  auto early = f.applier.ApplyPriority();
  REQUIRE(early.ok());
  CHECK(*early == 1);
  CHECK(Alerts(f.db) == 1);
  CHECK(f.replica.cursor() == 0);  // nothing of the backlog yet
  CHECK(f.applier.priority_waiting() == 0);

  RequireOk(f.applier.ApplySlice(Clock::time_point::max()).status());
  CHECK(f.replica.cursor() == 501);
  CHECK(Alerts(f.db) == 1);  // once
  CHECK(CountRows(f.db, "record_versions") == 501);
}

TEST_CASE("An update and a cancel applied early stay the current state", "[node][applier]") {
  FeedApplierFixture f;
  const std::string uuid = Uuid7::Generate();
  json cancel = Urgent(30, uuid, 3);
  cancel["msg_type"] = "cancel";
  f.applier.AddPriority(Packed({cancel, Urgent(20, uuid, 2)}));  // out of order
  RequireOk(f.applier.ApplyPriority().status());
  // The in-order stream brings versions 1, 2 and 3 later.
  std::vector<json> stream = FeedApplierSeizures(1, 9);
  stream.push_back(Urgent(10, uuid, 1));
  stream.push_back(Urgent(20, uuid, 2));
  stream.push_back(cancel);
  f.applier.AddRange(1, 30, Packed(stream));
  RequireOk(f.applier.ApplySlice(Clock::time_point::max()).status());
  auto version = f.db.QueryInt("SELECT version FROM records WHERE uuid='" + uuid + "'");
  REQUIRE(version.ok());
  CHECK(version->value_or(0) == 3);
  CHECK(CountRows(f.db, "record_versions") == 12);
}

TEST_CASE("Priority records behind the cursor are ignored", "[node][applier]") {
  FeedApplierFixture f;
  f.applier.AddRange(1, 10, Packed(FeedApplierSeizures(1, 10)));
  RequireOk(f.applier.ApplySlice(Clock::time_point::max()).status());
  f.applier.AddPriority(Packed({Urgent(5, Uuid7::Generate())}));
  CHECK(f.applier.priority_waiting() == 0);
  auto n = f.applier.ApplyPriority();
  REQUIRE(n.ok());
  CHECK(*n == 0);
  CHECK(Alerts(f.db) == 0);
}

TEST_CASE("The bulk lane gathers records into larger transactions, for a bounded time",
          "[node][applier]") {
  FeedApplierFixture f;
  const auto before = Clock::now();
  f.applier.AddRange(1, 10, Packed(FeedApplierSeizures(1, 10)));
  const auto now = Clock::now();
  CHECK(f.applier.Ready());
  // Ten fresh records wait for more, at most kGroupDelay (unless AddRange
  // itself stalled that long: a loaded machine, a sanitizer).
  if (now - before < FeedApplier::kGroupDelay) CHECK_FALSE(f.applier.Due(now));
  CHECK(f.applier.DueAt() >= before + FeedApplier::kGroupDelay);
  CHECK(f.applier.DueAt() <= now + FeedApplier::kGroupDelay);
  CHECK(f.applier.Due(now + FeedApplier::kGroupDelay));

  // A full transaction's worth is due at once.
  f.applier.AddRange(11, 10 + FeedApplier::kGroupRecords,
                     Packed(FeedApplierSeizures(11, 10 + FeedApplier::kGroupRecords)));
  CHECK(f.applier.Due(Clock::now()));

  // Overlapping ranges (a feed BATCH and a FETCH answer) count each record
  // once.
  // Asked as of a time before they arrived, so that only the count can make
  // them due (a slow machine, or a sanitizer, may take kGroupDelay here).
  FeedApplierFixture h;
  const auto seizures = FeedApplierSeizures(1, FeedApplier::kGroupRecords - 1);
  const auto added = Clock::now();
  h.applier.AddRange(1, FeedApplier::kGroupRecords - 1, Packed(seizures));
  h.applier.AddRange(2, FeedApplier::kGroupRecords - 1,
                     Packed(std::vector<json>(seizures.begin() + 1, seizures.end())));
  CHECK_FALSE(h.applier.Due(added));

  // Records beyond a hole are not ready, so never due.
  FeedApplierFixture g;
  g.applier.AddRange(5, 10, Packed(FeedApplierSeizures(5, 10)));
  CHECK_FALSE(g.applier.Due(Clock::now() + std::chrono::hours(1)));
  CHECK(g.applier.DueAt() == Clock::time_point::max());
}

TEST_CASE("Only an urgent alert counts as worth cutting a bulk slice for", "[node][applier]") {
  FeedApplierFixture f;
  f.applier.AddPriority(
      Packed({FeedApplierStored(cen::test::WireAlert("A-1", Uuid7::Generate(), 1, "high"), 3)}));
  CHECK(f.applier.priority_waiting() == 1);
  CHECK_FALSE(f.applier.urgent_waiting());
  f.applier.AddPriority(Packed({Urgent(4, Uuid7::Generate())}));
  CHECK(f.applier.urgent_waiting());
  auto n = f.applier.ApplyPriority();
  REQUIRE(n.ok());
  CHECK(*n == 2);
  CHECK_FALSE(f.applier.urgent_waiting());
}
