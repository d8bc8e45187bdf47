#include "hub/bulk_committer.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/store_health.h"
#include "common/uuid7.h"
#include "common/wal_syncer.h"
#include "common/wire_frame.h"
#include "tests/hub/held_commits_fixture.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"

using cen::common::StoreHealth;
using cen::common::Uuid7;
using cen::common::WalSyncer;
using cen::common::WireFrame;
using cen::hub::BulkCommitter;
using cen::hub::GroupCommit;
using cen::hub::IngestQueue;
using cen::hub::Journal;
using cen::test::RequireOk;
using nlohmann::json;
namespace frame = cen::common::frame;

namespace {

std::unique_ptr<WalSyncer> StartSyncer(cen::common::Database& db) {
  auto syncer = WalSyncer::Start(db.path());
  RequireOk(syncer.status());
  return std::move(*syncer);
}

constexpr int64_t kCut = static_cast<int64_t>(Journal::kCutEvery);

// A real hub.db, journal, syncer and held commits; the hub loop's side is
// what each test makes it: when a priority frame waits, what a yield does.
struct BulkCommitterFixture : cen::test::HeldCommitsFixture {
  StoreHealth store{"hub.db"};
  std::unique_ptr<WalSyncer> syncer = StartSyncer(db);
  std::function<bool()> priority_waiting = [] { return false; };
  std::function<bool()> yield = [] { return true; };
  int yields = 0;
  bool stopping = false;
  bool stopped = false;  // BulkCommitter asked the hub to stop
  int state_writes = 0;
  std::vector<IngestQueue::Message> requeued;
  BulkCommitter bulk{&db, &journal, &held, syncer.get(), &store, Loop()};

  BulkCommitter::Loop Loop() {
    return {.priority_waiting = [this] { return priority_waiting(); },
            .yield =
                [this] {
                  ++yields;
                  return yield();
                },
            .stopping = [this] { return stopping; },
            .stop = [this](const cen::common::Status&) { stopped = true; },
            .requeue =
                [this](std::vector<IngestQueue::Message> messages) {
                  for (auto& m : messages) requeued.push_back(std::move(m));
                },
            .store_changed = [this] { ++state_writes; }};
  }

  // An urgent alert from af, committed as the loop's priority commit is.
  int64_t CommitUrgentAlert() {
    GroupCommit urgent(Parts());
    auto alert = WireFrame::DecodeInPlace(WireFrame::Encode(
        {{"t", frame::kPublish},
         {"records", json::array({cen::test::WireAlert("A-1", Uuid7::Generate())})}}));
    RequireOk(alert.status());
    RequireOk(urgent.Add("rid-af", "af", *alert));
    RequireOk(urgent.Commit().status());
    return urgent.outcomes().at(0).gseq;
  }

  // The one ACK sent, once everything held is released: each slot's gseq.
  std::vector<int64_t> AckedGseqs() {
    held.ReleaseAll();
    REQUIRE(replies.size() == 1);
    std::vector<int64_t> gseqs;
    for (const json& slot : replies[0]["acks"]) {
      CHECK(slot["status"] == "NEW");
      gseqs.push_back(slot["gseq"]);
    }
    return gseqs;
  }
};

std::vector<int64_t> Range(int64_t first, int64_t last) {
  std::vector<int64_t> out;
  for (int64_t g = first; g <= last; ++g) out.push_back(g);
  return out;
}

std::vector<int64_t> Join(std::vector<int64_t> a, const std::vector<int64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("BulkCommitter journals a batch in one transaction when no priority frame waits",
          "[hub][ingest]") {
  BulkCommitterFixture f;
  f.journal.set_defer_head(false);  // as the hub's journal is between its commits
  f.bulk.Commit(f.Batch("eu", 20));
  CHECK(f.yields == 0);
  CHECK_FALSE(f.bulk.unfinished());
  CHECK(f.held.size() == 1);
  // Written, not durable: the head stays until the part is released, and
  // the connection is back to synchronous=FULL for the commits after it.
  CHECK(f.journal.written() == 20);
  CHECK(f.journal.head() == 0);
  CHECK(f.db.QueryInt("PRAGMA synchronous")->value_or(-1) == 2);  // FULL
  CHECK_FALSE(f.stopped);
  CHECK(f.AckedGseqs() == Range(1, 20));
  CHECK(f.Ranges() == std::vector<std::pair<int64_t, int64_t>>{{1, 20}});
}

TEST_CASE("BulkCommitter lets an urgent alert in between two parts of a bulk batch",
          "[hub][ingest]") {
  BulkCommitterFixture f;
  bool alert_waits = true;
  f.priority_waiting = [&] { return alert_waits; };
  int64_t alert_gseq = 0;
  f.yield = [&] {
    // Between the parts the journal's head moves with a commit again: the
    // priority commit is durable when it returns.
    CHECK(f.db.QueryInt("PRAGMA synchronous")->value_or(-1) == 2);
    alert_gseq = f.CommitUrgentAlert();
    CHECK(f.journal.head() == kCut + 1);
    alert_waits = false;
    return true;
  };
  f.bulk.Commit(f.Batch("eu", 20));
  CHECK(f.yields == 1);
  CHECK(alert_gseq == kCut + 1);  // right after the first part's records
  CHECK_FALSE(f.bulk.unfinished());
  CHECK(f.held.size() == 2);  // one per part, the ACK with the second
  CHECK(f.AckedGseqs() == Join(Range(1, kCut), Range(kCut + 2, 21)));
}

TEST_CASE("BulkCommitter finishes a batch that stopped part-way at the next try, each record once",
          "[hub][ingest]") {
  BulkCommitterFixture f;
  f.priority_waiting = [] { return true; };  // every part ends after kCutEvery records
  std::function<void()> trouble;

  SECTION("a part fails: the disk filled up between two parts") {
    trouble = [&] { RequireOk(f.db.Exec("PRAGMA query_only=1")); };
  }
  SECTION("the priority commit between two parts failed") {
    trouble = [&] {
      f.store.Failed(cen::common::Internal("disk full"), StoreHealth::Clock::now());
    };
  }
  // (In the hub this one ends Serve(): DrainIngest rethrows the exception.)
  SECTION("the yield went wrong (an exception the loop rethrows)") {
    f.yield = [] { return false; };
    trouble = [] {};
  }
  bool first = true;
  auto yield = f.yield;
  f.yield = [&] {
    if (std::exchange(first, false)) trouble();
    return yield();
  };

  f.bulk.Commit(f.Batch("eu", 3 * kCut));
  REQUIRE(f.bulk.unfinished());
  CHECK(f.bulk.unfinished_records() == static_cast<size_t>(3 * kCut));
  CHECK(f.held.size() == 1);  // the first part only; nothing more journaled
  CHECK(f.journal.written() == kCut);
  CHECK(f.requeued.empty());  // not offered again: it goes on where it stopped

  RequireOk(f.db.Exec("PRAGMA query_only=0"));
  f.priority_waiting = [] { return false; };
  f.bulk.Resume();
  CHECK_FALSE(f.bulk.unfinished());
  CHECK(f.held.size() == 2);
  CHECK(f.AckedGseqs() == Range(1, 3 * kCut));
  CHECK(f.Ranges() == std::vector<std::pair<int64_t, int64_t>>{{1, kCut}, {kCut + 1, 3 * kCut}});
}

TEST_CASE("BulkCommitter sends a batch of which nothing was journaled back to the queue",
          "[hub][ingest]") {
  BulkCommitterFixture f;
  RequireOk(f.db.Exec("PRAGMA query_only=1"));  // every write fails, as on a full disk
  f.bulk.Commit(f.Batch("eu", 5));
  CHECK_FALSE(f.bulk.unfinished());
  CHECK(f.requeued.size() == 1);  // the frame's message, for the next try
  CHECK(f.held.empty());
  CHECK(f.journal.written() == 0);
  CHECK_FALSE(f.store.healthy());
  CHECK(f.state_writes == 1);  // the state file says why

  RequireOk(f.db.Exec("PRAGMA query_only=0"));
  f.bulk.Commit(f.Batch("eu", 5));
  CHECK(f.store.healthy());
  CHECK(f.state_writes == 2);  // and that it is over
}

TEST_CASE("BulkCommitter commits nothing more once the hub stops", "[hub][ingest]") {
  BulkCommitterFixture f;
  f.priority_waiting = [] { return true; };
  f.yield = [&] {
    f.stopping = true;  // a sync failed meanwhile
    return true;
  };
  f.bulk.Commit(f.Batch("eu", 3 * kCut));
  CHECK(f.held.size() == 1);
  CHECK(f.journal.written() == kCut);

  // Stopping already when a part ends: no yield, no further part.
  BulkCommitterFixture g;
  g.priority_waiting = [] { return true; };
  g.stopping = true;
  g.bulk.Commit(g.Batch("eu", 3 * kCut));
  CHECK(g.yields == 0);
  CHECK(g.held.size() == 1);
  CHECK(g.journal.written() == kCut);
}
