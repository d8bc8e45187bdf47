#include "hub/zap_request.h"

#include <vector>

namespace cen::hub {

ZapRequest ZapRequest::Receive(zmq::socket_t& rep) {
  std::vector<zmq::message_t> parts;
  do {
    zmq::message_t part;
    if (!rep.recv(part)) break;
    parts.push_back(std::move(part));
  } while (rep.get(zmq::sockopt::rcvmore));
  // version, request id, domain, address, identity, mechanism, credentials
  ZapRequest request;
  if (parts.size() > 1) request.request_id = parts[1].to_string();
  if (parts.size() < 6) return request;
  request.address = parts[3].to_string();
  request.mechanism = parts[5].to_string();
  if (request.mechanism == "CURVE" && parts.size() >= 7 && parts[6].size() == 32) {
    char z85[41];
    zmq_z85_encode(z85, static_cast<const uint8_t*>(parts[6].data()), 32);
    request.client_key = z85;
  }
  return request;
}

void ZapRequest::Reply(zmq::socket_t& rep, std::string_view code, std::string_view text,
                       std::string_view user_id, std::string_view metadata) const {
  rep.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
  rep.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
  rep.send(zmq::buffer(code), zmq::send_flags::sndmore);
  rep.send(zmq::buffer(text), zmq::send_flags::sndmore);
  rep.send(zmq::buffer(user_id), zmq::send_flags::sndmore);
  rep.send(zmq::buffer(metadata), zmq::send_flags::none);
}

}  // namespace cen::hub
