// A hub's bulk commits for real (GroupCommitFixture) with what they owe
// once durable: HeldCommits over a FeedFanout, office eu's feed and the ACK
// frames sent, decoded, in order.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/uuid7.h"
#include "common/wire_frame.h"
#include "hub/feed_fanout.h"
#include "hub/group_commit.h"
#include "hub/held_commits.h"
#include "tests/hub/group_commit_fixture.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"

namespace cen::test {

struct HeldCommitsFixture : GroupCommitFixture {
  std::vector<nlohmann::json> feed;     // eu's bulk feed, in order
  std::vector<nlohmann::json> replies;  // the ACK frames sent, in order
  hub::FeedFanout fanout{&registry, &policy, &journal.reaches(),
                         [this](const std::string& topic, const hub::FeedFanout::Frame& bytes) {
                           if (topic != common::WireFrame::FeedTopic("eu")) return;
                           auto f = common::WireFrame::Decode(*bytes);
                           REQUIRE(f.ok());
                           feed.push_back(*f);
                         }};
  hub::HeldCommits held{&journal, &fanout, [this](const std::string&, const std::string& bytes) {
                          auto f = common::WireFrame::Decode(bytes);
                          REQUIRE(f.ok());
                          replies.push_back(*f);
                        }};
  HeldCommitsFixture() { journal.set_defer_head(true); }  // as the hub's bulk commits are written

  // One PUBLISH frame of `records` seizures from `node`, as a batch; the
  // message it came in is kept (empty), as the hub keeps it.
  std::shared_ptr<hub::GroupCommit> Batch(const std::string& node, int records) {
    auto batch = std::make_shared<hub::GroupCommit>(Parts());
    std::vector<nlohmann::json> list;
    for (int i = 0; i < records; ++i)
      list.push_back(WireSeizure(node + "-" + std::to_string(i), common::Uuid7::Generate()));
    auto frame = common::WireFrame::DecodeInPlace(
        common::WireFrame::Encode({{"t", common::frame::kPublish}, {"records", list}}));
    REQUIRE(frame.ok());
    RequireOk(batch->Add("rid-" + node, node, *frame));
    batch->Keep({});
    return batch;
  }
  // The gseq range of each BATCH on eu's feed.
  std::vector<std::pair<int64_t, int64_t>> Ranges() const {
    std::vector<std::pair<int64_t, int64_t>> out;
    for (const nlohmann::json& f : feed) {
      if (common::WireFrame::Type(f) == common::frame::kBatch)
        out.emplace_back(f["first"], f["last"]);
    }
    return out;
  }
};

}  // namespace cen::test
