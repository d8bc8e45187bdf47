#include "node/agent/outbox_sender.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/wire_frame.h"

namespace cen::node {
namespace {

constexpr size_t kMaxPublishBytes = common::frame::kMaxRecordBytesPerFrame;
constexpr int kPrioritySendMax = 256;

std::string Key(const std::string& uuid, int64_t version) {
  return uuid + "#" + std::to_string(version);
}

}  // namespace

void OutboxSender::NoteSent(std::string key) {
  if (in_flight_.empty()) last_ack_ = Clock::now();  // the ACK timeout starts now
  in_flight_.insert(std::move(key));
}

common::Status OutboxSender::Pump(const SendFn& send) {
  if (!dirty_) return common::Status::Ok();
  CEN_RETURN_IF_ERROR(PumpPriority(send));
  while (dirty_ && static_cast<int>(in_flight_.size()) < window_) {
    const int room = window_ - static_cast<int>(in_flight_.size());
    auto entries = outbox_->Pending(last_sent_seq_, std::min(room, batch_));
    if (!entries.ok()) return entries.status();
    if (entries->empty()) {
      dirty_ = false;
      break;
    }
    // A PUBLISH stays far below the hub's message size limit whatever the
    // records' sizes; entries the priority lane sent already are skipped.
    std::vector<std::string> bodies;
    std::vector<std::string> keys;
    size_t bytes = 0;
    size_t taken = 0;
    bool bulk_only = true;
    for (const auto& e : *entries) {
      if (!bodies.empty() && bytes + e.body.size() > kMaxPublishBytes) break;
      ++taken;
      std::string key = Key(e.uuid, e.version);
      if (in_flight_.count(key) > 0) continue;
      bytes += e.body.size();
      bodies.push_back(e.body);
      keys.push_back(std::move(key));
      bulk_only = bulk_only && e.lane == 0;
    }
    // Said "bulk" when it is: the hub then queues it without reading it, and
    // an urgent frame behind a window of these waits for no parsing.
    if (!bodies.empty() && !send(common::WireFrame::EncodePublish(bodies, bulk_only)))
      break;  // would block: next time
    for (auto& key : keys) NoteSent(std::move(key));
    last_sent_seq_ = (*entries)[taken - 1].seq;
  }
  return common::Status::Ok();
}

common::Status OutboxSender::PumpPriority(const SendFn& send) {
  if (!priority_dirty_) return common::Status::Ok();
  auto entries = outbox_->PendingPriority(kPrioritySendMax);
  if (!entries.ok()) return entries.status();
  // A full read may have left more behind; the rest waits for a settled one.
  priority_dirty_ = false;
  std::vector<std::string> bodies;
  std::vector<std::string> keys;
  for (const auto& e : *entries) {
    std::string key = Key(e.uuid, e.version);
    if (in_flight_.count(key) > 0) continue;
    bodies.push_back(e.body);
    keys.push_back(std::move(key));
  }
  if (bodies.empty()) return common::Status::Ok();
  if (!send(common::WireFrame::EncodePublish(bodies, /*bulk_only=*/false))) {
    priority_dirty_ = true;  // would block: next time
    return common::Status::Ok();
  }
  for (auto& key : keys) {
    priority_in_flight_.insert(key);
    NoteSent(std::move(key));
  }
  spdlog::debug("priority lane: {} alert(s) sent", bodies.size());
  return common::Status::Ok();
}

common::Status OutboxSender::OnAcks(const std::vector<Outbox::Ack>& acks) {
  for (const auto& a : acks) {
    const std::string key = Key(a.uuid, a.version);
    in_flight_.erase(key);
    if (priority_in_flight_.erase(key) > 0) priority_dirty_ = true;
  }
  last_ack_ = Clock::now();
  dirty_ = true;
  return outbox_->Acknowledge(acks);
}

void OutboxSender::Forget() {
  in_flight_.clear();
  priority_in_flight_.clear();
  last_sent_seq_ = 0;
  dirty_ = priority_dirty_ = true;
}

common::Status OutboxSender::OnAckFrame(const common::MsgpackMap& frame) {
  // Read in place, as the feed is: an ACK of 256 records is no JSON tree.
  // Without an array of verdicts it settles nothing and is no answer.
  const msgpack::object* acks = frame.Find("acks");
  if (acks == nullptr || acks->type != msgpack::type::ARRAY) return common::Status::Ok();
  std::vector<Outbox::Ack> done;
  // A few lines per ACK, then a count: a whole export with one typo in its
  // scope wrote 15,664 lines (a trial); cen-node status lists them.
  constexpr int kSaidPerAck = 3;
  int warned = 0, rejected = 0;
  for (const common::MsgpackMap& a : frame.Maps("acks")) {
    Outbox::Ack ack{std::string(a.TextOr("uuid", "")), a.IntOr("version", 0), false, 0, ""};
    const std::string_view verdict = a.TextOr("status", "");
    if (verdict == "NEW" || verdict == "DUP") {
      ack.accepted = true;
      ack.gseq = a.IntOr("gseq", 0);
      if (const auto warning = a.Text("warning")) {
        if (++warned <= kSaidPerAck)
          spdlog::warn("the hub journaled record {} v{} with a warning: {}", ack.uuid, ack.version,
                       *warning);
        ack.reason = std::string(*warning);  // kept for cen-node status
      }
      if (const msgpack::object* audience = a.Find("audience");
          audience != nullptr && audience->type == msgpack::type::ARRAY) {
        ack.audience.emplace();
        for (const std::string_view office : a.Texts("audience"))
          ack.audience->emplace_back(office);
      }
    } else {
      ack.reason = std::string(a.TextOr("reason", "rejected by the hub"));
      if (++rejected <= kSaidPerAck)
        spdlog::error("the hub rejected record {} v{}: {}", ack.uuid, ack.version, ack.reason);
    }
    done.push_back(std::move(ack));
  }
  if (warned > kSaidPerAck)
    spdlog::warn("... and {} more records of this ACK journaled with a warning (cen-node status)",
                 warned - kSaidPerAck);
  if (rejected > kSaidPerAck)
    spdlog::error("... and {} more records of this ACK rejected (cen-node status)",
                  rejected - kSaidPerAck);
  return OnAcks(done);
}

}  // namespace cen::node
