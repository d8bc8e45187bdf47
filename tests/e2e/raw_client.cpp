#include "tests/e2e/raw_client.h"

#include <catch2/catch.hpp>

#include "common/socket_options.h"
#include "common/wire_frame.h"

namespace cen::e2e {

RawClient::RawClient(const std::string& endpoint, const common::CurveKeys* keys,
                     const std::string& hub_key)
    : ctx_(std::make_unique<zmq::context_t>()),
      socket_(std::make_unique<zmq::socket_t>(*ctx_, zmq::socket_type::dealer)) {
  if (keys != nullptr) {
    common::SocketOptions::CurveClient(*socket_, hub_key, keys->public_key(), keys->secret_key());
  } else {
    socket_->set(zmq::sockopt::linger, 0);
  }
  socket_->connect(endpoint);
}

RawClient RawClient::Curve(const std::string& endpoint, const std::string& hub_key,
                           const common::CurveKeys& keys) {
  return RawClient(endpoint, &keys, hub_key);
}

RawClient RawClient::Plaintext(const std::string& endpoint) {
  return RawClient(endpoint, nullptr, "");
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

std::optional<nlohmann::json> RawClient::Hello(std::chrono::milliseconds timeout) {
  Send(common::WireFrame::Encode(
      {{"t", common::frame::kHello}, {"proto", common::frame::kProtocolVersion}}));
  return Receive(timeout);
}

}  // namespace cen::e2e
