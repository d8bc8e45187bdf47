#include "hub/held_commits.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/uuid7.h"
#include "common/wire_frame.h"
#include "tests/hub/held_commits_fixture.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"

using cen::common::Uuid7;
using cen::common::WireFrame;
using cen::hub::FeedFanout;
using cen::hub::GroupCommit;
using cen::hub::HeldCommits;
using cen::hub::Journal;
using cen::test::RequireOk;
using nlohmann::json;
namespace frame = cen::common::frame;

using HeldCommitsFixture = cen::test::HeldCommitsFixture;

TEST_CASE("HeldCommits releases a batch journaled in parts part by part, its ACK with the last",
          "[hub][ingest]") {
  HeldCommitsFixture f;
  auto bulk = f.Batch("eu", 20);
  bool first_ask = true;
  auto first = bulk->CommitPart([&] { return std::exchange(first_ask, false); });
  RequireOk(first.status());
  f.held.HoldPart(1, f.journal.written(), bulk, *first);
  // The rest in a second part (another office's commit could come between).
  auto second = bulk->CommitPart(nullptr);
  RequireOk(second.status());
  REQUIRE(bulk->done());
  f.held.HoldPart(2, f.journal.written(), bulk, *second);
  CHECK(f.held.size() == 2);
  // Nothing is owed before the syncer says so: no head, no ACK, no feed.
  CHECK(f.journal.head() == 0);
  f.held.Release(0);
  CHECK(f.feed.empty());
  CHECK(f.replies.empty());

  // The first part synced: its gseqs on the feed and in the head, no ACK yet.
  f.held.Release(1);
  CHECK(f.journal.head() == static_cast<int64_t>(Journal::kCutEvery));
  CHECK(f.Ranges() == std::vector<std::pair<int64_t, int64_t>>{{1, Journal::kCutEvery}});
  CHECK(f.replies.empty());

  // The second: the rest of the range, then one ACK with every slot.
  f.held.Release(2);
  CHECK(f.journal.head() == 20);
  CHECK(f.Ranges() == std::vector<std::pair<int64_t, int64_t>>{{1, Journal::kCutEvery},
                                                               {Journal::kCutEvery + 1, 20}});
  REQUIRE(f.replies.size() == 1);
  CHECK(f.replies[0]["acks"].size() == 20);
  CHECK(f.replies[0]["acks"][19]["gseq"] == 20);
  CHECK(f.held.empty());
}

TEST_CASE("HeldCommits releases everything, oldest first, after a commit that synced the log",
          "[hub][ingest]") {
  HeldCommitsFixture f;
  auto a = f.Batch("eu", 3);
  RequireOk(a->CommitPart(nullptr).status());
  f.held.Hold({7, f.journal.written(), a, {0, 3}, a->Replies()});
  auto b = f.Batch("af", 2);
  RequireOk(b->CommitPart(nullptr).status());
  f.held.Hold({8, f.journal.written(), b, {0, 2}, b->Replies()});
  f.held.Release(6);
  CHECK(f.replies.empty());
  f.held.ReleaseAll();
  CHECK(f.journal.head() == 5);
  CHECK(f.Ranges() == std::vector<std::pair<int64_t, int64_t>>{{1, 3}, {4, 5}});
  REQUIRE(f.replies.size() == 2);
  CHECK(f.replies[0]["acks"][0]["gseq"] == 1);  // eu's first
  CHECK(f.replies[1]["acks"][0]["gseq"] == 4);
}
