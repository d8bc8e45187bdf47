#include "common/wire_frame.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/msgpack_json.h"
#include "tests/test_support/sample_records.h"

using cen::common::MsgpackJson;
using cen::common::StatusCode;
using cen::common::WireFrame;
using cen::test::WireSeizure;
using nlohmann::json;
namespace frame = cen::common::frame;

namespace {

// The sample seizure with non-ASCII text and a fractional quantity for the codec.
json Seizure(const std::string& ref) {
  json record = WireSeizure(ref, "0190f2c1-1234-7abc-8def-0123456789ab", 1, 1.5);
  record["description"] = "Кокаин";
  return record;
}

}  // namespace

TEST_CASE("WireFrame round-trips a frame and keeps unknown keys", "[common][wire]") {
  const json sent = {{"t", "FETCH"}, {"from", 10}, {"max", 500}, {"x-future", {{"a", 1}}}};
  const auto back = WireFrame::Decode(WireFrame::Encode(sent));
  REQUIRE(back.ok());
  CHECK(*back == sent);
  CHECK(WireFrame::Type(*back) == "FETCH");
}

TEST_CASE("WireFrame::Decode refuses what is not a frame", "[common][wire]") {
  struct WireFrameCase {
    const char* name;
    std::string bytes;
  };
  const WireFrameCase cases[] = {
      {"an array", WireFrame::Encode(json::array({"t", "HELLO"}))},
      {"a string", WireFrame::Encode("HELLO")},
      {"an integer", WireFrame::Encode(7)},
      {"nil", WireFrame::Encode(nullptr)},
      {"a map without t", WireFrame::Encode({{"type", "HELLO"}})},
      {"a map whose t is not a string", WireFrame::Encode({{"t", 5}})},
      {"an empty map", WireFrame::Encode(json::object())},
      {"garbage bytes", std::string("\xc1\x00garbage", 9)},
      {"nothing", std::string()},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto decoded = WireFrame::Decode(c.bytes);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.status().code() == StatusCode::kCorruption);
  }
  SECTION("the message says what is missing") {
    const auto no_t = WireFrame::Decode(WireFrame::Encode({{"from", 1}}));
    REQUIRE_FALSE(no_t.ok());
    CHECK_THAT(no_t.status().message(), Catch::Contains("\"t\""));
    const auto not_map = WireFrame::Decode(WireFrame::Encode(json::array()));
    REQUIRE_FALSE(not_map.ok());
    CHECK_THAT(not_map.status().message(), Catch::Contains("map"));
  }
}

TEST_CASE("WireFrame::EncodeBatch wraps stored records the node decodes back", "[common][wire]") {
  const json r1 = Seizure("R1");
  const json r3 = Seizure("R3");
  const std::string e1 = MsgpackJson::Encode(r1);
  const std::string e3 = MsgpackJson::Encode(r3);
  auto back = WireFrame::Decode(WireFrame::EncodeBatch("0123456789abcdef", 41, 43, {e1, e3}));
  REQUIRE(back.ok());
  CHECK(WireFrame::Type(*back) == frame::kBatch);
  CHECK(*WireFrame::GetString(*back, "epoch") == "0123456789abcdef");
  CHECK(*WireFrame::GetInt(*back, "first") == 41);
  CHECK(*WireFrame::GetInt(*back, "last") == 43);
  const auto records = WireFrame::TakeArray(*back, "records");
  REQUIRE(records.ok());
  REQUIRE(records->size() == 2);
  CHECK((*records)[0] == r1);
  CHECK((*records)[1] == r3);

  SECTION("a batch with nothing this node may see") {
    const auto empty = WireFrame::Decode(WireFrame::EncodeBatch("e", 7, 9, {}));
    REQUIRE(empty.ok());
    CHECK((*empty)["records"] == json::array());
    CHECK((*empty)["first"] == 7);
    CHECK((*empty)["last"] == 9);
  }
  SECTION("gseqs beyond 32 bits") {
    const int64_t big = int64_t{1} << 40;
    const auto wide = WireFrame::Decode(WireFrame::EncodeBatch("e", big, big + 1, {e1}));
    REQUIRE(wide.ok());
    CHECK((*wide)["first"].get<int64_t>() == big);
    CHECK((*wide)["last"].get<int64_t>() == big + 1);
  }
}

TEST_CASE("WireFrame::EncodePriority is the PRIORITY frame PROTOCOL.md shows", "[common][wire]") {
  const json r1 = Seizure("R1");
  const std::string e1 = MsgpackJson::Encode(r1);
  const std::string bytes = WireFrame::EncodePriority("0123456789abcdef", {e1});
  // 83 | a1 74 a8 "PRIORITY" | a5 "epoch" b0 ... (docs/PROTOCOL.md, PRIORITY)
  const std::string head(
      "\x83\xa1"
      "t\xa8"
      "PRIORITY\xa5"
      "epoch\xb0",
      19);
  CHECK(bytes.substr(0, head.size()) == head);
  auto back = WireFrame::Decode(bytes);
  REQUIRE(back.ok());
  CHECK(WireFrame::Type(*back) == frame::kPriority);
  CHECK(*WireFrame::GetString(*back, "epoch") == "0123456789abcdef");
  const auto records = WireFrame::TakeArray(*back, "records");
  REQUIRE(records.ok());
  REQUIRE(records->size() == 1);
  CHECK((*records)[0] == r1);
  CHECK(WireFrame::PriorityTopic("RILO-WE") == "P:RILO-WE/");
}

TEST_CASE("WireFrame::EncodeAck packs every kind of entry as the JSON frame would",
          "[common][wire]") {
  // The hub's ACKs were JSON trees encoded; a client may compare or log the
  // bytes, and docs/PROTOCOL.md describes that frame: byte for byte the same.
  const std::vector<std::string> audience = {"RILO-EE", "RILO-WE", "NCP-ÉCOLE"};
  const std::vector<std::string> nobody;
  using Entry = WireFrame::AckEntry;
  auto entry = [](std::string_view uuid, int64_t version, std::string_view status,
                  std::optional<int64_t> gseq, std::optional<std::string_view> reason,
                  std::optional<std::vector<std::string>> to) {
    Entry e;
    e.uuid = uuid;
    e.version = version;
    e.status = status;
    e.gseq = gseq;
    e.reason = reason;
    e.audience = to;
    return e;
  };
  const std::vector<Entry> acks = {
      entry("0192f1d4-0000-7000-8000-000000000001", 1, "NEW", 7, std::nullopt, std::nullopt),
      entry("0192f1d4-0000-7000-8000-000000000002", 3, "DUP", int64_t{1} << 40, std::nullopt,
            std::nullopt),
      entry("", 0, "REJECTED", std::nullopt, "unit: must be one of C62, KGM", std::nullopt),
      entry("a", int64_t{1} << 62, "NEW", 70000, std::nullopt, audience),
      entry("b", 2, "DUP", 128, std::nullopt, nobody),
  };
  json as_json = json::array();
  for (const Entry& a : acks) {
    json e = {{"uuid", a.uuid}, {"version", a.version}, {"status", a.status}};
    if (a.gseq) e["gseq"] = *a.gseq;
    if (a.reason) e["reason"] = *a.reason;
    if (a.audience) e["audience"] = *a.audience;
    as_json.push_back(e);
  }
  const std::string expected = WireFrame::Encode({{"t", frame::kAck}, {"acks", as_json}});
  CHECK(WireFrame::EncodeAck(acks) == expected);
  CHECK(WireFrame::EncodeAck({}) ==
        WireFrame::Encode({{"t", frame::kAck}, {"acks", json::array()}}));
}

TEST_CASE("WireFrame::EncodePublish is the bulk PUBLISH PROTOCOL.md shows", "[common][wire]") {
  // docs/PROTOCOL.md, PUBLISH: the 30 bytes of an empty bulk PUBLISH.
  const std::string expected(
      "\x83\xa1t\xa7PUBLISH\xa4lane\xa4"
      "bulk\xa7records\x90",
      30);
  CHECK(WireFrame::EncodePublish({}, /*bulk_only=*/true) == expected);
  const json r1 = Seizure("R1");
  const std::string bytes = WireFrame::EncodePublish({MsgpackJson::Encode(r1)}, false);
  auto back = WireFrame::Decode(bytes);
  REQUIRE(back.ok());
  CHECK(WireFrame::Type(*back) == frame::kPublish);
  CHECK_FALSE(back->contains("lane"));
  const auto records = WireFrame::TakeArray(*back, "records");
  REQUIRE(records.ok());
  REQUIRE(records->size() == 1);
  CHECK((*records)[0] == r1);
}

TEST_CASE("WireFrame::EncodeRecords carries records in order", "[common][wire]") {
  std::vector<json> records;
  std::vector<std::string> encoded;
  for (int i = 1; i <= 3; ++i) {
    records.push_back(Seizure("R" + std::to_string(i)));
    encoded.push_back(MsgpackJson::Encode(records.back()));
  }
  for (const auto type : {frame::kRecords, frame::kPublish}) {
    INFO(type);
    auto back = WireFrame::Decode(WireFrame::EncodeRecords(type, encoded));
    REQUIRE(back.ok());
    CHECK(WireFrame::Type(*back) == type);
    CHECK_FALSE(back->contains("id"));
    const auto array = WireFrame::TakeArray(*back, "records");
    REQUIRE(array.ok());
    REQUIRE(array->size() == 3);
    for (size_t i = 0; i < records.size(); ++i) CHECK((*array)[i] == records[i]);
  }
  SECTION("RECORDS echo the id of their FETCH") {
    const auto back = WireFrame::Decode(WireFrame::EncodeRecords(frame::kRecords, encoded, 12));
    REQUIRE(back.ok());
    CHECK(*WireFrame::GetInt(*back, "id") == 12);
    CHECK((*back)["records"].size() == 3);
  }
  SECTION("no records") {
    const auto back = WireFrame::Decode(WireFrame::EncodeRecords(frame::kRecords, {}));
    REQUIRE(back.ok());
    CHECK((*back)["records"] == json::array());
  }
}

TEST_CASE("WireFrame::FeedTopic never makes one node's topic a prefix of another's",
          "[common][wire]") {
  CHECK(WireFrame::FeedTopic("n1") == "N:n1/");
  const std::string a = WireFrame::FeedTopic("RILO-A");
  const std::string ap = WireFrame::FeedTopic("RILO-AP");
  CHECK(ap.rfind(a, 0) == std::string::npos);
  CHECK(a.rfind(ap, 0) == std::string::npos);
}

TEST_CASE("WireFrame typed reads name the key at fault", "[common][wire]") {
  json f = {{"t", "FETCH"}, {"from", "ten"}, {"records", {1}}, {"name", "n1"}, {"max", 5}};

  CHECK(*WireFrame::GetInt(f, "max") == 5);
  CHECK(*WireFrame::GetString(f, "name") == "n1");

  struct WireFrameCase {
    const char* key;
    cen::common::Status status;
  };
  const WireFrameCase cases[] = {
      {"from", WireFrame::GetInt(f, "from").status()},      // wrong type
      {"absent", WireFrame::GetInt(f, "absent").status()},  // missing
      {"max", WireFrame::GetString(f, "max").status()},     // wrong type
      {"name", WireFrame::TakeArray(f, "name").status()},   // wrong type
      {"missing", WireFrame::TakeArray(f, "missing").status()},
  };
  for (const auto& c : cases) {
    INFO(c.key);
    CHECK(c.status.code() == StatusCode::kCorruption);
    CHECK_THAT(c.status.message(), Catch::Contains(std::string("\"") + c.key + "\""));
    CHECK_THAT(c.status.message(), Catch::Contains("FETCH"));
  }
  SECTION("TakeArray moves the array out") {
    auto taken = WireFrame::TakeArray(f, "records");
    REQUIRE(taken.ok());
    CHECK(*taken == json::array({1}));
  }
  SECTION("a float is not an integer") {
    CHECK_FALSE(WireFrame::GetInt({{"t", "X"}, {"n", 1.5}}, "n").ok());
  }
}

TEST_CASE("WireFrame::IntOr and StringOr never throw on a peer's mistyped keys", "[common][wire]") {
  const json f = {{"t", "HELLO"}, {"proto", "1"}, {"n", 7}, {"s", "text"}, {"f", 2.5}};
  CHECK(WireFrame::IntOr(f, "n", -1) == 7);
  CHECK(WireFrame::StringOr(f, "s", "-") == "text");

  struct WireFrameCase {
    const char* name;
    json object;
    const char* key;
  };
  const WireFrameCase cases[] = {
      {"string where an integer is expected", f, "proto"},
      {"float where an integer is expected", f, "f"},
      {"missing key", f, "absent"},
      {"not an object: array", json::array({1, 2}), "n"},
      {"not an object: null", json(nullptr), "n"},
      {"not an object: string", json("HELLO"), "n"},
      {"not an object: integer", json(5), "n"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    int64_t n = 0;
    CHECK_NOTHROW(n = WireFrame::IntOr(c.object, c.key, -1));
    CHECK(n == -1);
  }
  for (const auto& c : cases) {
    INFO(c.name);
    std::string text;
    CHECK_NOTHROW(text = WireFrame::StringOr(c.object, c.key, "fallback"));
    CHECK(text == (std::string(c.key) == "proto" ? "1" : "fallback"));
  }
}
