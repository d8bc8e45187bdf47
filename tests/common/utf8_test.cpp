#include "common/utf8.h"

#include <catch2/catch.hpp>
#include <optional>
#include <random>
#include <string>

using cen::common::Utf8;

namespace {

// Code point by code point with Decode alone: what CountCodePoints answered
// before it skipped ASCII eight bytes at a time.
std::optional<size_t> CountOneByOne(std::string_view text) {
  size_t count = 0;
  for (size_t i = 0; i < text.size(); ++count) {
    uint32_t cp = 0;
    const size_t length = Utf8::Decode(text, i, &cp);
    if (length == 0) return std::nullopt;
    i += length;
  }
  return count;
}

}  // namespace

TEST_CASE("Utf8::CountCodePoints counts code points and refuses malformed text", "[common][utf8]") {
  CHECK(Utf8::CountCodePoints("") == 0u);
  CHECK(Utf8::CountCodePoints("abcdefgh") == 8u);
  CHECK(Utf8::CountCodePoints("abcdefghi") == 9u);
  CHECK(Utf8::CountCodePoints("Москва") == 6u);
  CHECK(Utf8::CountCodePoints("reefer container 東京 ok") == 22u);
  CHECK(Utf8::CountCodePoints("1234567\xC3\xA9") == 8u);  // é right after 7 ASCII bytes
  CHECK(Utf8::CountCodePoints("12345678\xC3\xA9"
                              "abcdefgh") == 17u);
  CHECK_FALSE(Utf8::CountCodePoints("12345678\xC3").has_value());  // cut after a whole word
  CHECK_FALSE(Utf8::CountCodePoints("12345678\x80"
                                    "abcdefgh")
                  .has_value());
  CHECK_FALSE(Utf8::CountCodePoints("abcdefghabcdefgh\xC0\xAF").has_value());  // overlong '/'
  CHECK_FALSE(Utf8::CountCodePoints("abcdefgh\xED\xA0\x80").has_value());      // a surrogate
  CHECK_FALSE(Utf8::CountCodePoints("abcdefgh\xF4\x90\x80\x80").has_value());  // past U+10FFFF
  CHECK(Utf8::IsValid("plain ASCII text, longer than one eight-byte word"));
  CHECK_FALSE(Utf8::IsValid("plain ASCII text, then a stray \xFF byte"));
}

TEST_CASE("Utf8::CountCodePoints agrees with decoding one code point at a time", "[common][utf8]") {
  // ASCII runs of every length around the eight-byte word, mixed with
  // multi-byte characters, cut ones and stray bytes.
  const std::string pieces[] = {"é",        "Ж",    "東",           "😀",           "\xC3", "\x80",
                                "\xE6\x9D", "\xFF", "\xED\xA0\x80", "\xF0\x9F\x98"};
  std::mt19937 rng(11);
  for (int n = 0; n < 20000; ++n) {
    std::string text;
    const int parts = static_cast<int>(rng() % 6);
    for (int p = 0; p < parts; ++p) {
      text.append(rng() % 20, static_cast<char>('a' + rng() % 26));
      if (rng() % 3 != 0) text += pieces[rng() % (rng() % 4 == 0 ? 10 : 4)];
    }
    INFO(text);
    REQUIRE(Utf8::CountCodePoints(text) == CountOneByOne(text));
  }
}
