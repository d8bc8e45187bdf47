#include "node/agent/hub_link.h"

#include <zmq.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "common/socket_options.h"
#include "common/wire_frame.h"

namespace cen::node {
namespace {

constexpr const char* kMonitorEndpoint = "inproc://cen-node-dealer-monitor";
constexpr int kFeedHighWater = 200000;

}  // namespace

HubLink::HubLink(zmq::context_t* ctx, Settings settings)
    : ctx_(ctx), settings_(std::move(settings)) {}

common::Status HubLink::Open() {
  Close();
  reopen_at_.reset();
  // Each monitor gets an endpoint of its own: the old one may not be unbound yet.
  const std::string monitor_endpoint = std::string(kMonitorEndpoint) + "-" +
                                       std::to_string(reinterpret_cast<uintptr_t>(this)) + "-" +
                                       std::to_string(++generation_);
  try {
    dealer_.emplace(*ctx_, zmq::socket_type::dealer);
    common::SocketOptions::CurveClient(*dealer_, settings_.hub_key, settings_.public_key,
                                       settings_.secret_key);
    dealer_->set(zmq::sockopt::immediate, 1);
    dealer_->set(zmq::sockopt::sndhwm, 10000);
    dealer_->set(zmq::sockopt::rcvhwm, 100000);
    const int events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                       ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                       ZMQ_EVENT_DISCONNECTED;
    if (zmq_socket_monitor(dealer_->handle(), monitor_endpoint.c_str(), events) != 0) {
      Close();
      return common::Internal("cannot monitor the hub connection");
    }
    monitor_.emplace(*ctx_, zmq::socket_type::pair);
    monitor_->connect(monitor_endpoint);
    dealer_->connect(settings_.hub_endpoint);
  } catch (const zmq::error_t& e) {
    Close();
    return common::InvalidInput("hub endpoint " + settings_.hub_endpoint + ": " + e.what());
  }
  return common::Status::Ok();
}

void HubLink::Close() {
  if (dealer_) zmq_socket_monitor(dealer_->handle(), nullptr, 0);
  monitor_.reset();
  dealer_.reset();
  bulk_.reset();  // made again at the next Subscribe()
  priority_.reset();
  ++priority_generation_;
  feed_port_ = 0;
}

bool HubLink::Send(const std::string& bytes) {
  if (!dealer_) return false;
  return dealer_->send(zmq::buffer(bytes), zmq::send_flags::dontwait).has_value();
}

std::optional<zmq::message_t> HubLink::Receive() {
  if (!dealer_) return std::nullopt;
  zmq::message_t msg;
  if (!dealer_->recv(msg, zmq::recv_flags::dontwait)) return std::nullopt;
  return msg;
}

std::vector<HubLink::Happened> HubLink::DrainEvents(Clock::time_point now) {
  std::vector<Happened> out;
  if (!monitor_) return out;
  while (true) {
    zmq::message_t event;
    if (!monitor_->recv(event, zmq::recv_flags::dontwait)) return out;
    zmq::message_t address;
    if (event.more()) (void)monitor_->recv(address);
    if (event.size() < 6) continue;
    uint16_t id;
    uint32_t value;
    std::memcpy(&id, event.data(), 2);
    std::memcpy(&value, static_cast<const char*>(event.data()) + 2, 4);
    switch (id) {
      case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        out.push_back({Event::kConnected});
        break;
      case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        out.push_back({Event::kUnauthorized, static_cast<int>(value)});
        if (!reopen_at_) {
          reopen_at_ = now + auth_backoff_;
          auth_backoff_ = std::min(auth_backoff_ * 2, std::chrono::milliseconds(kMaxAuthBackoff));
        }
        break;
      case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
      case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        out.push_back({Event::kHandshakeFailed});
        break;
      case ZMQ_EVENT_DISCONNECTED:
        out.push_back({Event::kDisconnected});
        break;
      default:
        break;
    }
  }
}

std::string HubLink::FeedEndpoint(int feed_port) const {
  const size_t colon = settings_.hub_endpoint.rfind(':');
  return settings_.hub_endpoint.substr(0, colon) + ":" + std::to_string(feed_port);
}

void HubLink::Subscribe(const std::string& node_id, int feed_port) {
  const std::string topic = common::WireFrame::FeedTopic(node_id);
  if (bulk_ && feed_port == feed_port_ && topic == bulk_topic_) return;
  node_id_ = node_id;
  last_feed_at_ = Clock::now();
  feed_port_ = feed_port;
  bulk_topic_ = topic;
  priority_topic_ = common::WireFrame::PriorityTopic(node_id);
  bulk_.emplace(*ctx_, zmq::socket_type::sub);
  common::SocketOptions::CurveClient(*bulk_, settings_.hub_key, settings_.public_key,
                                     settings_.secret_key);
  bulk_->set(zmq::sockopt::rcvhwm, kFeedHighWater);
  bulk_->set(zmq::sockopt::subscribe, bulk_topic_);
  bulk_->connect(FeedEndpoint(feed_port_));
  // The priority lane has a connection of its own, so its alerts never
  // queue behind the feed's backlog in a socket buffer.
  priority_.emplace(*ctx_, zmq::socket_type::sub);
  ++priority_generation_;
  common::SocketOptions::CurveClient(*priority_, settings_.hub_key, settings_.public_key,
                                     settings_.secret_key);
  priority_->set(zmq::sockopt::subscribe, priority_topic_);
  priority_->connect(FeedEndpoint(feed_port_));
}

bool HubLink::FeedSilent(Clock::time_point now, Clock::duration limit) {
  if (!bulk_ || now - last_feed_at_ < limit) return false;
  return (bulk_->get(zmq::sockopt::events) & ZMQ_POLLIN) == 0;
}

void HubLink::Resubscribe() {
  if (!bulk_) return;
  bulk_.reset();
  priority_.reset();
  ++priority_generation_;
  Subscribe(std::string(node_id_), feed_port_);
}

std::optional<zmq::message_t> HubLink::ReceiveFeed(Feed feed) {
  std::optional<zmq::socket_t>& socket = feed == Feed::kBulk ? bulk_ : priority_;
  const std::string& topic = feed == Feed::kBulk ? bulk_topic_ : priority_topic_;
  if (!socket) return std::nullopt;
  while (true) {
    zmq::message_t head;
    if (!socket->recv(head, zmq::recv_flags::dontwait)) return std::nullopt;
    if (!head.more()) continue;
    zmq::message_t body;
    (void)socket->recv(body);
    while (body.more()) {  // never sent by the hub; keep the stream aligned
      zmq::message_t extra;
      (void)socket->recv(extra);
    }
    if (head.to_string_view() != topic) continue;  // a prefix match is never ours
    if (feed == Feed::kBulk) last_feed_at_ = Clock::now();
    return body;
  }
}

int HubLink::PriorityFd() {
  if (!priority_) return -1;
  try {
    return priority_->get(zmq::sockopt::fd);
  } catch (const zmq::error_t&) {
    return -1;  // the loop meets the socket's trouble again
  }
}

bool HubLink::PriorityWaiting() {
  if (!priority_) return false;
  try {
    return (priority_->get(zmq::sockopt::events) & ZMQ_POLLIN) != 0;
  } catch (const zmq::error_t&) {
    return false;
  }
}

std::vector<zmq::pollitem_t> HubLink::PollItems() {
  std::vector<zmq::pollitem_t> items = {{dealer_->handle(), 0, ZMQ_POLLIN, 0},
                                        {monitor_->handle(), 0, ZMQ_POLLIN, 0}};
  if (bulk_) items.push_back({bulk_->handle(), 0, ZMQ_POLLIN, 0});
  if (priority_) items.push_back({priority_->handle(), 0, ZMQ_POLLIN, 0});
  return items;
}

}  // namespace cen::node
