#include "node/store/outbox_record.h"

#include <msgpack.hpp>

#include "common/msgpack_json.h"
#include "common/record_codec.h"
#include "node/store/nominal_details.h"

namespace cen::node {
namespace {

using nlohmann::json;

constexpr std::string_view kUuid = "uuid";
constexpr std::string_view kVersion = "version";
constexpr std::string_view kAlertVersions = "alert_versions";

// A msgpack::packer stream that appends to a string.
struct Appender {
  std::string* out;
  void write(const char* data, size_t size) { out->append(data, size); }
};

}  // namespace

OutboxRecord::OutboxRecord(common::Record record) {
  common::Envelope& envelope = record.envelope;
  if (envelope.uuid) given_uuid_ = std::move(*envelope.uuid);
  envelope.uuid.reset();
  envelope.version.reset();
  kind_ = envelope.kind.value_or("");
  ref_ = envelope.ref.value_or("");
  handling_ = envelope.handling.value_or("");
  // Names and document numbers never reach the body that goes to the hub.
  nominal_ = NominalDetails::Strip(record);
  const common::Alert* alert = record.alert ? &*record.alert : nullptr;
  lane_ = common::PriorityLane::Of(kind_, alert ? alert->priority.value_or("") : "",
                                   record.OtherText("action").value_or(""));
  if (alert != nullptr && (alert->msg_type == "update" || alert->msg_type == "cancel") &&
      alert->references) {
    changes_ = *alert->references;
    if (lane_ != common::Lane::kBulk) raises_ = changes_;
    if (!common::RecordCodec::Has(record, kAlertVersions)) change_ = record;
  }
  const std::string_view gaps[] = {kUuid, kVersion};
  std::vector<size_t> at;
  packed_ = common::RecordCodec::EncodeLeavingRoom(record, gaps, at);
  uuid_at_ = at[0];
  version_at_ = at[1];
}

OutboxRecord::OutboxRecord(const json& record)
    : OutboxRecord([&] {
        const std::string bytes = common::MsgpackJson::Encode(record);
        const msgpack::object_handle handle = msgpack::unpack(bytes.data(), bytes.size());
        return common::RecordCodec::Decode(handle.get());
      }()) {}

std::string OutboxRecord::Body(std::string_view uuid, int64_t version,
                               const std::optional<std::string>& versions) const {
  if (!versions || !change_) return Body(uuid, version);
  common::Record stamped = *change_;
  const msgpack::object_handle handle = msgpack::unpack(versions->data(), versions->size());
  common::RecordCodec::Set(stamped, kAlertVersions, handle.get());
  OutboxRecord with(std::move(stamped));
  return with.Body(uuid, version);
}

std::string OutboxRecord::Body(std::string_view uuid, int64_t version) const {
  std::string body;
  body.reserve(packed_.size() + uuid.size() + 24);
  Appender sink{&body};
  msgpack::packer<Appender> pk(sink);
  const std::string_view packed(packed_);
  body.append(packed.substr(0, uuid_at_));
  common::MsgpackJson::PackStr(pk, kUuid);
  common::MsgpackJson::PackStr(pk, uuid);
  body.append(packed.substr(uuid_at_, version_at_ - uuid_at_));
  common::MsgpackJson::PackStr(pk, kVersion);
  pk.pack_int64(version);
  body.append(packed.substr(version_at_));
  return body;
}

}  // namespace cen::node
