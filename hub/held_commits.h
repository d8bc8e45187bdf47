// The hub's bulk commits written to hub.db's log but not yet durable, oldest
// first, and what each owes once it is: the journal's head moved past it,
// the ACKs of its PUBLISH frames (with a batch's last part only) and its
// records on the feed. A batch journaled in parts (GroupCommit::CommitPart)
// is held part by part, so a priority commit between two parts releases the
// first before its own fan-out and the feed stays in gseq order.
//
//   HeldCommits held(&journal, &fanout, [&](auto& rid, auto& bytes) { Send(rid, bytes); });
//   held.Hold({syncer.Request(), journal.written(), batch, part, replies});
//   held.Release(syncer.done());  // those synced
//   held.ReleaseAll();            // after a commit that fsynced the log
//
// Not thread-safe: owned by the hub's thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hub/feed_fanout.h"
#include "hub/group_commit.h"
#include "hub/journal.h"

namespace cen::hub {

class HeldCommits {
 public:
  using SendFn = std::function<void(const std::string& routing_id, const std::string& bytes)>;
  struct Held {
    uint64_t ticket;  // the syncer's: durable once it has synced this far
    int64_t upto;     // the last gseq written by this commit
    std::shared_ptr<const GroupCommit> batch;
    GroupCommit::Part part;                   // the records this commit journaled
    std::vector<GroupCommit::Reply> replies;  // the batch's ACKs, with its last part
  };

  HeldCommits(Journal* journal, const FeedFanout* fanout, SendFn send)
      : journal_(journal), fanout_(fanout), send_(std::move(send)) {}

  // REQUIRES: `held` was written after every commit held before it.
  void Hold(Held held) { held_.push_back(std::move(held)); }
  // One part of `batch` (GroupCommit::CommitPart), written as `ticket`
  // asks; the batch's ACKs go with the part that finished it.
  void HoldPart(uint64_t ticket, int64_t upto, std::shared_ptr<const GroupCommit> batch,
                GroupCommit::Part part);
  // Releases, oldest first, the commits whose ticket is at most `synced`.
  void Release(uint64_t synced) {
    ReleaseWhile([&](const Held& h) { return h.ticket <= synced; });
  }
  // Releases them all: a commit after them made the log durable.
  void ReleaseAll() {
    ReleaseWhile([](const Held&) { return true; });
  }
  bool empty() const { return held_.empty(); }
  size_t size() const { return held_.size(); }

 private:
  void ReleaseWhile(const std::function<bool(const Held&)>& durable);

  Journal* journal_;          // not owned
  const FeedFanout* fanout_;  // not owned
  SendFn send_;
  std::deque<Held> held_;
};

}  // namespace cen::hub
