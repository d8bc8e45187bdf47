#include "common/record_edits.h"

#include <algorithm>

#include "common/msgpack_json.h"
#include "common/record_codec.h"

namespace cen::common {
namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

void PackValue(msgpack::sbuffer& buf, const RecordEdits::Value& v) {
  Packer pk(buf);
  if (const auto* i = std::get_if<int64_t>(&v)) {
    pk.pack_int64(*i);
  } else if (const auto* s = std::get_if<std::string>(&v)) {
    MsgpackJson::PackStr(pk, *s);
  } else {
    const std::string& bytes = std::get<RecordEdits::Packed>(v).bytes;
    const msgpack::object_handle handle = msgpack::unpack(bytes.data(), bytes.size());
    MsgpackJson::PackCanonical(buf, handle.get());
  }
}

}  // namespace

const RecordEdits::Value* RecordEdits::Find(std::string_view name) const {
  for (auto it = fields.rbegin(); it != fields.rend(); ++it) {
    if (it->first == name) return &it->second;
  }
  return nullptr;
}

std::string_view RecordEdits::TextOr(const MsgpackMap& record, std::string_view name,
                                     std::string_view fallback) const {
  if (const Value* v = Find(name)) {
    if (const auto* s = std::get_if<std::string>(v)) return *s;
    return fallback;
  }
  return record.TextOr(name, fallback);
}

void RecordEdits::ApplyTo(nlohmann::json& record) const {
  for (const auto& [name, value] : fields) {
    if (const auto* packed = std::get_if<Packed>(&value)) {
      const msgpack::object_handle handle =
          msgpack::unpack(packed->bytes.data(), packed->bytes.size());
      record[name] = MsgpackJson::ToJson(handle.get());
    } else if (const auto* i = std::get_if<int64_t>(&value)) {
      record[name] = *i;
    } else {
      record[name] = std::get<std::string>(value);
    }
  }
  for (const auto& [index, digits] : indicator_imos)
    record["indicators"]["vessel_imo"][index] = digits;
}

void RecordEdits::ApplyTo(Record& record) const {
  for (const auto& [name, value] : fields) {
    if (const auto* packed = std::get_if<Packed>(&value)) {
      const msgpack::object_handle handle =
          msgpack::unpack(packed->bytes.data(), packed->bytes.size());
      RecordCodec::Set(record, name, handle.get());
    } else if (const auto* i = std::get_if<int64_t>(&value)) {
      RecordCodec::Set(record, name, msgpack::object(*i));
    } else {
      RecordCodec::Set(record, name,
                       msgpack::object(std::string_view(std::get<std::string>(value))));
    }
  }
  if (indicator_imos.empty()) return;
  Indicators* indicators =
      record.alert && record.alert->indicators ? &*record.alert->indicators : nullptr;
  if (indicators != nullptr && indicators->vessel_imo) {
    for (const auto& [index, digits] : indicator_imos) {
      if (index < indicators->vessel_imo->size()) (*indicators->vessel_imo)[index] = digits;
    }
    return;
  }
  // The list held an item that is no text (an IMO number as a JSON integer):
  // it is raw, so rewrite it in the record's bytes and read them back.
  const std::string bytes = RecordCodec::Encode(record);
  const msgpack::object_handle before = msgpack::unpack(bytes.data(), bytes.size());
  RecordEdits imos;
  imos.indicator_imos = indicator_imos;
  const std::string after = imos.Pack(before.get());
  const msgpack::object_handle handle = msgpack::unpack(after.data(), after.size());
  record = RecordCodec::Decode(handle.get());
}

std::string RecordEdits::Pack(const msgpack::object& record,
                              const std::vector<Field>& extra) const {
  // Each top-level key's source: the record's value, or an edit.
  struct Source {
    const msgpack::object* packed = nullptr;
    const Value* edit = nullptr;
  };
  // The record's keys, then the edits, then `extra`: of a key in several,
  // the last is kept.
  std::vector<std::pair<std::string_view, Source>> top;
  top.reserve(record.via.map.size + fields.size() + extra.size());
  for (uint32_t i = 0; i < record.via.map.size; ++i) {
    const auto& kv = record.via.map.ptr[i];
    if (kv.key.type == msgpack::type::STR)
      top.emplace_back(MsgpackJson::TextOf(kv.key), Source{&kv.val, nullptr});
  }
  for (const auto& [name, value] : fields) top.emplace_back(name, Source{nullptr, &value});
  for (const auto& [name, value] : extra) top.emplace_back(name, Source{nullptr, &value});
  MsgpackMap::SortKeepingLast(top);

  msgpack::sbuffer buf(1024);
  Packer pk(buf);
  pk.pack_map(static_cast<uint32_t>(top.size()));
  for (const auto& [key, source] : top) {
    MsgpackJson::PackStr(pk, key);
    if (source.edit != nullptr) {
      PackValue(buf, *source.edit);
    } else if (key == "indicators" && !indicator_imos.empty() &&
               source.packed->type == msgpack::type::MAP) {
      // Sorted like every map; its vessel_imo items rewritten.
      const auto members = MsgpackMap::Members(*source.packed);
      pk.pack_map(static_cast<uint32_t>(members.size()));
      for (const auto& [name, value] : members) {
        MsgpackJson::PackStr(pk, name);
        if (name != "vessel_imo" || value->type != msgpack::type::ARRAY) {
          MsgpackJson::PackCanonical(buf, *value);
          continue;
        }
        pk.pack_array(value->via.array.size);
        for (uint32_t i = 0; i < value->via.array.size; ++i) {
          const auto edit = std::find_if(indicator_imos.begin(), indicator_imos.end(),
                                         [&](const auto& e) { return e.first == i; });
          if (edit != indicator_imos.end()) {
            MsgpackJson::PackStr(pk, edit->second);
          } else {
            MsgpackJson::PackCanonical(buf, value->via.array.ptr[i]);
          }
        }
      }
    } else {
      MsgpackJson::PackCanonical(buf, *source.packed);
    }
  }
  return std::string(buf.data(), buf.size());
}

}  // namespace cen::common
