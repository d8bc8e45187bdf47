#include "node/agent/fetch_planner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "common/wire_frame.h"

namespace cen::node {

namespace frame = common::frame;
using common::WireFrame;

void FetchPlanner::Connected(int64_t head) {
  Forget();
  head_ = head;
  connected_ = true;
  priority_caught_up_ = false;
}

void FetchPlanner::CatchUp(Clock::time_point now) {
  RequestPriority(replica_->cursor() + 1);
  RequestIfBehind(now, /*at_once=*/true);
}

void FetchPlanner::Disconnected() {
  connected_ = false;
  Forget();
}

void FetchPlanner::Forget() {
  fetch_.reset();
  priority_id_.reset();
}

void FetchPlanner::RequestPriority(int64_t from) {
  if (!connected_) return;
  priority_from_ = from;
  priority_started_ = Clock::now();
  const int64_t id = ++last_id_;
  if (send_(WireFrame::Encode({{"t", frame::kFetch},
                               {"id", id},
                               {"from", from},
                               {"max", limits_.priority_fetch_max},
                               {"lane", frame::kPriorityLane}}))) {
    priority_id_ = id;
  }
}

void FetchPlanner::OnRecords(const common::MsgpackMap& frame) {
  const int64_t id = frame.IntOr("id", -1);
  if (priority_id_ && id == *priority_id_) {
    applier_->AddPriority(frame.Maps("records"));  // those without a gseq are dropped there
    return;
  }
  if (!fetch_ || id != fetch_->id) return;  // a late answer to an abandoned FETCH
  for (auto& r : frame.Maps("records")) fetch_->records.push_back(std::move(r));
}

FetchPlanner::Answer FetchPlanner::OnUpto(const common::MsgpackMap& frame, Clock::time_point now) {
  const std::optional<int64_t> upto = frame.Int("upto");
  const std::optional<int64_t> head = frame.Int("head");
  const int64_t id = frame.IntOr("id", -1);
  if (upto && priority_id_ && id == *priority_id_) {
    priority_id_.reset();
    if (head) NoteHead(*head);
    // A hub that does not know the lane answered with everything: stop.
    const bool lane = frame.TextOr("lane", "") == frame::kPriorityLane;
    if (lane && *upto < head_) {
      RequestPriority(*upto + 1);  // more than one answer
    } else {
      priority_caught_up_ = true;
    }
    return Answer::kPriority;
  }
  if (!upto || !fetch_ || id != fetch_->id) return Answer::kNone;
  if (head) NoteHead(*head);
  Bulk answer = std::move(*fetch_);
  fetch_.reset();
  // RECORDS arrive in gseq order (one FETCH, one connection); anything out
  // of order or outside (cursor, upto] is dropped rather than trusted.
  std::vector<common::MsgpackMap> batch;
  int64_t previous = replica_->cursor();
  for (auto& r : answer.records) {
    const int64_t g = r.IntOr("gseq", 0);
    if (g > previous && g <= *upto) {
      previous = g;
      batch.push_back(std::move(r));
    }
  }
  applier_->AddRange(frame.IntOr("from", answer.from), *upto, std::move(batch));
  // Catching up: the next slice is asked for at once, from where this one
  // ends, while the backlog has room. Feed batches at the head (live
  // records, this node's own receipts) lie beyond a gap and do not count.
  // Feed batches that continue this answer mean it caught up with the live
  // feed: what the hub journaled since is on its way there (a feed that
  // then falls silent is fetched from after feed_silence).
  const int64_t chain_end = applier_->ChainEnd();
  more_ = head_ > chain_end && chain_end <= *upto;
  MoreIfRoom(now);
  return Answer::kBulk;
}

bool FetchPlanner::Room(int64_t from) const {
  return applier_->buffered_records() < limits_.max_buffered &&
         from - replica_->cursor() <= limits_.max_fetch_ahead;
}

void FetchPlanner::MoreIfRoom(Clock::time_point now) {
  if (!more_ || !Room(applier_->ChainEnd() + 1)) return;
  more_ = false;
  RequestIfBehind(now, /*at_once=*/true);
}

void FetchPlanner::RequestIfBehind(Clock::time_point now, bool at_once) {
  if (!connected_ || fetch_) return;
  // The next FETCH starts where the records continuing the cursor end.
  const int64_t from = applier_->ChainEnd() + 1;
  const bool room = Room(from);
  // A hole: buffered feed batches beyond a gap. One at the cursor is
  // fetched whatever is buffered (nothing else can be applied).
  const bool hole = from <= applier_->Covered() && (from == replica_->cursor() + 1 || room);
  // The head is ahead of everything the feed brought so far; with a full
  // buffer the rest is still in the feed's socket.
  const bool missing = head_ > applier_->Covered() && room;
  if (!hole && !missing) {
    behind_since_.reset();
    return;
  }
  if (!behind_since_) behind_since_ = now;
  // A hole is repaired soon; a head ahead of the feed may only mean the feed
  // is still on its way (the head travels on the ingest socket), so wait
  // until the feed has been silent a while.
  const bool waited = now - *behind_since_ >= limits_.behind_grace;
  const bool due = at_once || (hole && waited) ||
                   (missing && waited && now - last_feed_ >= limits_.feed_silence);
  if (!due) return;
  const int64_t id = ++last_id_;
  if (send_(WireFrame::Encode(
          {{"t", frame::kFetch}, {"id", id}, {"from", from}, {"max", limits_.fetch_max}}))) {
    fetch_ = Bulk{id, from, now, {}};
    behind_since_.reset();
    spdlog::debug("FETCH {} from gseq {} (head {}, {} records buffered)", id, from, head_,
                  applier_->buffered_records());
  }
}

void FetchPlanner::Tick(Clock::time_point now) {
  if (fetch_ && now - fetch_->started > limits_.fetch_timeout) fetch_.reset();
  // Forgotten (an ACK timeout), refused (ERROR) or lost: asked again.
  if (connected_ && !priority_caught_up_ &&
      (!priority_id_ || now - priority_started_ > limits_.fetch_timeout))
    RequestPriority(std::max(priority_from_, replica_->cursor() + 1));
}

}  // namespace cen::node
