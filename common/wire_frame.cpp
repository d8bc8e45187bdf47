#include "common/wire_frame.h"

#include <exception>
#include <msgpack.hpp>

#include "common/msgpack_json.h"
#include "common/msgpack_map.h"
#include "common/priority_lane.h"

namespace cen::common {
namespace {

// A packer's stream that writes straight into the string returned, so a feed
// frame of thousands of records is not copied once more at the end.
struct StringSink {
  std::string bytes;
  void write(const char* data, size_t size) { bytes.append(data, size); }
};

// {t: type, <`extra_pairs` pairs that `extra` packs>, records: [...]} around
// records already encoded as msgpack: RECORDS and PUBLISH.
template <typename Extra>
std::string RecordsFrame(std::string_view type, uint32_t extra_pairs,
                         const std::vector<std::string>& record_msgpacks, Extra extra) {
  size_t size = 64;
  for (const auto& r : record_msgpacks) size += r.size();
  StringSink buf;
  buf.bytes.reserve(size);
  msgpack::packer<StringSink> pk(buf);
  pk.pack_map(2 + extra_pairs);
  MsgpackJson::PackStr(pk, "t");
  MsgpackJson::PackStr(pk, type);
  extra(pk);
  MsgpackJson::PackStr(pk, "records");
  pk.pack_array(static_cast<uint32_t>(record_msgpacks.size()));
  for (const auto& r : record_msgpacks) buf.write(r.data(), r.size());
  return std::move(buf.bytes);
}

// Reads a frame's top-level keys up to its first array or map value (a
// PUBLISH's records), and stops at the string value of `wanted`.
class KeyPeek : public msgpack::null_visitor {
 public:
  explicit KeyPeek(std::string_view wanted) : wanted_(wanted) {}
  std::string_view value;

  bool start_map(uint32_t /*pairs*/) { return ++depth_ == 1; }
  bool start_array(uint32_t /*items*/) { return false; }
  bool start_map_key() {
    in_key_ = true;
    key_ = {};
    return true;
  }
  bool end_map_key() {
    in_key_ = false;
    return true;
  }
  bool visit_str(const char* v, uint32_t size) {
    const std::string_view s(v, size);
    if (in_key_) {
      key_ = s;
      return true;
    }
    if (key_ != wanted_) return true;
    value = s;
    return false;  // read no further
  }

 private:
  std::string_view wanted_;
  int depth_ = 0;
  bool in_key_ = false;
  std::string_view key_;
};

}  // namespace

std::string_view WireFrame::DeclaredKey(std::string_view bytes, std::string_view key) {
  KeyPeek peek(key);
  try {
    size_t offset = 0;
    (void)msgpack::parse(bytes.data(), bytes.size(), offset, peek);
  } catch (const std::exception&) {
    return {};
  }
  return peek.value;
}

std::string_view WireFrame::DeclaredLane(std::string_view bytes) {
  return DeclaredKey(bytes, "lane");
}

std::string_view WireFrame::DeclaredType(std::string_view bytes) { return DeclaredKey(bytes, "t"); }

bool WireFrame::CarriesPriority(std::string_view bytes) {
  if (DeclaredLane(bytes) == "bulk") return false;
  auto frame = MsgpackMap::Decode(bytes);  // no JSON tree; never throws
  if (!frame.ok() || frame->TextOr("t", "") != frame::kPublish) return false;
  for (const MsgpackMap& record : frame->Maps("records")) {
    if (PriorityLane::Of(record) != Lane::kBulk) return true;
  }
  return false;
}

std::string WireFrame::FeedTopic(std::string_view node_id) {
  return "N:" + std::string(node_id) + "/";
}

std::string WireFrame::PriorityTopic(std::string_view node_id) {
  return "P:" + std::string(node_id) + "/";
}

std::string WireFrame::Encode(const nlohmann::json& frame) { return MsgpackJson::Encode(frame); }

std::string WireFrame::EncodeBatch(std::string_view epoch, int64_t first, int64_t last,
                                   const std::vector<std::string_view>& record_msgpacks) {
  return EncodeFeed(frame::kBatch, epoch, std::pair{first, last}, record_msgpacks);
}

std::string WireFrame::EncodePriority(std::string_view epoch,
                                      const std::vector<std::string_view>& record_msgpacks) {
  return EncodeFeed(frame::kPriority, epoch, std::nullopt, record_msgpacks);
}

std::string WireFrame::EncodeFeed(std::string_view type, std::string_view epoch,
                                  std::optional<std::pair<int64_t, int64_t>> range,
                                  const std::vector<std::string_view>& record_msgpacks) {
  size_t size = 64 + epoch.size();
  for (const auto& r : record_msgpacks) size += r.size();
  StringSink buf;
  buf.bytes.reserve(size);
  msgpack::packer<StringSink> pk(buf);
  pk.pack_map(range ? 5 : 3);
  MsgpackJson::PackStr(pk, "t");
  MsgpackJson::PackStr(pk, type);
  MsgpackJson::PackStr(pk, "epoch");
  MsgpackJson::PackStr(pk, epoch);
  if (range) {
    MsgpackJson::PackStr(pk, "first");
    pk.pack_int64(range->first);
    MsgpackJson::PackStr(pk, "last");
    pk.pack_int64(range->second);
  }
  MsgpackJson::PackStr(pk, "records");
  pk.pack_array(static_cast<uint32_t>(record_msgpacks.size()));
  for (const auto& r : record_msgpacks) buf.write(r.data(), r.size());
  return std::move(buf.bytes);
}

std::string WireFrame::EncodeRecords(std::string_view type,
                                     const std::vector<std::string>& record_msgpacks,
                                     int64_t request_id) {
  const bool with_id = request_id >= 0;
  return RecordsFrame(type, with_id ? 1 : 0, record_msgpacks, [&](auto& pk) {
    if (!with_id) return;
    MsgpackJson::PackStr(pk, "id");
    pk.pack_int64(request_id);
  });
}

std::string WireFrame::EncodeAck(const std::vector<AckEntry>& acks) {
  StringSink buf;
  buf.bytes.reserve(16 + 64 * acks.size());
  msgpack::packer<StringSink> pk(buf);
  pk.pack_map(2);
  MsgpackJson::PackStr(pk, "acks");
  pk.pack_array(static_cast<uint32_t>(acks.size()));
  for (const AckEntry& a : acks) {
    // The keys in ascending order, as a JSON object packs them.
    pk.pack_map(3 + (a.audience ? 1 : 0) + (a.gseq ? 1 : 0) + (a.reason ? 1 : 0) +
                (a.warning ? 1 : 0));
    if (a.audience) {
      MsgpackJson::PackStr(pk, "audience");
      pk.pack_array(static_cast<uint32_t>(a.audience->size()));
      for (const std::string& id : *a.audience) MsgpackJson::PackStr(pk, id);
    }
    if (a.gseq) {
      MsgpackJson::PackStr(pk, "gseq");
      pk.pack_int64(*a.gseq);
    }
    if (a.reason) {
      MsgpackJson::PackStr(pk, "reason");
      MsgpackJson::PackStr(pk, *a.reason);
    }
    MsgpackJson::PackStr(pk, "status");
    MsgpackJson::PackStr(pk, a.status);
    MsgpackJson::PackStr(pk, "uuid");
    MsgpackJson::PackStr(pk, a.uuid);
    MsgpackJson::PackStr(pk, "version");
    pk.pack_int64(a.version);
    if (a.warning) {
      MsgpackJson::PackStr(pk, "warning");
      MsgpackJson::PackStr(pk, *a.warning);
    }
  }
  MsgpackJson::PackStr(pk, "t");
  MsgpackJson::PackStr(pk, frame::kAck);
  return std::move(buf.bytes);
}

std::string WireFrame::EncodePublish(const std::vector<std::string>& record_msgpacks,
                                     bool bulk_only) {
  return RecordsFrame(frame::kPublish, bulk_only ? 1 : 0, record_msgpacks, [&](auto& pk) {
    if (!bulk_only) return;
    MsgpackJson::PackStr(pk, "lane");
    MsgpackJson::PackStr(pk, "bulk");
  });
}

Result<nlohmann::json> WireFrame::Decode(std::string_view bytes) {
  auto frame = MsgpackJson::Decode(bytes);
  if (!frame.ok()) return frame.status();
  if (!frame->is_object()) return Corruption("frame is not a msgpack map");
  auto t = frame->find("t");
  if (t == frame->end() || !t->is_string()) return Corruption("frame has no string key \"t\"");
  return frame;
}

Result<MsgpackMap> WireFrame::DecodeInPlace(std::string_view bytes) {
  auto frame = MsgpackMap::Decode(bytes);
  if (!frame.ok()) {
    if (frame.status().message() == MsgpackMap::kNotAMap)
      return Corruption("frame is not a msgpack map");
    return frame.status();
  }
  if (!frame->Text("t")) return Corruption("frame has no string key \"t\"");
  return frame;
}

std::string WireFrame::Type(const nlohmann::json& frame) {
  auto t = frame.find("t");
  return t != frame.end() && t->is_string() ? t->get<std::string>() : std::string();
}

Result<int64_t> WireFrame::GetInt(const nlohmann::json& frame, std::string_view key) {
  auto it = frame.find(key);
  if (it == frame.end() || !it->is_number_integer())
    return Corruption(Type(frame) + " frame: \"" + std::string(key) + "\" must be an integer");
  return it->get<int64_t>();
}

Result<std::string> WireFrame::GetString(const nlohmann::json& frame, std::string_view key) {
  auto it = frame.find(key);
  if (it == frame.end() || !it->is_string())
    return Corruption(Type(frame) + " frame: \"" + std::string(key) + "\" must be a string");
  return it->get<std::string>();
}

int64_t WireFrame::IntOr(const nlohmann::json& object, std::string_view key, int64_t fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

std::string WireFrame::StringOr(const nlohmann::json& object, std::string_view key,
                                std::string_view fallback) {
  if (!object.is_object()) return std::string(fallback);
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string(fallback);
}

Result<nlohmann::json> WireFrame::TakeArray(nlohmann::json& frame, std::string_view key) {
  auto it = frame.find(key);
  if (it == frame.end() || !it->is_array())
    return Corruption(Type(frame) + " frame: \"" + std::string(key) + "\" must be an array");
  return std::move(*it);
}

}  // namespace cen::common
