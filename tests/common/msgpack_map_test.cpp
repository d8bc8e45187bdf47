#include "common/msgpack_map.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <string>

#include "common/json_text.h"
#include "common/msgpack_json.h"
#include "common/wire_frame.h"
#include "tests/test_support/sample_records.h"

using cen::common::JsonText;
using cen::common::MsgpackJson;
using cen::common::MsgpackMap;
using nlohmann::json;

namespace {

enum class Decoder { kDecode, kOwnedString, kOwnedMessage };

// Decode, or DecodeOwned (the strings left in the frame's bytes) of a copy
// held as a std::string or as a zmq message, as the agent receives it.
cen::common::Result<MsgpackMap> DecodeWith(const std::string& bytes, Decoder how) {
  switch (how) {
    case Decoder::kDecode:
      return MsgpackMap::Decode(bytes);
    case Decoder::kOwnedString:
      return MsgpackMap::DecodeOwned(bytes);
    default:
      return MsgpackMap::DecodeOwned(zmq::message_t(bytes.data(), bytes.size()));
  }
}

std::string MsgpackMapNlohmann(const json& v) {
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

const std::string kKeys[] = {"kind", "ref", "uuid", "Описание", "b", "a", "", "ab", "broken \xC3"};
const std::string kTexts[] = {"Cocaine in a reefer container",
                              "Гашиш в запасном колесе",
                              "偽造ブランド品の時計",
                              "quote \" and backslash \\ and tab\t",
                              std::string("nul \0 byte", 10),
                              "broken \xC3 utf8",
                              ""};

using Packer = msgpack::packer<msgpack::sbuffer>;

// Any msgpack a peer could send that JSON can say, written by hand so that
// maps may repeat a key (a JSON tree cannot).
void PackRandom(std::mt19937& rng, Packer& pk, int depth) {
  switch (rng() % (depth > 3 ? 6 : 8)) {
    case 0:
      pk.pack_nil();
      return;
    case 1:
      rng() % 2 ? pk.pack_true() : pk.pack_false();
      return;
    case 2: {
      const int64_t ints[] = {
          0,   -1, 1, 42, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
          -129};
      pk.pack_int64(ints[rng() % 7]);
      return;
    }
    case 3: {
      const double doubles[] = {0.1, 1.5, -273.15, 1e20, 1e-7, 123456789.125, 4.35, 1e300};
      if (rng() % 2 == 0) {
        pk.pack_float(static_cast<float>(doubles[rng() % 3]));  // FLOAT32
      } else {
        pk.pack_double(doubles[rng() % 8]);
      }
      return;
    }
    case 4:
    case 5: {
      const std::string& s = kTexts[rng() % std::size(kTexts)];
      pk.pack_str(static_cast<uint32_t>(s.size()));
      pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
      return;
    }
    case 6: {
      const auto n = static_cast<uint32_t>(rng() % 4);
      pk.pack_array(n);
      for (uint32_t i = 0; i < n; ++i) PackRandom(rng, pk, depth + 1);
      return;
    }
    default: {
      const auto n = static_cast<uint32_t>(rng() % 6);
      pk.pack_map(n);
      for (uint32_t i = 0; i < n; ++i) {
        const std::string& k = kKeys[rng() % std::size(kKeys)];
        pk.pack_str(static_cast<uint32_t>(k.size()));
        pk.pack_str_body(k.data(), static_cast<uint32_t>(k.size()));
        PackRandom(rng, pk, depth + 1);
      }
      return;
    }
  }
}

std::string RandomMap(std::mt19937& rng) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  const auto n = static_cast<uint32_t>(1 + rng() % 8);
  pk.pack_map(n);
  for (uint32_t i = 0; i < n; ++i) {
    const std::string& k = kKeys[rng() % std::size(kKeys)];
    pk.pack_str(static_cast<uint32_t>(k.size()));
    pk.pack_str_body(k.data(), static_cast<uint32_t>(k.size()));
    PackRandom(rng, pk, 1);
  }
  return std::string(buf.data(), buf.size());
}

}  // namespace

TEST_CASE("A msgpack map's JSON text is the tree's text: sorted keys, the last of a repeated key",
          "[common][msgpack_map]") {
  std::mt19937 rng(20261130);
  int compared = 0;
  for (int i = 0; i < 5000; ++i) {
    const std::string bytes = RandomMap(rng);
    auto tree = MsgpackJson::Decode(bytes);
    auto map = MsgpackMap::Decode(bytes);
    REQUIRE(tree.ok() == map.ok());
    if (!map.ok()) continue;
    INFO(MsgpackMapNlohmann(*tree));
    REQUIRE(map->ToJsonText() == MsgpackMapNlohmann(*tree));
    REQUIRE(map->ToJsonText() == JsonText::Compact(*tree));
    REQUIRE(map->ToJson() == *tree);
    ++compared;
  }
  CHECK(compared > 1000);
}

TEST_CASE("A record's document from its msgpack is the one the tree gave",
          "[common][msgpack_map]") {
  json seizure = cen::test::WireSeizure("S-1", "0192f5c4-8a3e-7b1c-9d2e-3f4a5b6c7d8e");
  seizure["description"] = "Cannabis dans un double fond de valise, \"contrôle\"\n à l'aéroport";
  seizure["quantity"] = 12.5;
  seizure["transit"] = {"NL", "PL"};
  seizure["offenders"] = json::array({{{"nationality", "NL"}, {"age", 34}}});
  seizure["x_unknown"] = {{"kept", true}, {"n", nullptr}};
  const std::string bytes = MsgpackJson::Encode(seizure);
  auto map = MsgpackMap::Decode(bytes);
  REQUIRE(map.ok());
  CHECK(map->ToJsonText() == JsonText::Compact(seizure));
  CHECK(MsgpackMap::FromJson(seizure)->ToJsonText() == JsonText::Compact(seizure));
  CHECK(MsgpackMap::FromJson(json::object())->ToJsonText() == "{}");
  CHECK_FALSE(MsgpackMap::FromJson(json::array()).ok());
  CHECK_FALSE(MsgpackMap::FromJson({{"version", uint64_t{1} << 63}}).ok());
}

TEST_CASE("MsgpackMap reads typed fields in place", "[common][msgpack_map]") {
  const MsgpackMap rec =
      *MsgpackMap::FromJson({{"ref", "S-1"},
                             {"version", 3},
                             {"gseq", -5},
                             {"quantity", 12.5},
                             {"lat", 7},
                             {"transit", {"NL", 4, "PL"}},
                             {"hit", {{"record", "u-1"}}},
                             {"records", {{{"gseq", 1}}, "not a map", json::object()}}});
  CHECK(rec.Text("ref") == "S-1");
  CHECK_FALSE(rec.Text("version"));  // another type
  CHECK_FALSE(rec.Text("missing"));
  CHECK(rec.TextOr("missing", "fallback") == "fallback");
  CHECK(rec.Int("version") == 3);
  CHECK(rec.Int("gseq") == -5);
  CHECK_FALSE(rec.Int("quantity"));  // a float is not an integer
  CHECK(rec.IntOr("ref", 9) == 9);
  CHECK(rec.Number("quantity") == 12.5);
  CHECK(rec.Number("lat") == 7.0);
  CHECK(rec.Texts("transit") == std::vector<std::string_view>{"NL", "PL"});
  CHECK(rec.Texts("ref").empty());
  REQUIRE(rec.Map("hit"));
  CHECK(rec.Map("hit")->Text("record") == "u-1");
  CHECK_FALSE(rec.Map("ref"));
  const auto maps = rec.Maps("records");
  REQUIRE(maps.size() == 2);
  CHECK(maps[0].Int("gseq") == 1);
  CHECK(maps[1].ToJsonText() == "{}");
  CHECK(rec.Contains("hit"));
  CHECK_FALSE(rec.Contains("hitt"));
}

TEST_CASE("MsgpackMap takes the last of a repeated key, as the JSON tree does",
          "[common][msgpack_map]") {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(3);
  for (auto [k, v] : {std::pair{"ref", "first"}, {"kind", "seizure"}, {"ref", "last"}}) {
    pk.pack(std::string(k));
    pk.pack(std::string(v));
  }
  auto map = MsgpackMap::Decode(std::string_view(buf.data(), buf.size()));
  REQUIRE(map.ok());
  CHECK(map->Text("ref") == "last");
  CHECK(map->ToJsonText() == R"({"kind":"seizure","ref":"last"})");
}

TEST_CASE("MsgpackMap finds every key, whether the keys come sorted or not",
          "[common][msgpack_map]") {
  // Sorted as the hub packs a record (found by halves), and reversed.
  std::vector<std::string> keys = {"",    "a",       "commodity", "commodity_x", "gseq",    "kind",
                                   "ref", "transit", "version",   "zz",          "\xD0\xB1"};
  const bool reversed = GENERATE(false, true);
  if (reversed) std::reverse(keys.begin(), keys.end());
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(static_cast<uint32_t>(keys.size()));
  for (const std::string& k : keys) {
    pk.pack(k);
    pk.pack("value of " + k);
  }
  auto map = MsgpackMap::Decode(std::string_view(buf.data(), buf.size()));
  REQUIRE(map.ok());
  for (const std::string& k : keys) CHECK(map->Text(k) == "value of " + k);
  for (const char* absent :
       {"0", "b", "commod", "commodity_", "commodityz", "gseqq", "zzz", "~", "\xD0", "\xD0\xB2"})
    CHECK_FALSE(map->Contains(absent));
  CHECK(map->ToJsonText().starts_with(R"({"":"value of ","a":"value of a","commodity":)"));
}

TEST_CASE("The records of a frame outlive the frame they came in", "[common][msgpack_map]") {
  const Decoder how = GENERATE(Decoder::kDecode, Decoder::kOwnedString, Decoder::kOwnedMessage);
  INFO("decoder " << static_cast<int>(how));
  std::vector<MsgpackMap> records;
  {
    std::string bytes = cen::common::WireFrame::EncodeRecords(
        "RECORDS", {MsgpackJson::Encode(cen::test::WireSeizure("S-1", "u-1")),
                    MsgpackJson::Encode(cen::test::WireSeizure("S-2", "u-2"))});
    auto frame = DecodeWith(bytes, how);
    REQUIRE(frame.ok());
    CHECK(frame->Text("t") == "RECORDS");
    records = frame->Maps("records");
    // The strings are read in place, but not in the caller's buffer: a
    // message buffer is reused or freed once its frame is decoded.
    std::fill(bytes.begin(), bytes.end(), '\0');
  }
  REQUIRE(records.size() == 2);
  CHECK(records[1].Text("ref") == "S-2");
  CHECK(records[0].Text("uuid") == "u-1");
}

TEST_CASE("A small frame kept as a zmq message outlives the message it came in",
          "[common][msgpack_map]") {
  // libzmq keeps a message of up to 33 bytes inside the message object
  // itself: the kept strings must point into the moved object, not into the
  // caller's, which dies here (the sanitizer run reports a read of it).
  std::optional<MsgpackMap> head;
  {
    const std::string bytes = MsgpackJson::Encode({{"t", "HEAD"}, {"epoch", "E1"}, {"head", 7}});
    REQUIRE(bytes.size() <= 33);
    zmq::message_t message(bytes.data(), bytes.size());
    auto frame = MsgpackMap::DecodeOwned(std::move(message));
    REQUIRE(frame.ok());
    head = *frame;
  }
  CHECK(head->Text("t") == "HEAD");
  CHECK(head->Text("epoch") == "E1");
  CHECK(head->Int("head") == 7);
}

TEST_CASE("MsgpackMap refuses what MsgpackJson refuses, and anything but a map",
          "[common][msgpack_map]") {
  const Decoder how = GENERATE(Decoder::kDecode, Decoder::kOwnedString, Decoder::kOwnedMessage);
  INFO("decoder " << static_cast<int>(how));
  auto refused = [&](const std::string& bytes) {
    auto map = DecodeWith(bytes, how);
    REQUIRE_FALSE(map.ok());
    return map.status().message();
  };
  CHECK(refused(MsgpackJson::Encode(json::array({1, 2}))) == "msgpack value is not a map");
  CHECK(refused("") == "empty msgpack frame");
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(1);
  pk.pack(std::string("version"));
  pk.pack_uint64(uint64_t{1} << 63);
  CHECK(refused(std::string(buf.data(), buf.size())).find("beyond the signed 64-bit range") !=
        std::string::npos);
  buf.clear();
  pk.pack_map(1);
  pk.pack(std::string("doc"));
  pk.pack_bin(2);
  pk.pack_bin_body("ab", 2);
  CHECK(refused(std::string(buf.data(), buf.size())) == "malformed msgpack: bin size overflow");
  buf.clear();
  pk.pack_map(1);
  pk.pack(7);
  pk.pack(7);
  CHECK(refused(std::string(buf.data(), buf.size())) == "msgpack map key is not a string");
  const std::string whole = MsgpackJson::Encode({{"ref", "S-1"}});
  CHECK(refused(whole.substr(0, whole.size() - 1)) == "truncated msgpack value");
}

TEST_CASE("SortKeepingLast orders keys as std::string does and keeps a repeated key's last pair",
          "[common][msgpack_map]") {
  // Runs in order followed by anything (a record's keys, then its edits),
  // repeats within and across both parts, empty keys and bytes above 0x7f.
  // In std::string order: the first part takes a few of them in turn.
  const std::string keys[] = {"", "a", "ab", "b", "kind", "title", "z", "\xC3\xA9t\xC3\xA9"};
  std::mt19937 rng(20261205);
  for (int i = 0; i < 5000; ++i) {
    std::vector<std::pair<std::string_view, int>> pairs;
    const size_t in_order = rng() % 6;
    for (size_t k = 0; k < std::size(keys) && pairs.size() < in_order; ++k) {
      if (rng() % 2 == 0) pairs.emplace_back(keys[k], static_cast<int>(pairs.size()));
    }
    const size_t more = rng() % 6;
    for (size_t k = 0; k < more; ++k)
      pairs.emplace_back(keys[rng() % std::size(keys)], static_cast<int>(pairs.size()));
    std::map<std::string, int> expected;  // std::string order; the last assignment wins
    for (const auto& [key, value] : pairs) expected[std::string(key)] = value;
    MsgpackMap::SortKeepingLast(pairs);
    std::vector<std::pair<std::string, int>> got;
    for (const auto& [key, value] : pairs) got.emplace_back(std::string(key), value);
    REQUIRE(got == std::vector<std::pair<std::string, int>>(expected.begin(), expected.end()));
  }
}
