// When the agent asks the hub for records (FETCH), and what it does with the
// answers (RECORDS, then UPTO): the catch-up and gap repair of the bulk lane,
// and the priority lane's FETCH after each WELCOME.
//
//   FetchPlanner fetches(&applier, &replica, [&](const std::string& f) { return link.Send(f); });
//   fetches.Connected(head);                 // WELCOME: the hub's head
//   fetches.CatchUp(now);                    // once subscribed: asks at once when behind
//   fetches.OnRecords(records_frame);        // each RECORDS of the answer
//   if (fetches.OnUpto(upto_frame) == FetchPlanner::Answer::kPriority) ...apply the lane
//   fetches.RequestIfBehind(now);            // every turn: a hole, a silent feed
//
// A bulk FETCH starts where the records continuing the cursor end
// (FeedApplier::ChainEnd), so one answer never repeats what is buffered.
// While an answer ends below the hub's head, and no feed batch continues it,
// the next FETCH goes out as soon as it arrives (catching up), as long as the
// applier has room. A hole (feed batches beyond a gap) is fetched after a
// grace period, and a head beyond everything the feed brought once the feed
// has been silent a while. Every decision takes the time it is made at, so
// tests need no clock.
//
// Not thread-safe: owned by the agent's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/msgpack_map.h"
#include "node/agent/feed_applier.h"
#include "node/agent/replica.h"

namespace cen::node {

// How much the agent fetches, and how long it waits before it does.
struct FetchLimits {
  int fetch_max = 5000;           // records asked for per bulk FETCH
  int priority_fetch_max = 1000;  // per priority-lane FETCH
  // Feed records buffered ahead of the replica; past this the feed waits
  // in its socket (and what overflows there is fetched).
  size_t max_buffered = 50000;
  // Gseqs fetched ahead of the cursor at most (for a node that may see few
  // of them, max_buffered alone would fetch ahead to the head).
  int64_t max_fetch_ahead = 100000;
  std::chrono::milliseconds behind_grace{300};     // a hole waits this long
  std::chrono::milliseconds feed_silence{1000};    // a head beyond the feed waits this long
  std::chrono::milliseconds fetch_timeout{10000};  // an unanswered FETCH is given up
};

class FetchPlanner {
 public:
  using Clock = std::chrono::steady_clock;
  // Sends one frame to the hub; false when it could not (nothing is then
  // marked as asked, and the next turn asks again).
  using Sender = std::function<bool(const std::string& frame)>;

  using Limits = FetchLimits;

  // What an UPTO ended.
  enum class Answer {
    kNone,      // nothing this planner asked for (late, or malformed)
    kBulk,      // a bulk FETCH: its records are with the applier
    kPriority,  // a priority-lane FETCH: its records wait in the applier's lane
  };

  FetchPlanner(FeedApplier* applier, const Replica* replica, Sender send, Limits limits = {})
      : applier_(applier), replica_(replica), send_(std::move(send)), limits_(limits) {}

  // WELCOME: answers in flight are forgotten, the hub's head noted, and
  // FETCHes may go out from now on.
  void Connected(int64_t head);
  // Once the feed is subscribed: asks for the priority lane beyond the cursor
  // and for the backlog at once when behind.
  void CatchUp(Clock::time_point now);
  // The link went down or the hub refused this node: nothing is asked until
  // the next Connected(); answers in flight are dropped.
  void Disconnected();
  // Answers in flight are given up (they may never come: a reconnect, a
  // node.db that failed); what they would have brought is asked again.
  void Forget();

  // The hub's head as a HEAD, PONG, UPTO or BATCH showed it.
  void NoteHead(int64_t head) { head_ = std::max(head_, head); }
  int64_t head() const { return head_; }
  // A feed BATCH arrived (heartbeats alone leave the feed silent), or the
  // feed was left unread because the applier's buffer is full (not silence
  // either: no FETCH for it).
  void NoteFeed(Clock::time_point now) { last_feed_ = now; }

  // A RECORDS frame: kept for its UPTO (bulk) or given to the priority lane.
  void OnRecords(const common::MsgpackMap& frame);
  // An UPTO frame, the end of an answer.
  Answer OnUpto(const common::MsgpackMap& frame, Clock::time_point now);

  // Asks for the urgent and high alerts beyond `from` this node missed
  // (after a WELCOME, and when the hub grants the priority topic).
  void RequestPriority(int64_t from);
  // Fetches from ChainEnd()+1 when buffered feed batches leave a hole (after
  // behind_grace), or when the head is beyond everything the feed brought and
  // the feed has been silent for feed_silence; at once when `at_once`.
  void RequestIfBehind(Clock::time_point now, bool at_once = false);
  // After an apply slice: the next catch-up FETCH, if the last answer ended
  // below the head, no feed batch continued it, and the applier has room.
  void MoreIfRoom(Clock::time_point now);
  // Gives up a FETCH unanswered for fetch_timeout; asks again for the
  // priority lane's catch-up while it has not reached the head and no
  // answer is awaited (or none came for fetch_timeout).
  void Tick(Clock::time_point now);

  const Limits& limits() const { return limits_; }
  bool fetch_outstanding() const { return fetch_.has_value(); }
  bool priority_outstanding() const { return priority_id_.has_value(); }
  // From each WELCOME until the priority lane's fetch of what this node
  // missed has reached the hub's head (an UPTO at or past it): alerts the
  // lane applies meanwhile may be old news (AlertTracker).
  bool priority_catching_up() const { return !priority_caught_up_; }

 private:
  struct Bulk {
    int64_t id = 0;
    int64_t from = 0;
    Clock::time_point started;
    std::vector<common::MsgpackMap> records;  // RECORDS received so far
  };
  // A FETCH from `from` stays within max_buffered and max_fetch_ahead.
  bool Room(int64_t from) const;

  FeedApplier* applier_;    // not owned
  const Replica* replica_;  // not owned
  Sender send_;
  Limits limits_;
  bool connected_ = false;
  int64_t head_ = 0;
  int64_t last_id_ = 0;  // FETCH ids: 1, 2, 3, ... for the life of the process
  std::optional<Bulk> fetch_;
  std::optional<int64_t> priority_id_;
  bool priority_caught_up_ = false;
  int64_t priority_from_ = 0;             // of the last priority FETCH
  Clock::time_point priority_started_{};  // when it was sent
  // An answer ended below the head and no feed batch continued it: ask for the next.
  bool more_ = false;
  Clock::time_point last_feed_{};
  std::optional<Clock::time_point> behind_since_;
};

}  // namespace cen::node
