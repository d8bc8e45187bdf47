#include "hub/zap_handler.h"

#include <spdlog/spdlog.h>

#include <vector>

#include "hub/hub_schema.h"
#include "hub/node_registry.h"
#include "hub/zap_request.h"

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
      const ZapRequest request = ZapRequest::Receive(socket);
      const std::string& address = request.address;
      std::string status_code = "400";
      std::string status_text = "unknown key";
      std::string user_id;
      std::string metadata;
      if (request.client_key.empty()) {
        status_text = "CURVE required";
        audit_->NoteThrottled(
            "zap:" + address, AuditTrail::kAuthFailure, "",
            "from " + address + ": mechanism " + request.mechanism + ", CURVE required");
      } else {
        const std::string& z85 = request.client_key;
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
          audit_->NoteThrottled("zap:" + z85, AuditTrail::kAuthFailure, node->id,
                                "from " + address + ": node revoked");
        } else {
          spdlog::warn("[{}] refused connection from {}: key {} is not registered", hub_id_,
                       address, z85);
          audit_->NoteThrottled("zap:" + z85, AuditTrail::kAuthFailure, "",
                                "from " + address + ": key " + z85 + " is not registered");
        }
      }
      request.Reply(socket, status_code, status_text, user_id, metadata);
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;
      spdlog::error("[{}] ZAP handler: {}", hub_id_, e.what());
    }
  }
}

}  // namespace cen::hub
