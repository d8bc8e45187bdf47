// JSON text -> msgpack values, without a JSON tree, two ways: through
// simdjson's DOM parser, fast (the SAX parser was half of an NDJSON drop's
// reading thread: 48,700 of 109,000 instructions a record), and through
// nlohmann's SAX parser, the reference, which says what is wrong with a text.
// RecordCodec::FromJsonText tries the first and falls back to the second;
// the fuzz target ndjson_drop checks that both answer alike.
//
//   msgpack::sbuffer out;
//   if (!JsonToMsgpack::BySimdjson(line, out)) {
//     out.clear();
//     const JsonToMsgpack::SaxResult read = JsonToMsgpack::BySax(line, out);
//     if (!read.parsed) ...
//   }
//
// Thread-safe: BySimdjson keeps a parser per thread, sized for texts up to
// kMaxSimdjsonBytes.
#pragma once

#include <cstddef>
#include <msgpack.hpp>
#include <string>
#include <string_view>

namespace cen::common {

class JsonToMsgpack {
 public:
  // What the SAX parser made of a text.
  struct SaxResult {
    bool parsed = false;        // well-formed JSON in UTF-8, wholly read
    bool beyond_int64 = false;  // an integer beyond the signed 64-bit range stopped it
    std::string top_key;        // the top-level key it was under (or the last one seen)
  };
  // Each value of `text` appended to `out` as msgpack: maps and arrays with
  // 32-bit counts, floats as float64 (4.0 is no integer), integers at their
  // smallest.
  static SaxResult BySax(std::string_view text, msgpack::sbuffer& out);
  // The same values (maps and arrays with their smallest counts), when
  // `text` is a JSON object simdjson reads exactly; false for anything else
  // (it refuses it, a text longer than kMaxSimdjsonBytes, an integer beyond
  // int64), `out` then holding a part.
  static bool BySimdjson(std::string_view text, msgpack::sbuffer& out);

  // simdjson's buffers grow to the longest text read and stay: a longer text
  // (no record comes near: the longest free text is 16,000 code points)
  // goes through the SAX parser, which holds half its size at most.
  static constexpr size_t kMaxSimdjsonBytes = 1 << 20;
};

}  // namespace cen::common
