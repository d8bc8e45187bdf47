// The hub's ingest intake: takes every message waiting on the ingest ROUTER
// (without blocking) into two queues, PUBLISH frames that carry an urgent or
// high alert and everything else, so the hub can commit the priority frames
// between any two steps of its bulk work. Classifying a frame costs one
// msgpack parse of its bytes, no JSON tree.
//
//   IngestQueue queue(&router, [&](zmq::message_t& last) { return Trusted(last); });
//   queue.Intake();
//   while (auto m = queue.NextPriority()) Handle(*m);
//   if (auto m = queue.NextBulk()) Handle(*m);
//
// A message whose sender `may_peek` refuses is never parsed here: it goes to
// the bulk queue, where the hub refuses it. Not thread-safe: owned by the
// hub's thread, like the socket.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <vector>
#include <zmq.hpp>

namespace cen::hub {

class IngestQueue {
 public:
  // [routing id][body], as the ROUTER delivers it.
  using Message = std::vector<zmq::message_t>;
  using MayPeek = std::function<bool(zmq::message_t& last_part)>;

  // Takes messages in until the bulk queue holds `max_bulk_bytes` or the
  // priority queue `max_priority` messages; past that the rest waits in the
  // socket. The bulk bound is in bytes and large on purpose: every node keeps
  // a whole window of PUBLISH frames in flight (64 of 256 records by
  // default), and an urgent frame behind them is only found once it is taken
  // in. The bytes were in memory in the socket's queue anyway.
  IngestQueue(zmq::socket_t* router, MayPeek may_peek, size_t max_bulk_bytes = kMaxBulkBytes,
              size_t max_priority = 64)
      : router_(router),
        may_peek_(std::move(may_peek)),
        max_bulk_bytes_(max_bulk_bytes),
        max_priority_(max_priority) {}

  static constexpr size_t kMaxBulkBytes = size_t{256} << 20;
  // What each queued message counts for beyond its bytes (so that a flood of
  // tiny messages is bounded too).
  static constexpr size_t kMessageOverhead = 256;
  // Messages taken in by one Intake(), which also returns as soon as it has
  // queued a priority frame: that frame is committed next, not after the
  // hub has classified everything else waiting.
  static constexpr size_t kMaxPerIntake = 64;

  // Takes what waits on the socket. Returns how many messages it took.
  size_t Intake();
  std::optional<Message> NextPriority();
  std::optional<Message> NextBulk();
  // Puts messages taken by Next*() back in front of their queue, in order
  // (their commit failed).
  void Requeue(std::vector<Message> messages, bool priority);
  bool empty() const { return priority_.empty() && bulk_.empty(); }
  size_t bulk_waiting() const { return bulk_.size(); }
  bool priority_waiting() const { return !priority_.empty(); }
  // The bulk message NextBulk() would return, or nullptr.
  const Message* FrontBulk() const { return bulk_.empty() ? nullptr : &bulk_.front(); }
  // Intake() takes nothing more until bulk messages are taken out.
  bool bulk_full() const { return bulk_bytes_ >= max_bulk_bytes_; }

 private:
  zmq::socket_t* router_;  // not owned
  MayPeek may_peek_;
  size_t max_bulk_bytes_;
  size_t max_priority_;
  size_t bulk_bytes_ = 0;
  std::deque<Message> priority_;
  std::deque<Message> bulk_;
};

}  // namespace cen::hub
