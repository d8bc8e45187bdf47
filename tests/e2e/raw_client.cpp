#include "tests/e2e/raw_client.h"

#include <catch2/catch.hpp>

#include "common/msgpack_json.h"
#include "common/socket_options.h"
#include "common/wire_frame.h"

namespace cen::e2e {

nlohmann::json WireRecord(const std::string& ref, const std::string& uuid, int version) {
  return {{"kind", "seizure"},
          {"ref", ref},
          {"uuid", uuid},
          {"version", version},
          {"seizure_date", "2026-03-14"},
          {"reporting_country", "FR"},
          {"commodity", "drugs"},
          {"description", "raw client"},
          {"quantity", 1},
          {"unit", "KGM"}};
}

std::string Publish(const std::vector<nlohmann::json>& records) {
  std::vector<std::string> encoded;
  for (const auto& r : records) encoded.push_back(common::MsgpackJson::Encode(r));
  return common::WireFrame::EncodeRecords(common::frame::kPublish, encoded);
}

std::string TypeOf(const std::optional<nlohmann::json>& reply) {
  return reply ? common::WireFrame::Type(*reply) : std::string("(no reply)");
}

RawClient::RawClient(zmq::socket_type type, const std::string& endpoint,
                     const common::CurveKeys* keys, const std::string& hub_key,
                     const std::string& topic)
    : ctx_(std::make_unique<zmq::context_t>()),
      socket_(std::make_unique<zmq::socket_t>(*ctx_, type)) {
  if (type == zmq::socket_type::sub) socket_->set(zmq::sockopt::subscribe, topic);
  if (keys != nullptr) {
    common::SocketOptions::CurveClient(*socket_, hub_key, keys->public_key(), keys->secret_key());
  } else {
    socket_->set(zmq::sockopt::linger, 0);
  }
  socket_->connect(endpoint);
}

RawClient RawClient::Curve(const std::string& endpoint, const std::string& hub_key,
                           const common::CurveKeys& keys) {
  return RawClient(zmq::socket_type::dealer, endpoint, &keys, hub_key);
}

RawClient RawClient::Feed(const std::string& endpoint, const std::string& hub_key,
                          const common::CurveKeys& keys, const std::string& topic) {
  return RawClient(zmq::socket_type::sub, endpoint, &keys, hub_key, topic);
}

RawClient RawClient::Plaintext(const std::string& endpoint) {
  return RawClient(zmq::socket_type::dealer, endpoint, nullptr, "");
}

bool RawClient::ReceivedWithin(std::chrono::milliseconds timeout) {
  zmq::pollitem_t items[] = {{socket_->handle(), 0, ZMQ_POLLIN, 0}};
  zmq::poll(items, 1, timeout);
  if (!(items[0].revents & ZMQ_POLLIN)) return false;
  zmq::message_t part;
  do {
    REQUIRE(socket_->recv(part, zmq::recv_flags::none));
  } while (part.more());
  return true;
}

void RawClient::Send(const std::string& bytes) {
  (void)socket_->send(zmq::buffer(bytes), zmq::send_flags::dontwait);
}

std::optional<nlohmann::json> RawClient::Receive(std::chrono::milliseconds timeout) {
  zmq::pollitem_t items[] = {{socket_->handle(), 0, ZMQ_POLLIN, 0}};
  zmq::poll(items, 1, timeout);
  if (!(items[0].revents & ZMQ_POLLIN)) return std::nullopt;
  zmq::message_t msg;
  REQUIRE(socket_->recv(msg, zmq::recv_flags::none));
  auto frame = common::WireFrame::Decode(msg.to_string_view());
  INFO((frame.ok() ? std::string() : frame.status().ToString()));
  REQUIRE(frame.ok());
  return *frame;
}

std::optional<std::string> RawClient::ReceiveBytes(std::chrono::milliseconds timeout) {
  zmq::pollitem_t items[] = {{socket_->handle(), 0, ZMQ_POLLIN, 0}};
  zmq::poll(items, 1, timeout);
  if (!(items[0].revents & ZMQ_POLLIN)) return std::nullopt;
  std::string bytes;
  do {
    zmq::message_t part;
    REQUIRE(socket_->recv(part, zmq::recv_flags::none));
    bytes += part.to_string();
  } while (socket_->get(zmq::sockopt::rcvmore));
  return bytes;
}

std::optional<nlohmann::json> RawClient::Hello(std::chrono::milliseconds timeout) {
  Send(common::WireFrame::Encode(
      {{"t", common::frame::kHello}, {"proto", common::frame::kProtocolVersion}}));
  return Receive(timeout);
}

}  // namespace cen::e2e
