#include "common/msgpack_json.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>

using cen::common::DecodeLimits;
using cen::common::MsgpackJson;
using cen::common::StatusCode;
using nlohmann::json;

namespace {

// Bytes written with msgpack-c directly, for shapes MsgpackJson never produces.
template <typename Write>
std::string Raw(Write write) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  write(pk);
  return std::string(buf.data(), buf.size());
}

// `depth` arrays nested in one another around the integer 1.
std::string NestedArrays(int depth) {
  return Raw([depth](auto& pk) {
    for (int i = 0; i < depth; ++i) pk.pack_array(1);
    pk.pack_int(1);
  });
}

void RequireCorruption(std::string_view bytes, const DecodeLimits& limits = {}) {
  const auto decoded = MsgpackJson::Decode(bytes, limits);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code() == StatusCode::kCorruption);
  CHECK_FALSE(decoded.status().message().empty());
}

}  // namespace

TEST_CASE("MsgpackJson round-trips what a record holds", "[common][msgpack]") {
  const json value = json::parse(R"({
    "kind": "seizure",
    "nested": {"list": [1, -2, 3.5, "four", null, true, false, {"deep": [[]]}], "empty": {}},
    "description": "Кокаин в бананах — café, 毒品, مخدرات",
    "quantity": 412.5,
    "count": 7,
    "negative": -42,
    "big_negative": -9223372036854775808,
    "big_positive": 9223372036854775807,
    "zero": 0,
    "empty_string": "",
    "empty_array": []
  })");

  const auto back = MsgpackJson::Decode(MsgpackJson::Encode(value));
  REQUIRE(back.ok());
  CHECK(*back == value);
  CHECK((*back)["description"] == "Кокаин в бананах — café, 毒品, مخدرات");
  CHECK((*back)["big_negative"].get<int64_t>() == std::numeric_limits<int64_t>::min());
  // The largest integer a frame may hold (PROTOCOL.md section 4); beyond it,
  // see "MsgpackJson refuses integers beyond the signed 64-bit range".
  CHECK((*back)["big_positive"].get<int64_t>() == std::numeric_limits<int64_t>::max());
}

TEST_CASE("MsgpackJson keeps integers and floats apart", "[common][msgpack]") {
  struct MsgpackJsonCase {
    const char* text;
    bool is_float;  // after the round trip
  };
  // PROTOCOL.md §4: msgpack-c writes a double with an integral value as an
  // integer (850.0 goes out as 850); the value is kept, the type is not.
  const MsgpackJsonCase cases[] = {
      {"1", false},      {"-1", false},  {"0", false},    {"1.0", false},
      {"-850.0", false}, {"-0.5", true}, {"412.5", true}, {"1e300", true},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const json value = json::parse(c.text);
    const auto back = MsgpackJson::Decode(MsgpackJson::Encode(value));
    REQUIRE(back.ok());
    CHECK(back->is_number_float() == c.is_float);
    CHECK(back->is_number_integer() == !c.is_float);
    CHECK(*back == value);
  }
  SECTION("negative integers stay signed") {
    const auto back = MsgpackJson::Decode(MsgpackJson::Encode(json(-300)));
    REQUIRE(back.ok());
    CHECK(back->get<int64_t>() == -300);
  }
  SECTION("a float32 value from another library reads as a number") {
    const auto back = MsgpackJson::Decode(Raw([](auto& pk) { pk.pack_float(2.5f); }));
    REQUIRE(back.ok());
    CHECK(back->is_number_float());
    CHECK(back->get<double>() == 2.5);
  }
}

TEST_CASE("MsgpackJson refuses bytes that are not one whole value", "[common][msgpack]") {
  const std::string good = MsgpackJson::Encode({{"t", "HELLO"}, {"list", {1, 2, 3}}});

  SECTION("empty") { RequireCorruption(""); }
  SECTION("truncated at every length") {
    for (size_t n = 1; n < good.size(); ++n) {
      INFO("first " << n << " of " << good.size() << " bytes");
      RequireCorruption(std::string_view(good).substr(0, n));
    }
  }
  SECTION("trailing bytes") {
    RequireCorruption(good + '\x00');
    const auto decoded = MsgpackJson::Decode(good + good);
    REQUIRE_FALSE(decoded.ok());
    CHECK_THAT(decoded.status().message(), Catch::Contains("trailing"));
  }
  SECTION("a byte msgpack never uses") { RequireCorruption("\xc1"); }
  SECTION("garbage") { RequireCorruption("this is not msgpack at all \xff\xfe"); }
}

TEST_CASE("MsgpackJson refuses integers beyond the signed 64-bit range and names where",
          "[common][msgpack]") {
  // PROTOCOL.md section 4: every integer fits in a signed 64-bit integer.
  const std::string fetch = Raw([](auto& pk) {
    pk.pack_map(2);
    pk.pack_str(1);
    pk.pack_str_body("t", 1);
    pk.pack_str(5);
    pk.pack_str_body("FETCH", 5);
    pk.pack_str(2);
    pk.pack_str_body("id", 2);
    pk.pack_uint64((uint64_t{1} << 63) + 5);
  });
  const auto decoded = MsgpackJson::Decode(fetch);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code() == StatusCode::kCorruption);
  CHECK(decoded.status().message() ==
        "at id: integer 9223372036854775813 is beyond the signed 64-bit range "
        "(-9223372036854775808 to 9223372036854775807)");

  const std::string nested = MsgpackJson::Encode(
      {{"records", json::array({{{"ref", "A"}}, {{"version", uint64_t{1} << 63}}})}});
  const auto record = MsgpackJson::Decode(nested);
  REQUIRE_FALSE(record.ok());
  CHECK_THAT(record.status().message(),
             Catch::StartsWith("at records[1].version: integer 9223372036854775808 is beyond"));

  // A key with control characters is shown escaped, never raw.
  const auto hostile = MsgpackJson::Decode(
      MsgpackJson::Encode({{"bad\nkey\x1b[31m", json::array({uint64_t{1} << 63})}}));
  REQUIRE_FALSE(hostile.ok());
  CHECK_THAT(hostile.status().message(), Catch::StartsWith("at \"bad\\nkey\\u001b[31m\"[0]: "));

  // The largest integer that fits still decodes, as a signed value.
  const auto max = MsgpackJson::Decode(Raw([](auto& pk) {
    pk.pack_uint64(static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
  }));
  REQUIRE(max.ok());
  CHECK(max->get<int64_t>() == std::numeric_limits<int64_t>::max());
}

TEST_CASE("MsgpackJson: a key that occurs twice keeps its last value", "[common][msgpack]") {
  const std::string bytes = Raw([](auto& pk) {
    pk.pack_map(2);
    pk.pack_str(1);
    pk.pack_str_body("t", 1);
    pk.pack_str(5);
    pk.pack_str_body("HELLO", 5);
    pk.pack_str(1);
    pk.pack_str_body("t", 1);
    pk.pack_str(4);
    pk.pack_str_body("PING", 4);
  });
  const auto decoded = MsgpackJson::Decode(bytes);
  REQUIRE(decoded.ok());
  CHECK(*decoded == json({{"t", "PING"}}));
}

TEST_CASE("MsgpackJson refuses what JSON cannot say", "[common][msgpack]") {
  SECTION("integer map key") {
    const std::string bytes = Raw([](auto& pk) {
      pk.pack_map(1);
      pk.pack_int(1);
      pk.pack_str(1);
      pk.pack_str_body("a", 1);
    });
    const auto decoded = MsgpackJson::Decode(bytes);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.status().code() == StatusCode::kCorruption);
    CHECK_THAT(decoded.status().message(), Catch::Contains("key"));
  }
  SECTION("nil map key nested inside an array") {
    RequireCorruption(Raw([](auto& pk) {
      pk.pack_array(1);
      pk.pack_map(1);
      pk.pack_nil();
      pk.pack_int(1);
    }));
  }
  SECTION("binary") {
    RequireCorruption(Raw([](auto& pk) {
      pk.pack_bin(3);
      pk.pack_bin_body("abc", 3);
    }));
  }
  SECTION("empty binary") {
    RequireCorruption(Raw([](auto& pk) {
      pk.pack_bin(0);
      pk.pack_bin_body("", 0);
    }));
  }
  SECTION("binary as a map value") {
    RequireCorruption(Raw([](auto& pk) {
      pk.pack_map(1);
      pk.pack_str(1);
      pk.pack_str_body("b", 1);
      pk.pack_bin(1);
      pk.pack_bin_body("x", 1);
    }));
  }
  SECTION("extension") {
    RequireCorruption(Raw([](auto& pk) {
      pk.pack_ext(4, 7);
      pk.pack_ext_body("abcd", 4);
    }));
  }
}

TEST_CASE("MsgpackJson bounds what hostile bytes may cost", "[common][msgpack]") {
  SECTION("nesting up to max_depth decodes, one more level is refused") {
    const auto at_limit = MsgpackJson::Decode(NestedArrays(16));
    INFO((at_limit.ok() ? "" : at_limit.status().message()));
    CHECK(at_limit.ok());
    RequireCorruption(NestedArrays(17));
    RequireCorruption(NestedArrays(100000));
  }
  SECTION("a lower max_depth is honoured") {
    DecodeLimits limits;
    limits.max_depth = 3;
    CHECK(MsgpackJson::Decode(NestedArrays(3), limits).ok());
    RequireCorruption(NestedArrays(4), limits);
  }
  SECTION("oversized string") {
    DecodeLimits limits;
    limits.max_str = 8;
    CHECK(MsgpackJson::Decode(MsgpackJson::Encode("12345678"), limits).ok());
    RequireCorruption(MsgpackJson::Encode("123456789"), limits);
  }
  SECTION("oversized array") {
    DecodeLimits limits;
    limits.max_array = 3;
    CHECK(MsgpackJson::Decode(MsgpackJson::Encode({1, 2, 3}), limits).ok());
    RequireCorruption(MsgpackJson::Encode({1, 2, 3, 4}), limits);
  }
  SECTION("oversized map") {
    DecodeLimits limits;
    limits.max_map = 2;
    CHECK(MsgpackJson::Decode(MsgpackJson::Encode({{"a", 1}, {"b", 2}}), limits).ok());
    RequireCorruption(MsgpackJson::Encode({{"a", 1}, {"b", 2}, {"c", 3}}), limits);
  }
  SECTION("headers that claim billions of elements in five bytes") {
    RequireCorruption(std::string("\xdd\xff\xff\xff\xff", 5));  // array32
    RequireCorruption(std::string("\xdf\xff\xff\xff\xff", 5));  // map32
    RequireCorruption(std::string("\xdb\xff\xff\xff\xff", 5));  // str32
  }
}
