// Fuzz target: the frame decoder. Any bytes a peer sends go through
// WireFrame::CarriesPriority (the hub's ingest triage), WireFrame::Decode and
// the typed reads the hub and the node make of each frame type; none may crash, and a frame that
// decodes must re-encode to bytes that decode and encode to the same bytes again (the first
// encoding may normalise: 14.0 goes out as the integer 14, PROTOCOL.md §4).
// The agent reads feed frames in place (MsgpackMap): it must accept exactly
// the maps Decode accepts, and write each record's document text exactly as
// the JSON tree would.
#include "common/wire_frame.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/json_text.h"
#include "common/msgpack_map.h"

namespace {

using cen::common::WireFrame;
using nlohmann::json;

void ReadFields(json& f) {
  for (const char* key : {"from", "max", "id", "proto", "replica_gseq", "outbox", "head", "first",
                          "last", "gseq", "upto", "feed_port"}) {
    (void)WireFrame::GetInt(f, key);
    (void)WireFrame::IntOr(f, key, 0);
  }
  for (const char* key : {"epoch", "code", "reason", "node", "region"}) {
    (void)WireFrame::GetString(f, key);
    (void)WireFrame::StringOr(f, key, "");
  }
  for (const char* key : {"records", "acks"}) {
    auto items = WireFrame::TakeArray(f, key);
    if (!items.ok()) continue;
    for (const auto& item : *items) {
      (void)WireFrame::StringOr(item, "uuid", "");
      (void)WireFrame::StringOr(item, "status", "");
      (void)WireFrame::IntOr(item, "version", 0);
      (void)WireFrame::IntOr(item, "gseq", 0);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The hub's ingest queue classifies raw bytes before anything decodes
  // them: it must never crash. (It is a triage only: bytes it calls priority
  // may still fail Decode, e.g. text that is not UTF-8, and are then refused.)
  (void)WireFrame::CarriesPriority(bytes);
  auto tree = cen::common::MsgpackJson::Decode(bytes);
  auto map = cen::common::MsgpackMap::Decode(bytes);
  if (map.ok() != (tree.ok() && tree->is_object())) __builtin_trap();
  if (map.ok()) {
    if (map->ToJsonText() != cen::common::JsonText::Compact(*tree)) __builtin_trap();
    for (const auto& record : map->Maps("records")) {
      (void)record.IntOr("gseq", 0);
      (void)record.Texts("transit");
      if (record.ToJsonText() != cen::common::JsonText::Compact(record.ToJson())) __builtin_trap();
    }
  }
  auto frame = WireFrame::Decode(bytes);
  if (!frame.ok()) return 0;
  const std::string encoded = WireFrame::Encode(*frame);
  auto again = WireFrame::Decode(encoded);
  if (!again.ok() || WireFrame::Encode(*again) != encoded) __builtin_trap();
  (void)WireFrame::Type(*frame);
  ReadFields(*frame);
  return 0;
}
