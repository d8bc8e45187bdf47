#include "hub/ingest_queue.h"

#include <iterator>

#include "common/wire_frame.h"

namespace cen::hub {

size_t IngestQueue::Intake() {
  size_t taken = 0;
  while (bulk_.size() < max_waiting_ && priority_.size() < max_waiting_) {
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
    (priority ? priority_ : bulk_).push_back(std::move(parts));
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
  queue.insert(queue.begin(), std::make_move_iterator(messages.begin()),
               std::make_move_iterator(messages.end()));
}

std::optional<IngestQueue::Message> IngestQueue::NextBulk() {
  if (bulk_.empty()) return std::nullopt;
  Message m = std::move(bulk_.front());
  bulk_.pop_front();
  return m;
}

}  // namespace cen::hub
