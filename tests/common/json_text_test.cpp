#include "common/json_text.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "common/msgpack_json.h"
#include "tests/test_support/sample_records.h"

using cen::common::JsonText;
using nlohmann::json;

namespace {

std::string JsonTextNlohmann(const json& v) {
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Strings that exercise every escape and every UTF-8 length, and broken UTF-8.
const std::string kPieces[] = {
    "Cocaine in a reefer container",
    "Гашиш в запасном колесе",
    "偽造ブランド品の時計",
    "contrôle à l'aéroport",
    "emoji \xF0\x9F\x9A\xA2 ship",
    "quote \" and backslash \\",
    "tab\there, newline\nthere, cr\r, bs\b, ff\f",
    std::string("nul \0 byte", 10),
    "\x01\x1f\x7f controls",
    "",
    "/slash/",
    "broken \xC3 utf8",
    "overlong \xC0\xAF",
    "lone continuation \x80 byte",
    "surrogate \xED\xA0\x80 half",
    "truncated at the end \xE2\x82",
};

json RandomValue(std::mt19937& rng, int depth) {
  const int kind = static_cast<int>(rng() % (depth > 3 ? 6 : 8));
  switch (kind) {
    case 0:
      return nullptr;
    case 1:
      return rng() % 2 == 0;
    case 2: {
      const int64_t ints[] = {0,
                              -1,
                              1,
                              42,
                              std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::max(),
                              9074729};
      return ints[rng() % 7];
    }
    case 3: {
      const double doubles[] = {0.0,           -0.0,
                                0.1,           1.5,
                                5.0,           -273.15,
                                1e20,          1e-7,
                                123456789.125, std::numeric_limits<double>::infinity(),
                                std::nan(""),  std::numeric_limits<double>::max(),
                                4.35};
      return doubles[rng() % 13];
    }
    case 4:
      return std::numeric_limits<uint64_t>::max() - rng() % 3;
    case 5:
      return kPieces[rng() % std::size(kPieces)] + kPieces[rng() % std::size(kPieces)];
    case 6: {
      json arr = json::array();
      const int n = static_cast<int>(rng() % 4);
      for (int i = 0; i < n; ++i) arr.push_back(RandomValue(rng, depth + 1));
      return arr;
    }
    default: {
      json obj = json::object();
      const int n = static_cast<int>(rng() % 5);
      for (int i = 0; i < n; ++i)
        obj[kPieces[rng() % std::size(kPieces)]] = RandomValue(rng, depth + 1);
      return obj;
    }
  }
}

}  // namespace

TEST_CASE("JsonText writes what nlohmann's dump writes, escapes and broken UTF-8 included",
          "[common][json_text]") {
  std::mt19937 rng(20261130);
  for (int i = 0; i < 5000; ++i) {
    const json v = RandomValue(rng, 0);
    INFO(JsonTextNlohmann(v));
    REQUIRE(JsonText::Compact(v) == JsonTextNlohmann(v));
  }
}

TEST_CASE("JsonText writes any string as nlohmann's dump does, wherever its special bytes fall",
          "[common][json_text]") {
  // Strings of 0-40 bytes drawn from plain ASCII, escapes, every UTF-8
  // length and broken sequences, so each falls at every place of an
  // eight-byte word (the bytes are looked at eight at a time); one in ten
  // up to 200 bytes, across the 64-byte blocks the UTF-8 check reads.
  const std::string bits[] = {"a",
                              "Z",
                              " ",
                              "~",
                              "\x7f",
                              "\"",
                              "\\",
                              "\n",
                              "\x01",
                              "\x1f",
                              "\xC3\xA9",
                              "\xD0\xB6",
                              "\xE5\x81\xBD",
                              "\xF0\x9F\x9A\xA2",
                              "\xC3",
                              "\x80",
                              "\xED\xA0\x80",
                              "\xF5",
                              std::string(1, '\0')};
  std::mt19937 rng(20261203);
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const size_t length = rng() % 10 == 0 ? rng() % 201 : rng() % 41;
    // Mostly plain text, as records are: a special byte one time in four.
    while (text.size() < length)
      text += rng() % 4 == 0 ? bits[rng() % std::size(bits)] : bits[rng() % 4];
    INFO(JsonTextNlohmann(json(text)));
    REQUIRE(JsonText::Compact(json(text)) == JsonTextNlohmann(json(text)));
    REQUIRE(JsonText::Compact(json{{text, text}}) == JsonTextNlohmann(json{{text, text}}));
  }
}

TEST_CASE("JsonText writes a record's document as nlohmann did", "[common][json_text]") {
  json seizure = cen::test::WireSeizure("S-1", "0192f5c4-8a3e-7b1c-9d2e-3f4a5b6c7d8e");
  seizure["description"] = "Cannabis dans un double fond de valise, \"contrôle\"\n à l'aéroport";
  seizure["quantity"] = 12.5;
  seizure["offenders"] = json::array({{{"nationality", "NL"}, {"age", 34}}});
  CHECK(JsonText::Compact(seizure) == JsonTextNlohmann(seizure));
  CHECK(JsonText::Compact(json::object()) == "{}");
  CHECK(JsonText::Compact(json::array()) == "[]");
  CHECK(JsonText::Compact(json("a\x01z")) == "\"a\\u0001z\"");
}

TEST_CASE("JsonText writes any double as nlohmann's dump does, from a tree and from msgpack",
          "[common][json_text]") {
  // Every class of double: random bit patterns (subnormals, huge and tiny
  // exponents, NaNs and infinities among them), integral values (".0"
  // appended) and the decimals quantities are typed with.
  std::mt19937_64 rng(20261203);
  for (int i = 0; i < 20000; ++i) {
    double d = 0;
    if (i % 3 == 0) {
      const uint64_t bits = rng();
      std::memcpy(&d, &bits, sizeof d);
    } else if (i % 3 == 1) {
      d = static_cast<double>(static_cast<int64_t>(rng() % 2000001) - 1000000);
    } else {
      d = static_cast<double>(rng() % 1000000) / 1000.0;
    }
    const json v = json::object({{"quantity", d}});
    INFO(JsonTextNlohmann(v));
    REQUIRE(JsonText::Compact(v) == JsonTextNlohmann(v));
    // As a float64 on the wire (MsgpackJson packs an integral double as an
    // integer, which the line above covers).
    msgpack::sbuffer packed;
    msgpack::packer<msgpack::sbuffer>(packed).pack_map(1).pack(std::string("quantity"));
    cen::common::MsgpackJson::PackFloat64(packed, d);
    const msgpack::object_handle handle = msgpack::unpack(packed.data(), packed.size());
    REQUIRE(JsonText::Compact(handle.get()) == JsonTextNlohmann(v));
  }
}
