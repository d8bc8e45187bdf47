#include "common/msgpack_map.h"

#include <algorithm>

#include "common/json_text.h"
#include "common/msgpack_json.h"

namespace cen::common {

Result<MsgpackMap> MsgpackMap::Decode(std::string_view bytes, const DecodeLimits& limits) {
  auto oh = MsgpackJson::Unpack(bytes, limits);
  if (!oh.ok()) return oh.status();
  if (oh->get().type != msgpack::type::MAP) return Corruption(std::string(kNotAMap));
  auto handle = std::make_shared<const msgpack::object_handle>(std::move(*oh));
  const msgpack::object* map = &handle->get();
  return MsgpackMap(std::move(handle), map);
}

template <typename Bytes>
Result<MsgpackMap> MsgpackMap::DecodeKeeping(Bytes bytes, const DecodeLimits& limits) {
  // The bytes and the objects pointing into them live and die together.
  struct Owned {
    Bytes bytes;
    msgpack::object_handle handle;
  };
  auto owned = std::make_shared<Owned>();
  owned->bytes = std::move(bytes);
  const std::string_view view(
      static_cast<const char*>(static_cast<const void*>(owned->bytes.data())), owned->bytes.size());
  auto oh = MsgpackJson::Unpack(view, limits, /*in_place=*/true);
  if (!oh.ok()) return oh.status();
  if (oh->get().type != msgpack::type::MAP) return Corruption(std::string(kNotAMap));
  owned->handle = std::move(*oh);
  const msgpack::object* map = &owned->handle.get();
  return MsgpackMap(std::shared_ptr<const msgpack::object_handle>(owned, &owned->handle), map);
}

Result<MsgpackMap> MsgpackMap::DecodeOwned(std::string bytes, const DecodeLimits& limits) {
  return DecodeKeeping(std::move(bytes), limits);
}

Result<MsgpackMap> MsgpackMap::DecodeOwned(zmq::message_t message, const DecodeLimits& limits) {
  return DecodeKeeping(std::move(message), limits);
}

Result<MsgpackMap> MsgpackMap::FromJson(const nlohmann::json& object) {
  if (!object.is_object()) return InvalidInput("a record is a JSON object");
  return Decode(MsgpackJson::Encode(object),
                DecodeLimits{64, SIZE_MAX >> 1, SIZE_MAX >> 1, SIZE_MAX >> 1});
}

const msgpack::object* MsgpackMap::Find(std::string_view key) const { return keys_.Find(key); }

std::optional<std::string_view> MsgpackMap::Text(std::string_view key) const {
  const msgpack::object* v = Find(key);
  if (v == nullptr || v->type != msgpack::type::STR) return std::nullopt;
  return MsgpackJson::TextOf(*v);
}

std::optional<int64_t> MsgpackMap::Int(std::string_view key) const {
  const msgpack::object* v = Find(key);
  if (v == nullptr) return std::nullopt;
  // Decode refused positive integers beyond the signed range.
  if (v->type == msgpack::type::POSITIVE_INTEGER) return static_cast<int64_t>(v->via.u64);
  if (v->type == msgpack::type::NEGATIVE_INTEGER) return v->via.i64;
  return std::nullopt;
}

std::optional<double> MsgpackMap::Number(std::string_view key) const {
  const msgpack::object* v = Find(key);
  if (v != nullptr && (v->type == msgpack::type::FLOAT32 || v->type == msgpack::type::FLOAT64))
    return v->via.f64;
  auto i = Int(key);
  if (i) return static_cast<double>(*i);
  return std::nullopt;
}

std::string_view MsgpackMap::TextOr(std::string_view key, std::string_view fallback) const {
  return Text(key).value_or(fallback);
}

int64_t MsgpackMap::IntOr(std::string_view key, int64_t fallback) const {
  return Int(key).value_or(fallback);
}

std::vector<std::string_view> MsgpackMap::Texts(std::string_view key) const {
  std::vector<std::string_view> out;
  const msgpack::object* v = Find(key);
  if (v == nullptr || v->type != msgpack::type::ARRAY) return out;
  for (uint32_t i = 0; i < v->via.array.size; ++i) {
    if (v->via.array.ptr[i].type == msgpack::type::STR)
      out.push_back(MsgpackJson::TextOf(v->via.array.ptr[i]));
  }
  return out;
}

std::vector<MsgpackMap> MsgpackMap::Maps(std::string_view key) const {
  std::vector<MsgpackMap> out;
  const msgpack::object* v = Find(key);
  if (v == nullptr || v->type != msgpack::type::ARRAY) return out;
  out.reserve(v->via.array.size);
  for (uint32_t i = 0; i < v->via.array.size; ++i) {
    if (v->via.array.ptr[i].type == msgpack::type::MAP)
      out.push_back(MsgpackMap(handle_, &v->via.array.ptr[i]));
  }
  return out;
}

std::optional<MsgpackMap> MsgpackMap::Map(std::string_view key) const {
  const msgpack::object* v = Find(key);
  if (v == nullptr || v->type != msgpack::type::MAP) return std::nullopt;
  return MsgpackMap(handle_, v);
}

std::string MsgpackMap::ToJsonText() const { return JsonText::Compact(*map_); }

std::optional<MsgpackMap> MsgpackMap::Share(const msgpack::object& inside) const {
  if (inside.type != msgpack::type::MAP) return std::nullopt;
  return MsgpackMap(handle_, &inside);
}

std::vector<std::pair<std::string_view, const msgpack::object*>> MsgpackMap::Members(
    const msgpack::object& map) {
  std::vector<std::pair<std::string_view, const msgpack::object*>> members;
  members.reserve(map.via.map.size);
  for (uint32_t i = 0; i < map.via.map.size; ++i) {
    const auto& kv = map.via.map.ptr[i];
    if (kv.key.type == msgpack::type::STR)
      members.emplace_back(MsgpackJson::TextOf(kv.key), &kv.val);
  }
  SortKeepingLast(members);
  return members;
}

}  // namespace cen::common
