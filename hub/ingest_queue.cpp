#include "hub/ingest_queue.h"

#include <iterator>

#include "common/wire_frame.h"

namespace cen::hub {

namespace {

size_t Bytes(const IngestQueue::Message& m) {
  size_t n = IngestQueue::kMessageOverhead;
  for (const auto& part : m) n += part.size();
  return n;
}

}  // namespace

size_t IngestQueue::Intake() {
  size_t taken = 0;
  while (taken < kMaxPerIntake && bulk_bytes_ < max_bulk_bytes_ &&
         priority_.size() < max_priority_) {
    Message parts;
    zmq::message_t part;
    if (!router_->recv(part, zmq::recv_flags::dontwait)) break;
    parts.push_back(std::move(part));
    while (parts.back().more()) {
      zmq::message_t next;
      (void)router_->recv(next);
      parts.push_back(std::move(next));
    }
    ++taken;
    const bool priority = parts.size() == 2 && may_peek_(parts.back()) &&
                          common::WireFrame::CarriesPriority(parts.back().to_string_view());
    if (!priority) bulk_bytes_ += Bytes(parts);
    (priority ? priority_ : bulk_).push_back(std::move(parts));
    if (priority) break;  // committed next
  }
  return taken;
}

std::optional<IngestQueue::Message> IngestQueue::NextPriority() {
  if (priority_.empty()) return std::nullopt;
  Message m = std::move(priority_.front());
  priority_.pop_front();
  return m;
}

void IngestQueue::Requeue(std::vector<Message> messages, bool priority) {
  std::deque<Message>& queue = priority ? priority_ : bulk_;
  if (!priority) {
    for (const auto& m : messages) bulk_bytes_ += Bytes(m);
  }
  queue.insert(queue.begin(), std::make_move_iterator(messages.begin()),
               std::make_move_iterator(messages.end()));
}

std::optional<IngestQueue::Message> IngestQueue::NextBulk() {
  if (bulk_.empty()) return std::nullopt;
  Message m = std::move(bulk_.front());
  bulk_.pop_front();
  bulk_bytes_ -= Bytes(m);
  return m;
}

}  // namespace cen::hub
