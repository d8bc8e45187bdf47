#include "node/store/outbox_record.h"

#include <msgpack.hpp>

#include "common/msgpack_json.h"
#include "node/store/nominal_details.h"

namespace cen::node {
namespace {

using nlohmann::json;

constexpr std::string_view kUuid = "uuid";
constexpr std::string_view kVersion = "version";

// A msgpack::packer stream that appends to a string.
struct Appender {
  std::string* out;
  void write(const char* data, size_t size) { out->append(data, size); }
};

template <typename Stream>
void PackStr(msgpack::packer<Stream>& pk, std::string_view s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

}  // namespace

OutboxRecord::OutboxRecord(json record) {
  if (auto it = record.find(kUuid); it != record.end()) {
    given_uuid_ = it->get<std::string>();
    record.erase(it);
  }
  if (auto it = record.find(kVersion); it != record.end()) record.erase(it);
  kind_ = record["kind"].get<std::string>();
  ref_ = record["ref"].get<std::string>();
  // Names and document numbers never reach the body that goes to the hub.
  nominal_ = NominalDetails::Strip(record);
  lane_ = common::PriorityLane::Of(record);

  const std::string msg_type = record.value("msg_type", "");
  const auto references = record.find("references");
  if (lane_ != common::Lane::kBulk && kind_ == "alert" &&
      (msg_type == "update" || msg_type == "cancel") && references != record.end() &&
      references->is_array()) {
    for (const json& target : *references) {
      if (target.is_string()) raises_.push_back(target.get<std::string>());
    }
  }

  msgpack::sbuffer buf(1024);
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(static_cast<uint32_t>(record.size() + 2));
  bool uuid_placed = false;
  bool version_placed = false;
  for (const auto& [key, value] : record.items()) {
    if (!uuid_placed && std::string_view(key) > kUuid) {
      uuid_at_ = buf.size();
      uuid_placed = true;
    }
    if (!version_placed && std::string_view(key) > kVersion) {
      version_at_ = buf.size();
      version_placed = true;
    }
    PackStr(pk, key);
    common::MsgpackJson::Pack(pk, value);
  }
  if (!uuid_placed) uuid_at_ = buf.size();
  if (!version_placed) version_at_ = buf.size();
  packed_.assign(buf.data(), buf.size());
}

std::string OutboxRecord::Body(std::string_view uuid, int64_t version) const {
  std::string body;
  body.reserve(packed_.size() + uuid.size() + 24);
  Appender sink{&body};
  msgpack::packer<Appender> pk(sink);
  const std::string_view packed(packed_);
  body.append(packed.substr(0, uuid_at_));
  PackStr(pk, kUuid);
  PackStr(pk, uuid);
  body.append(packed.substr(uuid_at_, version_at_ - uuid_at_));
  PackStr(pk, kVersion);
  pk.pack_int64(version);
  body.append(packed.substr(version_at_));
  return body;
}

}  // namespace cen::node
