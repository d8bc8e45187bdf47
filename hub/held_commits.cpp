#include "hub/held_commits.h"

#include <span>

namespace cen::hub {

void HeldCommits::HoldPart(uint64_t ticket, int64_t upto, std::shared_ptr<const GroupCommit> batch,
                           GroupCommit::Part part) {
  const bool last = batch->done() && part.end == batch->records();
  std::vector<GroupCommit::Reply> replies =
      last ? batch->Replies() : std::vector<GroupCommit::Reply>{};
  Hold({ticket, upto, std::move(batch), part, std::move(replies)});
}

void HeldCommits::ReleaseWhile(const std::function<bool(const Held&)>& durable) {
  while (!held_.empty() && durable(held_.front())) {
    const Held& h = held_.front();
    journal_->MarkDurable(h.upto);
    for (const GroupCommit::Reply& r : h.replies) send_(r.routing_id, r.frame);
    const size_t n = h.part.end - h.part.begin;
    fanout_->Commit(journal_->epoch(), std::span(h.batch->candidates()).subspan(h.part.begin, n),
                    std::span(h.batch->outcomes()).subspan(h.part.begin, n));
    held_.pop_front();
  }
}

}  // namespace cen::hub
