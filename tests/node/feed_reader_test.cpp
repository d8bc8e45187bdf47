#include "node/agent/feed_reader.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/uuid7.h"
#include "common/wire_frame.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Uuid7;
using cen::common::WireFrame;
using cen::node::FeedApplier;
using cen::node::FeedReader;
using cen::node::FetchPlanner;
using cen::node::Replica;
using cen::test::RequireOk;
using nlohmann::json;
using Seen = FeedReader::Seen;
namespace frame = cen::common::frame;

namespace {

json FeedReaderSeizure(int64_t gseq) {
  return cen::test::AsStored(cen::test::WireSeizure("S-" + std::to_string(gseq), Uuid7::Generate()),
                             gseq);
}

std::string Batch(const std::string& epoch, int64_t first, int64_t last,
                  const std::vector<int64_t>& gseqs) {
  json records = json::array();
  for (int64_t g : gseqs) records.push_back(FeedReaderSeizure(g));
  return WireFrame::Encode({{"t", frame::kBatch},
                            {"epoch", epoch},
                            {"first", first},
                            {"last", last},
                            {"records", records}});
}

// A real replica at epoch E1, its applier and fetch planner (never connected:
// it only takes note of heads here).
struct FeedReaderFixture {
  cen::test::TempDir tmp;
  cen::common::Database db = cen::test::CreateNodeDb(tmp, "n2");
  Replica replica{&db};
  FeedApplier applier{&replica};
  FetchPlanner fetches{&applier, &replica, [](const std::string&) { return true; }};
  FeedReader reader{&applier, &fetches, &replica};
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();
  FeedReaderFixture() {
    RequireOk(replica.Load());
    RequireOk(replica.SetEpoch("E1"));
  }
};

}  // namespace

TEST_CASE("FeedReader hands a BATCH's records in its range to the applier", "[node][feed]") {
  FeedReaderFixture f;
  // gseq 3 is withheld from this node (a SKIP); 9 lies outside the range.
  CHECK(f.reader.OnBulk(Batch("E1", 1, 4, {1, 2, 4, 9}), f.now) == Seen::kBatch);
  CHECK(f.applier.buffered_records() == 3);
  CHECK(f.applier.ChainEnd() == 4);
  CHECK(f.fetches.head() == 4);
  RequireOk(f.applier.ApplySlice(std::chrono::steady_clock::time_point::max()).status());
  CHECK(f.replica.cursor() == 4);

  // Old news: wholly at or below the cursor.
  CHECK(f.reader.OnBulk(Batch("E1", 3, 4, {4}), f.now) == Seen::kNothing);
  CHECK(f.applier.buffered_records() == 0);
}

TEST_CASE("FeedReader tells a heartbeat, another hub and garbage apart", "[node][feed]") {
  FeedReaderFixture f;
  CHECK(f.reader.OnBulk(WireFrame::Encode({{"t", frame::kHead}, {"epoch", "E1"}, {"head", 70}}),
                        f.now) == Seen::kHead);
  CHECK(f.fetches.head() == 70);
  CHECK(f.reader.OnBulk(WireFrame::Encode({{"t", frame::kHead}, {"epoch", "E2"}, {"head", 3}}),
                        f.now) == Seen::kOtherEpoch);
  CHECK(f.reader.OnBulk(Batch("E2", 1, 2, {1, 2}), f.now) == Seen::kOtherEpoch);
  CHECK(f.applier.buffered_records() == 0);  // another hub's records are not taken
  CHECK(f.reader.OnBulk("\xc1 not msgpack", f.now) == Seen::kNothing);
  CHECK(f.reader.OnBulk(WireFrame::Encode({{"t", frame::kBatch},
                                           {"epoch", "E1"},
                                           {"first", 5},
                                           {"last", 4},
                                           {"records", json::array()}}),
                        f.now) == Seen::kNothing);
  CHECK(f.reader.OnBulk(WireFrame::Encode({{"t", "GOSSIP"}, {"epoch", "E1"}}), f.now) ==
        Seen::kNothing);
  CHECK(f.applier.buffered_records() == 0);
  CHECK(f.fetches.head() == 70);
}

TEST_CASE("FeedReader puts priority alerts in the lane and notices the grant", "[node][feed]") {
  FeedReaderFixture f;
  const json alert = cen::test::AsStored(cen::test::WireAlert("A-1", Uuid7::Generate()), 12);
  CHECK(f.reader.OnPriority(WireFrame::Encode(
            {{"t", frame::kPriority}, {"epoch", "E1"}, {"records", {alert}}})) == Seen::kPriority);
  CHECK(f.applier.priority_waiting() == 1);
  CHECK(f.applier.urgent_waiting());
  CHECK(f.reader.OnPriority(WireFrame::Encode({{"t", frame::kHead}, {"epoch", "E1"}})) ==
        Seen::kGranted);
  // Another epoch's alerts are not taken.
  CHECK(f.reader.OnPriority(WireFrame::Encode(
            {{"t", frame::kPriority}, {"epoch", "E2"}, {"records", {alert}}})) == Seen::kNothing);
  CHECK(f.applier.priority_waiting() == 1);
}
