#include "hub/feed_fanout.h"

#include <algorithm>

#include "common/wire_frame.h"

namespace cen::hub {
namespace {

using common::WireFrame;
constexpr size_t kGseqsPerBatch = 1000;

}  // namespace

void FeedFanout::Commit(std::string_view epoch, std::span<const Journal::Candidate> candidates,
                        std::span<const Journal::Outcome> outcomes) const {
  Priority(epoch, candidates, outcomes);
  Batches(epoch, candidates, outcomes);
}

void FeedFanout::Batches(std::string_view epoch, std::span<const Journal::Candidate> candidates,
                         std::span<const Journal::Outcome> outcomes) const {
  std::vector<size_t> fresh;  // indexes of new records, in gseq order
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i].verdict == Journal::Verdict::kNew) fresh.push_back(i);
  }
  size_t begin = 0;
  while (begin < fresh.size()) {
    size_t end = begin;
    size_t bytes = 0;
    while (end < fresh.size() && end - begin < kGseqsPerBatch &&
           (end == begin ||
            bytes + outcomes[fresh[end]].body.size() <= common::frame::kMaxRecordBytesPerFrame)) {
      bytes += outcomes[fresh[end]].body.size();
      ++end;
    }
    const int64_t first = outcomes[fresh[begin]].gseq;
    const int64_t last = outcomes[fresh[end - 1]].gseq;
    const std::vector<size_t> run(fresh.begin() + static_cast<std::ptrdiff_t>(begin),
                                  fresh.begin() + static_cast<std::ptrdiff_t>(end));
    // Sent even when empty: the range still covers the gseqs withheld.
    ForEachNode(
        candidates, outcomes, run, /*withdrawals=*/true,
        [&](const std::vector<std::string_view>& visible) {
          return WireFrame::EncodeBatch(epoch, first, last, visible);
        },
        [&](const std::string& id, const Frame& frame) {
          publish_(WireFrame::FeedTopic(id), frame);
        });
    begin = end;
  }
}

void FeedFanout::Priority(std::string_view epoch, std::span<const Journal::Candidate> candidates,
                          std::span<const Journal::Outcome> outcomes) const {
  std::vector<size_t> lane;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i].verdict == Journal::Verdict::kNew && outcomes[i].lane != common::Lane::kBulk)
      lane.push_back(i);
  }
  if (lane.empty()) return;
  // Urgent before high; each lane in gseq order.
  std::stable_sort(lane.begin(), lane.end(),
                   [&](size_t a, size_t b) { return outcomes[a].lane > outcomes[b].lane; });
  // Withdrawals go in gseq order only (FetchServer says why).
  ForEachNode(
      candidates, outcomes, lane, /*withdrawals=*/false,
      [&](const std::vector<std::string_view>& visible) {
        return visible.empty() ? std::string() : WireFrame::EncodePriority(epoch, visible);
      },
      [&](const std::string& id, const Frame& bytes) {
        if (!bytes->empty()) publish_(WireFrame::PriorityTopic(id), bytes);
      });
}

void FeedFanout::ForEachNode(
    std::span<const Journal::Candidate> candidates, std::span<const Journal::Outcome> outcomes,
    const std::vector<size_t>& among, bool withdrawals,
    const std::function<std::string(const std::vector<std::string_view>&)>& encode,
    const std::function<void(const std::string& id, const Frame&)>& send) const {
  // What a node gets of outcome i: i itself, or i + kWithdrawn for its
  // withdrawal (ReachHistory), or for a cancel of alerts it may not see
  // kAlerts + j for its withdrawal j of alert_withdrawals.
  const size_t kWithdrawn = outcomes.size();
  const size_t kAlerts = 2 * outcomes.size();
  std::vector<std::string> withdrawal_bodies(withdrawals ? outcomes.size() : 0);
  std::vector<std::string> alert_withdrawals;
  // The alerts each update or cancel names, while some record is kept
  // (nothing is read, or allocated, otherwise).
  std::vector<ReachHistory::Named> named(reaches_->empty() ? 0 : outcomes.size());
  for (size_t i : among) {
    if (named.empty()) break;
    reaches_->ReadNamed(candidates[i].Text("kind"), outcomes[i].body, &named[i]);
  }
  const auto alerts_named = [&](size_t i) {
    return named.empty() ? std::span<const std::string_view>() : named[i].alerts;
  };
  const auto cancels = [&](size_t i) { return !named.empty() && named[i].cancel; };
  // The sets seen so far and their frames: few (scopes are coarse), so a
  // linear search.
  std::vector<std::pair<std::vector<size_t>, Frame>> encoded;
  std::vector<size_t> visible;
  for (const auto& [id, info] : registry_->nodes()) {
    if (info.revoked) continue;
    const NodeInfo& node = info;  // a lambda captures no structured binding (clang 14)
    const ReachHistory::MaySee may_see = [&](std::string_view scope, std::string_view origin) {
      return policy_->MaySee(node, scope, origin);
    };
    visible.clear();
    for (size_t i : among) {
      switch (reaches_->ServeTo(outcomes[i].gseq, outcomes[i].scope, candidates[i].origin, may_see,
                                alerts_named(i), cancels(i))) {
        case ReachHistory::Serve::kRow:
          visible.push_back(i);
          break;
        case ReachHistory::Serve::kAlertWithdrawals:
          if (!withdrawals) break;
          if (auto body = reaches_->AlertWithdrawal(outcomes[i].gseq, alerts_named(i), may_see)) {
            // The same body for every office that gets it: one copy.
            auto known = std::find(alert_withdrawals.begin(), alert_withdrawals.end(), *body);
            if (known == alert_withdrawals.end())
              known = alert_withdrawals.insert(alert_withdrawals.end(), std::move(*body));
            visible.push_back(kAlerts + static_cast<size_t>(known - alert_withdrawals.begin()));
          }
          break;
        case ReachHistory::Serve::kWithdrawal:
          if (withdrawals) visible.push_back(i + kWithdrawn);
          break;
        case ReachHistory::Serve::kNothing:
          break;
      }
    }
    auto same = std::find_if(encoded.begin(), encoded.end(),
                             [&](const auto& e) { return e.first == visible; });
    if (same == encoded.end()) {
      std::vector<std::string_view> bodies;
      bodies.reserve(visible.size());
      for (size_t i : visible) {
        if (i < kWithdrawn) {
          bodies.push_back(outcomes[i].body);
          continue;
        }
        if (i >= kAlerts) {
          bodies.push_back(alert_withdrawals[i - kAlerts]);
          continue;
        }
        std::string& body = withdrawal_bodies[i - kWithdrawn];
        if (body.empty()) {
          const size_t o = i - kWithdrawn;
          body = named.empty() || named[o].uuid.empty()
                     ? reaches_->Withdrawal(outcomes[o].gseq, candidates[o].Text("uuid"),
                                            candidates[o].record.IntOr("version", 0))
                     : reaches_->Withdrawal(outcomes[o].gseq, named[o].uuid, named[o].version);
        }
        bodies.push_back(body);
      }
      encoded.emplace_back(visible, std::make_shared<const std::string>(encode(bodies)));
      same = encoded.end() - 1;
    }
    send(id, same->second);
  }
}

std::string FeedFanout::HeadFrame(std::string_view epoch, int64_t head) {
  return WireFrame::Encode(
      {{"t", common::frame::kHead}, {"head", head}, {"epoch", std::string(epoch)}});
}

void FeedFanout::Heads(std::string_view epoch, int64_t head) const {
  const Frame frame = std::make_shared<const std::string>(HeadFrame(epoch, head));
  for (const auto& [id, node] : registry_->nodes()) {
    if (!node.revoked) publish_(WireFrame::FeedTopic(id), frame);
  }
}

}  // namespace cen::hub
