#include "common/msgpack_key_index.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <msgpack.hpp>
#include <string>
#include <vector>

#include "common/record_fields.h"
#include "tests/test_support/sample_records.h"

using cen::common::MsgpackKeyIndex;
using cen::common::RecordFields;

namespace {

// The packed map's handle, unpacked as the hub and the agent unpack frames.
msgpack::object_handle PackMap(const std::vector<std::pair<std::string, nlohmann::json>>& pairs) {
  const std::string bytes = cen::test::PackInOrder(pairs);
  return msgpack::unpack(bytes.data(), bytes.size());
}

int ValueOf(const MsgpackKeyIndex& keys, const std::string& key) {
  const msgpack::object* v = keys.Find(key);
  return v == nullptr ? -1 : v->as<int>();
}

}  // namespace

TEST_CASE("Every field name of a record is found, and names it lacks are not",
          "[msgpack_key_index]") {
  // Every top-level field name, in maps of kMaxKeys keys at most (hashed);
  // every name is looked up in each.
  std::vector<std::pair<std::string, nlohmann::json>> all;
  for (const auto& f : RecordFields::All()) {
    const bool seen =
        std::any_of(all.begin(), all.end(), [&](const auto& p) { return p.first == f.name; });
    if (!seen) all.emplace_back(std::string(f.name), all.size());
  }
  for (size_t start = 0; start < all.size(); start += MsgpackKeyIndex::kMaxKeys) {
    const size_t end = std::min(all.size(), start + MsgpackKeyIndex::kMaxKeys);
    std::vector<std::pair<std::string, nlohmann::json>> part(all.begin() + static_cast<long>(start),
                                                             all.begin() + static_cast<long>(end));
    auto handle = PackMap(part);
    const MsgpackKeyIndex keys(handle.get());
    for (const auto& [name, value] : all) {
      const bool inside = value >= start && value < end;
      INFO(name);
      CHECK(ValueOf(keys, name) == (inside ? value.get<int>() : -1));
    }
    CHECK(keys.Find("") == nullptr);
    CHECK(keys.Find("titl") == nullptr);
    CHECK(keys.Find("titles") == nullptr);
  }
}

TEST_CASE("A repeated key gives its last value, hashed or scanned", "[msgpack_key_index]") {
  for (const size_t filler : {size_t{0}, size_t{MsgpackKeyIndex::kMaxKeys}}) {
    std::vector<std::pair<std::string, nlohmann::json>> pairs{
        {"kind", 1}, {"title", 2}, {"kind", 3}};
    for (size_t i = 0; i < filler; ++i) pairs.emplace_back("x" + std::to_string(i), 100);
    pairs.emplace_back("title", 4);
    auto handle = PackMap(pairs);
    const MsgpackKeyIndex keys(handle.get());
    INFO("keys: " << pairs.size());
    CHECK(ValueOf(keys, "kind") == 3);
    CHECK(ValueOf(keys, "title") == 4);
    CHECK(ValueOf(keys, "body") == -1);
  }
}

TEST_CASE("Keys that are not strings are left out", "[msgpack_key_index]") {
  // An integer key before and after the string one: read as a string, it
  // would take a slot (or crash the probe) and hide what follows.
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_map(3);
  pk.pack(7);
  pk.pack(1);
  pk.pack(std::string("kind"));
  pk.pack(2);
  pk.pack(4);
  pk.pack(3);
  auto handle = msgpack::unpack(buffer.data(), buffer.size());
  const MsgpackKeyIndex keys(handle.get());
  CHECK(ValueOf(keys, "kind") == 2);
}
