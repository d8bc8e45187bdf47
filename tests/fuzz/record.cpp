// Fuzz target: the record decoder as the hub runs it on every record of a
// PUBLISH: msgpack -> JSON under the decoding limits -> RecordValidator with
// the wire policy; a valid record is encoded for the journal and must decode
// again, and the typed record (RecordCodec) must give the same bytes. Also
// the submit policy, which `cen-node submit` and drops use.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/msgpack_json.h"
#include "common/msgpack_map.h"
#include "common/record_codec.h"
#include "common/record_validator.h"

using cen::common::KeyPolicy;
using cen::common::MsgpackJson;
using cen::common::MsgpackMap;
using cen::common::RecordCodec;
using cen::common::RecordValidator;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const RecordValidator wire(KeyPolicy::kKeepUnknown, "2026-11-28");
  static const RecordValidator submit(KeyPolicy::kRefuseUnknown, "2026-11-28");
  auto record = MsgpackJson::Decode(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!record.ok()) return 0;
  if (record->is_object()) {
    // The typed record gives the JSON tree's bytes, whatever the values' types.
    auto map = MsgpackMap::Decode(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!map.ok()) __builtin_trap();
    if (RecordCodec::Encode(RecordCodec::Decode(map->object())) != MsgpackJson::Encode(*record))
      __builtin_trap();
  }
  nlohmann::json user = *record;
  (void)submit.Validate(user);
  if (!wire.Validate(*record).empty()) return 0;
  if (!MsgpackJson::Decode(MsgpackJson::Encode(*record)).ok()) __builtin_trap();
  return 0;
}
