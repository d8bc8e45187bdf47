#include "common/msgpack_key_index.h"

#include "common/msgpack_json.h"
#include "common/record_fields.h"

namespace cen::common {

MsgpackKeyIndex::MsgpackKeyIndex(const msgpack::object& map)
    : kv_(map.via.map.ptr), size_(map.via.map.size), hashed_(size_ <= kMaxKeys) {
  if (!hashed_) return;
  for (uint32_t i = 0; i < size_; ++i) {
    if (kv_[i].key.type != msgpack::type::STR) continue;
    const std::string_view key = MsgpackJson::TextOf(kv_[i].key);
    uint32_t s = Slot(key);
    // A repeated key takes its earlier occurrence's slot: the last one wins.
    while (slots_[s] != 0 && MsgpackJson::TextOf(kv_[slots_[s] - 1].key) != key)
      s = (s + 1) % kSlots;
    slots_[s] = static_cast<uint8_t>(i + 1);
  }
}

const msgpack::object* MsgpackKeyIndex::Find(std::string_view key) const {
  if (hashed_) {
    for (uint32_t s = Slot(key); slots_[s] != 0; s = (s + 1) % kSlots) {
      const msgpack::object_kv& kv = kv_[slots_[s] - 1];
      if (MsgpackJson::TextOf(kv.key) == key) return &kv.val;
    }
    return nullptr;
  }
  const msgpack::object* found = nullptr;
  for (uint32_t i = 0; i < size_; ++i) {
    if (kv_[i].key.type == msgpack::type::STR && MsgpackJson::TextOf(kv_[i].key) == key)
      found = &kv_[i].val;
  }
  return found;
}

uint32_t MsgpackKeyIndex::Slot(std::string_view key) {
  return RecordFields::NameHash(key) % kSlots;
}

}  // namespace cen::common
