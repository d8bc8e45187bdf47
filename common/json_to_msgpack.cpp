#include "common/json_to_msgpack.h"

#include <simdjson.h>

#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/msgpack_json.h"

namespace cen::common {
namespace {

using SbufferPacker = msgpack::packer<msgpack::sbuffer>;

// nlohmann's SAX events written as msgpack. Maps and arrays are written
// with 32-bit counts patched at their end.
class SaxToMsgpack {
 public:
  using json = nlohmann::json;
  explicit SaxToMsgpack(msgpack::sbuffer& out) : out_(out), pk_(out) {}

  bool null() {
    Item();
    pk_.pack_nil();
    return true;
  }
  bool boolean(bool b) {
    Item();
    b ? pk_.pack_true() : pk_.pack_false();
    return true;
  }
  bool number_integer(json::number_integer_t v) {
    Item();
    pk_.pack_int64(v);
    return true;
  }
  bool number_unsigned(json::number_unsigned_t v) {
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      beyond_int64_ = true;
      return false;
    }
    Item();
    pk_.pack_uint64(v);
    return true;
  }
  bool number_float(json::number_float_t v, const std::string& text) {
    if (text.find_first_of(".eE") == std::string::npos) {  // an integer beyond even 64 bits
      beyond_int64_ = true;
      return false;
    }
    Item();
    MsgpackJson::PackFloat64(out_, v);  // as given: 4.0 is no integer
    return true;
  }
  bool string(std::string& s) {
    Item();
    MsgpackJson::PackStr(pk_, s);
    return true;
  }
  bool binary(json::binary_t&) { return false; }  // never in JSON text
  bool start_object(std::size_t) { return Open('\xdf'); }
  bool key(std::string& k) {
    ++open_.back().count;
    if (open_.size() == 1) top_key_ = k;
    MsgpackJson::PackStr(pk_, k);
    return true;
  }
  bool end_object() { return Close(); }
  bool start_array(std::size_t) { return Open('\xdd'); }
  bool end_array() { return Close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

  bool beyond_int64() const { return beyond_int64_; }
  const std::string& top_key() const { return top_key_; }

 private:
  struct Container {
    size_t at;  // offset of the 32-bit count
    uint32_t count = 0;
    bool array;
  };
  void Item() {
    if (!open_.empty() && open_.back().array) ++open_.back().count;
  }
  bool Open(char marker) {
    Item();
    out_.write(&marker, 1);
    open_.push_back({out_.size(), 0, marker == '\xdd'});
    out_.write("\0\0\0\0", 4);
    return true;
  }
  bool Close() {
    const uint32_t n = open_.back().count;
    const char be[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                        static_cast<char>(n >> 8), static_cast<char>(n)};
    std::memcpy(out_.data() + open_.back().at, be, 4);
    open_.pop_back();
    return true;
  }

  msgpack::sbuffer& out_;
  SbufferPacker pk_;
  std::vector<Container> open_;
  std::string top_key_;
  bool beyond_int64_ = false;
};

// A document simdjson has parsed, written as msgpack (one per thread: the
// parser and the padded copy are kept between texts).
class SimdjsonToMsgpack {
 public:
  static bool Convert(std::string_view text, msgpack::sbuffer& out) {
    thread_local SimdjsonToMsgpack converter;
    return converter.Run(text, out);
  }

 private:
  bool Run(std::string_view text, msgpack::sbuffer& out) {
    if (text.size() > JsonToMsgpack::kMaxSimdjsonBytes) return false;
    // A padded copy, kept between lines: simdjson reads past the text's end.
    padded_.assign(text.data(), text.size());
    padded_.append(simdjson::SIMDJSON_PADDING, '\0');
    simdjson::dom::element doc;
    if (parser_.parse(padded_.data(), text.size(), false).get(doc) != simdjson::SUCCESS)
      return false;
    if (doc.type() != simdjson::dom::element_type::OBJECT) return false;
    SbufferPacker pk(out);
    return Write(doc, pk, out);
  }

  // The most items simdjson counts exactly in an array or object.
  static constexpr size_t kCountLimit = 0xFFFFFF;

  static bool Write(const simdjson::dom::element& e, SbufferPacker& pk, msgpack::sbuffer& out) {
    switch (e.type()) {
      case simdjson::dom::element_type::OBJECT: {
        const simdjson::dom::object object(e);
        if (object.size() >= kCountLimit) return false;
        pk.pack_map(static_cast<uint32_t>(object.size()));
        for (const simdjson::dom::key_value_pair field : object) {
          MsgpackJson::PackStr(pk, field.key);
          if (!Write(field.value, pk, out)) return false;
        }
        return true;
      }
      case simdjson::dom::element_type::ARRAY: {
        const simdjson::dom::array array(e);
        if (array.size() >= kCountLimit) return false;
        pk.pack_array(static_cast<uint32_t>(array.size()));
        for (const simdjson::dom::element item : array) {
          if (!Write(item, pk, out)) return false;
        }
        return true;
      }
      case simdjson::dom::element_type::INT64:
        pk.pack_int64(int64_t(e));
        return true;
      case simdjson::dom::element_type::UINT64:  // beyond int64: the slow path refuses it
        return false;
      case simdjson::dom::element_type::DOUBLE:
        MsgpackJson::PackFloat64(out, double(e));  // as given: 4.0 is no integer
        return true;
      case simdjson::dom::element_type::STRING:
        MsgpackJson::PackStr(pk, std::string_view(e));
        return true;
      case simdjson::dom::element_type::BOOL:
        bool(e) ? pk.pack_true() : pk.pack_false();
        return true;
      case simdjson::dom::element_type::NULL_VALUE:
        pk.pack_nil();
        return true;
    }
    return false;
  }

  simdjson::dom::parser parser_{JsonToMsgpack::kMaxSimdjsonBytes};
  std::string padded_;
};

}  // namespace

JsonToMsgpack::SaxResult JsonToMsgpack::BySax(std::string_view text, msgpack::sbuffer& out) {
  SaxToMsgpack events(out);
  SaxResult result;
  result.parsed = nlohmann::json::sax_parse(text, &events);
  result.beyond_int64 = events.beyond_int64();
  result.top_key = events.top_key();
  return result;
}

bool JsonToMsgpack::BySimdjson(std::string_view text, msgpack::sbuffer& out) {
  return SimdjsonToMsgpack::Convert(text, out);
}

}  // namespace cen::common
