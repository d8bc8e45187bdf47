#include "common/json_text.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "common/msgpack_json.h"

namespace cen::common {
namespace {

using nlohmann::json;

// Where the text goes: the bytes of a std::string written through a pointer,
// the string grown ahead and cut to what was written at the end. Written
// with push_back and append, a byte or two at a time (quotes, commas,
// colons), the calls into std::string were a seventh of a document's text.
class TextSink {
 public:
  explicit TextSink(std::string* out) : out_(out), size_(out->size()) { Grow(0); }
  ~TextSink() { out_->resize(size_); }
  TextSink(const TextSink&) = delete;
  TextSink& operator=(const TextSink&) = delete;

  void Put(char c) {
    if (size_ == room_) [[unlikely]]
      Grow(1);
    data_[size_++] = c;
  }
  void Put(std::string_view s) {
    // An empty msgpack string has no bytes at all (a null pointer), which
    // memcpy may not be given even for none.
    if (s.empty()) return;
    if (s.size() > room_ - size_) [[unlikely]]
      Grow(s.size());
    std::memcpy(data_ + size_, s.data(), s.size());
    size_ += s.size();
  }
  // Where the text stands, and going back to it.
  size_t mark() const { return size_; }
  void Rewind(size_t mark) { size_ = mark; }

 private:
  [[gnu::noinline]] void Grow(size_t more) {
    out_->resize(std::max({out_->capacity(), 2 * out_->size(), size_ + more + 256}));
    data_ = out_->data();
    room_ = out_->size();
  }

  std::string* out_;
  size_t size_;
  char* data_ = nullptr;
  size_t room_ = 0;
};

// What nlohmann writes for anything this file does not write itself.
void AppendAsNlohmann(const json& value, TextSink& out) {
  out.Put(value.dump(-1, ' ', false, json::error_handler_t::replace));
}

bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// Whether one of the eight bytes of `w` may need a look of its own: below
// 0x20, '"' or '\\' (to escape), and, unless `utf8_checked`, 0x80 and above
// (UTF-8 to check). It may say so of a byte that does not (a borrow from
// the byte below), never the other way.
bool MaybeSpecial(uint64_t w, bool utf8_checked) {
  constexpr uint64_t kOnes = 0x0101010101010101u;
  constexpr uint64_t kHigh = 0x8080808080808080u;
  auto has_zero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  const uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
  const uint64_t high = utf8_checked ? 0 : w & kHigh;
  return (high | below_space | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'))) != 0;
}

// A JSON string: the escapes nlohmann uses without ensure_ascii (short forms
// for \b \t \n \f \r, \u00xx in lower-case hex for the other controls);
// invalid UTF-8 goes to nlohmann, whose replacement rules it keeps. One pass,
// eight plain ASCII bytes at a time: the documents the replica writes spend
// most of their text here. From the first byte of 0x80 or above, the rest of
// the string is checked as UTF-8 in one SIMD pass (simdjson) and then only
// looked at for what needs escaping.
void AppendString(std::string_view s, TextSink& out) {
  const size_t start = out.mark();
  out.Put('"');
  size_t run = 0;  // start of the bytes not yet copied
  size_t i = 0;
  bool utf8_checked = false;  // s[i..] is valid UTF-8
  while (i < s.size()) {
    if (s.size() - i >= sizeof(uint64_t)) {
      uint64_t word;
      std::memcpy(&word, s.data() + i, sizeof word);
      if (!MaybeSpecial(word, utf8_checked)) {
        i += sizeof word;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (!utf8_checked && c >= 0x80) {
      // A code point's first byte: every byte before it is ASCII.
      if (!simdjson::validate_utf8(s.data() + i, s.size() - i)) {
        out.Rewind(start);
        AppendAsNlohmann(json(s), out);
        return;
      }
      utf8_checked = true;
      continue;
    }
    if (!NeedsEscape(c)) {
      ++i;
      continue;
    }
    out.Put(s.substr(run, i - run));
    run = ++i;
    switch (c) {
      case '"':
        out.Put("\\\"");
        break;
      case '\\':
        out.Put("\\\\");
        break;
      case '\b':
        out.Put("\\b");
        break;
      case '\t':
        out.Put("\\t");
        break;
      case '\n':
        out.Put("\\n");
        break;
      case '\f':
        out.Put("\\f");
        break;
      case '\r':
        out.Put("\\r");
        break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
        out.Put(buf);
      }
    }
  }
  out.Put(s.substr(run));
  out.Put('"');
}

// A double as nlohmann's serializer writes it (dump_float): null when not
// finite, else the shortest text that reads back the same (Grisu2), with
// ".0" after an integral value. Through its own routine: a json value and
// its dump() per float were a tenth of the replica's document writing.
void AppendFloat(double v, TextSink& out) {
  if (!std::isfinite(v)) {
    out.Put("null");
    return;
  }
  char buf[64];
  const char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, v);
  out.Put(std::string_view(buf, static_cast<size_t>(end - buf)));
}

template <typename Int>
void AppendInteger(Int v, TextSink& out) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.Put(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
}

void Write(const json& value, TextSink& out) {
  switch (value.type()) {
    case json::value_t::null:
      out.Put("null");
      return;
    case json::value_t::boolean:
      out.Put(value.get<bool>() ? "true" : "false");
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
      out.Put('[');
      bool first = true;
      for (const json& item : value) {
        if (!first) out.Put(',');
        first = false;
        Write(item, out);
      }
      out.Put(']');
      return;
    }
    case json::value_t::object: {
      out.Put('{');
      bool first = true;
      for (const auto& [key, item] : value.items()) {
        if (!first) out.Put(',');
        first = false;
        AppendString(key, out);
        out.Put(':');
        Write(item, out);
      }
      out.Put('}');
      return;
    }
    default:  // binary, discarded
      AppendAsNlohmann(value, out);
      return;
  }
}

void Write(const msgpack::object& value, TextSink& out) {
  switch (value.type) {
    case msgpack::type::BOOLEAN:
      out.Put(value.via.boolean ? "true" : "false");
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
      AppendString(MsgpackJson::TextOf(value), out);
      return;
    case msgpack::type::ARRAY:
      out.Put('[');
      for (uint32_t i = 0; i < value.via.array.size; ++i) {
        if (i > 0) out.Put(',');
        Write(value.via.array.ptr[i], out);
      }
      out.Put(']');
      return;
    case msgpack::type::MAP: {
      // The tree's order: keys sorted bytewise, of a repeated key the last.
      const msgpack::object_kv* kv = value.via.map.ptr;
      const uint32_t size = value.via.map.size;
      auto key = [kv](uint32_t i) {
        return std::string_view(kv[i].key.via.str.ptr, kv[i].key.via.str.size);
      };
      auto member = [&](uint32_t i, bool first) {
        if (!first) out.Put(',');
        AppendString(key(i), out);
        out.Put(':');
        Write(kv[i].val, out);
      };
      out.Put('{');
      if (JsonText::KeysAscending(value)) {
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
      out.Put('}');
      return;
    }
    default:  // nil; MsgpackJson::Unpack refuses binary and extension values
      out.Put("null");
      return;
  }
}

}  // namespace

void JsonText::Append(const json& value, std::string* out) {
  TextSink sink(out);
  Write(value, sink);
}

void JsonText::Append(const msgpack::object& value, std::string* out) {
  TextSink sink(out);
  Write(value, sink);
}

bool JsonText::KeysAscending(const msgpack::object& map) {
  const msgpack::object_kv* kv = map.via.map.ptr;
  auto key = [kv](uint32_t i) {
    return std::string_view(kv[i].key.via.str.ptr, kv[i].key.via.str.size);
  };
  for (uint32_t i = 0; i < map.via.map.size; ++i) {
    if (kv[i].key.type != msgpack::type::STR) return false;
    if (i > 0 && !JsonText::KeyLess(key(i - 1), key(i))) return false;
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
