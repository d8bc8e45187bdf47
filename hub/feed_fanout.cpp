#include "hub/feed_fanout.h"

#include <algorithm>

#include "common/wire_frame.h"

namespace cen::hub {
namespace {

using common::WireFrame;
constexpr size_t kGseqsPerBatch = 1000;
constexpr size_t kMaxFrameBytes = common::frame::kMaxRecordBytesPerFrame;

}  // namespace

void FeedFanout::Commit(std::string_view epoch, const std::vector<Journal::Candidate>& candidates,
                        const std::vector<Journal::Outcome>& outcomes) const {
  std::vector<size_t> fresh;  // indexes of new records, in gseq order
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i].verdict == Journal::Verdict::kNew) fresh.push_back(i);
  }
  Priority(epoch, candidates, outcomes, fresh);
  size_t begin = 0;
  while (begin < fresh.size()) {
    size_t end = begin;
    size_t bytes = 0;
    while (end < fresh.size() && end - begin < kGseqsPerBatch &&
           (end == begin || bytes + outcomes[fresh[end]].body.size() <= kMaxFrameBytes)) {
      bytes += outcomes[fresh[end]].body.size();
      ++end;
    }
    const int64_t first = outcomes[fresh[begin]].gseq;
    const int64_t last = outcomes[fresh[end - 1]].gseq;
    for (const auto& [id, node] : registry_->nodes()) {
      if (node.revoked) continue;
      std::vector<std::string_view> visible;
      for (size_t k = begin; k < end; ++k) {
        const auto& o = outcomes[fresh[k]];
        if (policy_->MaySee(node, o.scope, candidates[fresh[k]].origin)) visible.push_back(o.body);
      }
      publish_(WireFrame::FeedTopic(id), WireFrame::EncodeBatch(epoch, first, last, visible));
    }
    begin = end;
  }
}

void FeedFanout::Priority(std::string_view epoch, const std::vector<Journal::Candidate>& candidates,
                          const std::vector<Journal::Outcome>& outcomes,
                          const std::vector<size_t>& fresh) const {
  std::vector<size_t> lane;
  for (size_t i : fresh) {
    if (outcomes[i].lane != common::Lane::kBulk) lane.push_back(i);
  }
  if (lane.empty()) return;
  // Urgent before high; each lane in gseq order.
  std::stable_sort(lane.begin(), lane.end(),
                   [&](size_t a, size_t b) { return outcomes[a].lane > outcomes[b].lane; });
  for (const auto& [id, node] : registry_->nodes()) {
    if (node.revoked) continue;
    std::vector<std::string_view> visible;
    for (size_t i : lane) {
      if (policy_->MaySee(node, outcomes[i].scope, candidates[i].origin))
        visible.push_back(outcomes[i].body);
    }
    if (!visible.empty())
      publish_(WireFrame::PriorityTopic(id), WireFrame::EncodePriority(epoch, visible));
  }
}

std::string FeedFanout::HeadFrame(std::string_view epoch, int64_t head) {
  return WireFrame::Encode(
      {{"t", common::frame::kHead}, {"head", head}, {"epoch", std::string(epoch)}});
}

void FeedFanout::Heads(std::string_view epoch, int64_t head) const {
  const std::string frame = HeadFrame(epoch, head);
  for (const auto& [id, node] : registry_->nodes()) {
    if (!node.revoked) publish_(WireFrame::FeedTopic(id), frame);
  }
}

}  // namespace cen::hub
