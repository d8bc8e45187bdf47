#include "hub/zap_handler.h"

#include <spdlog/spdlog.h>

#include <vector>

#include "hub/hub_schema.h"
#include "hub/node_registry.h"

namespace cen::hub {
namespace {

// A ZMTP property list of one property (RFC 27 metadata frame).
std::string Metadata(std::string_view name, std::string_view value) {
  std::string out;
  out.push_back(static_cast<char>(name.size()));
  out.append(name);
  const auto n = static_cast<uint32_t>(value.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((n >> shift) & 0xFF));
  out.append(value);
  return out;
}

}  // namespace

common::Status ZapHandler::Start() {
  try {
    zmq::socket_t socket(*ctx_, zmq::socket_type::rep);
    socket.set(zmq::sockopt::linger, 0);
    socket.bind("inproc://zeromq.zap.01");
    thread_ = std::thread(&ZapHandler::Serve, this, std::move(socket));
  } catch (const zmq::error_t& e) {
    return common::Internal(std::string("cannot bind the ZAP handler: ") + e.what());
  }
  return common::Status::Ok();
}

void ZapHandler::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ZapHandler::Serve(zmq::socket_t socket) {
  auto db = HubSchema::Open(data_dir_);
  if (!db.ok()) {
    spdlog::error("[{}] ZAP handler cannot open hub.db: {}", hub_id_, db.status().message());
    return;
  }
  NodeRegistry registry(&*db);
  zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0}};
  while (!stop_) {
    try {
      zmq::poll(items, 1, std::chrono::milliseconds(100));
      if (!(items[0].revents & ZMQ_POLLIN)) continue;
      std::vector<zmq::message_t> request;
      do {
        zmq::message_t part;
        if (!socket.recv(part)) break;
        request.push_back(std::move(part));
      } while (socket.get(zmq::sockopt::rcvmore));
      // version, request id, domain, address, identity, mechanism, credentials
      if (request.size() < 6) continue;  // malformed: libzmq never sends this
      const std::string request_id = request[1].to_string();
      const std::string address = request[3].to_string();
      const std::string mechanism = request[5].to_string();
      std::string status_code = "400";
      std::string status_text = "unknown key";
      std::string user_id;
      std::string metadata;
      if (mechanism != "CURVE" || request.size() < 7 || request[6].size() != 32) {
        status_text = "CURVE required";
        audit_->NoteThrottled("zap:" + address, AuditTrail::kAuthFailure, "",
                              "from " + address + ": mechanism " + mechanism + ", CURVE required");
      } else {
        char z85[41];
        zmq_z85_encode(z85, static_cast<const uint8_t*>(request[6].data()), 32);
        const common::Status s = registry.Refresh();
        if (!s.ok()) spdlog::error("[{}] ZAP: {}", hub_id_, s.message());
        auto node = registry.FindByKey(z85);
        if (node && !node->revoked) {
          status_code = "200";
          status_text = "OK";
          user_id = node->id;
          metadata = Metadata(kKeyProperty, z85);
          audit_->Note(AuditTrail::kConnect, node->id, "from " + address + " with key " + z85);
        } else if (node) {
          status_text = "revoked";
          spdlog::warn("[{}] refused connection from {}: node {} is revoked", hub_id_, address,
                       node->id);
          audit_->NoteThrottled("zap:" + std::string(z85), AuditTrail::kAuthFailure, node->id,
                                "from " + address + ": node revoked");
        } else {
          spdlog::warn("[{}] refused connection from {}: key {} is not registered", hub_id_,
                       address, z85);
          audit_->NoteThrottled("zap:" + std::string(z85), AuditTrail::kAuthFailure, "",
                                "from " + address + ": key " + z85 + " is not registered");
        }
      }
      socket.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(status_code), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(status_text), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(user_id), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(metadata), zmq::send_flags::none);
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;
      spdlog::error("[{}] ZAP handler: {}", hub_id_, e.what());
    }
  }
}

}  // namespace cen::hub
