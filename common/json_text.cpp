#include "common/json_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "common/utf8.h"

namespace cen::common {
namespace {

using nlohmann::json;

// What nlohmann writes for anything this file does not write itself.
void AppendAsNlohmann(const json& value, std::string* out) {
  *out += value.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// Whether one of the eight bytes of `w` may need a look of its own: below
// 0x20, '"', '\\', or 0x80 and above (UTF-8 to check). It may say so of a
// byte that does not (a borrow from the byte below), never the other way.
bool MaybeSpecial(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101u;
  constexpr uint64_t kHigh = 0x8080808080808080u;
  auto has_zero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  const uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
  return ((w & kHigh) | below_space | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'))) !=
         0;
}

// A JSON string: the escapes nlohmann uses without ensure_ascii (short forms
// for \b \t \n \f \r, \u00xx in lower-case hex for the other controls);
// invalid UTF-8 goes to nlohmann, whose replacement rules it keeps. One pass,
// eight plain ASCII bytes at a time: the documents the replica writes spend
// most of their text here.
void AppendString(std::string_view s, std::string* out) {
  const size_t start = out->size();
  out->push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  size_t i = 0;
  while (i < s.size()) {
    if (s.size() - i >= sizeof(uint64_t)) {
      uint64_t word;
      std::memcpy(&word, s.data() + i, sizeof word);
      if (!MaybeSpecial(word)) {
        i += sizeof word;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      uint32_t code_point = 0;
      const size_t length = Utf8::Decode(s, i, &code_point);
      if (length == 0) {
        out->resize(start);
        AppendAsNlohmann(json(s), out);
        return;
      }
      i += length;
      continue;
    }
    if (!NeedsEscape(c)) {
      ++i;
      continue;
    }
    out->append(s.data() + run, i - run);
    run = ++i;
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\f':
        *out += "\\f";
        break;
      case '\r':
        *out += "\\r";
        break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
        *out += buf;
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

// A double as nlohmann's serializer writes it (dump_float): null when not
// finite, else the shortest text that reads back the same (Grisu2), with
// ".0" after an integral value. Through its own routine: a json value and
// its dump() per float were a tenth of the replica's document writing.
void AppendFloat(double v, std::string* out) {
  if (!std::isfinite(v)) {
    *out += "null";
    return;
  }
  char buf[64];
  const char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, static_cast<size_t>(end - buf));
}

template <typename Int>
void AppendInteger(Int v, std::string* out) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, static_cast<size_t>(r.ptr - buf));
}

}  // namespace

void JsonText::Append(const json& value, std::string* out) {
  switch (value.type()) {
    case json::value_t::null:
      *out += "null";
      return;
    case json::value_t::boolean:
      *out += value.get<bool>() ? "true" : "false";
      return;
    case json::value_t::number_integer:
      AppendInteger(value.get<int64_t>(), out);
      return;
    case json::value_t::number_unsigned:
      AppendInteger(value.get<uint64_t>(), out);
      return;
    case json::value_t::number_float:
      AppendFloat(value.get<double>(), out);
      return;
    case json::value_t::string:
      AppendString(value.get_ref<const std::string&>(), out);
      return;
    case json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const json& item : value) {
        if (!first) out->push_back(',');
        first = false;
        Append(item, out);
      }
      out->push_back(']');
      return;
    }
    case json::value_t::object: {
      out->push_back('{');
      bool first = true;
      for (const auto& [key, item] : value.items()) {
        if (!first) out->push_back(',');
        first = false;
        AppendString(key, out);
        out->push_back(':');
        Append(item, out);
      }
      out->push_back('}');
      return;
    }
    default:  // binary, discarded
      AppendAsNlohmann(value, out);
      return;
  }
}

void JsonText::Append(const msgpack::object& value, std::string* out) {
  switch (value.type) {
    case msgpack::type::BOOLEAN:
      *out += value.via.boolean ? "true" : "false";
      return;
    case msgpack::type::POSITIVE_INTEGER:
      AppendInteger(static_cast<int64_t>(value.via.u64), out);
      return;
    case msgpack::type::NEGATIVE_INTEGER:
      AppendInteger(value.via.i64, out);
      return;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      AppendFloat(value.via.f64, out);
      return;
    case msgpack::type::STR:
      AppendString(std::string_view(value.via.str.ptr, value.via.str.size), out);
      return;
    case msgpack::type::ARRAY:
      out->push_back('[');
      for (uint32_t i = 0; i < value.via.array.size; ++i) {
        if (i > 0) out->push_back(',');
        Append(value.via.array.ptr[i], out);
      }
      out->push_back(']');
      return;
    case msgpack::type::MAP: {
      // The tree's order: keys sorted bytewise, of a repeated key the last.
      const msgpack::object_kv* kv = value.via.map.ptr;
      const uint32_t size = value.via.map.size;
      auto key = [kv](uint32_t i) {
        return std::string_view(kv[i].key.via.str.ptr, kv[i].key.via.str.size);
      };
      auto member = [&](uint32_t i, bool first) {
        if (!first) out->push_back(',');
        AppendString(key(i), out);
        out->push_back(':');
        Append(kv[i].val, out);
      };
      out->push_back('{');
      if (KeysAscending(value)) {
        // Maps written from a tree (every record the hub journals) are in
        // that order already, each key once: written as they are.
        for (uint32_t i = 0; i < size; ++i) member(i, i == 0);
      } else {
        std::vector<uint32_t> order(size);
        for (uint32_t i = 0; i < size; ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(),
                         [&](uint32_t a, uint32_t b) { return key(a) < key(b); });
        bool first = true;
        for (size_t n = 0; n < order.size(); ++n) {
          if (n + 1 < order.size() && key(order[n]) == key(order[n + 1])) continue;
          member(order[n], first);
          first = false;
        }
      }
      out->push_back('}');
      return;
    }
    default:  // nil; MsgpackJson::Unpack refuses binary and extension values
      *out += "null";
      return;
  }
}

bool JsonText::KeysAscending(const msgpack::object& map) {
  const msgpack::object_kv* kv = map.via.map.ptr;
  auto key = [kv](uint32_t i) {
    return std::string_view(kv[i].key.via.str.ptr, kv[i].key.via.str.size);
  };
  for (uint32_t i = 0; i < map.via.map.size; ++i) {
    if (kv[i].key.type != msgpack::type::STR) return false;
    if (i > 0 && !(key(i - 1) < key(i))) return false;
  }
  return true;
}

std::string JsonText::Compact(const msgpack::object& value) {
  std::string out;
  out.reserve(1024);
  Append(value, &out);
  return out;
}

std::string JsonText::Compact(const json& value) {
  std::string out;
  out.reserve(1024);
  Append(value, &out);
  return out;
}

}  // namespace cen::common
