#include "common/msgpack_json.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "common/grouped_number.h"
#include "common/msgpack_map.h"
#include "common/utf8.h"

namespace cen::common {
namespace {

// A map key as it may appear in an error message (logs, ERROR frames, the
// audit trail): at most 64 bytes, cut on a character boundary, escaped when
// not printable.
std::string KeyForMessage(const std::string& key) {
  std::string shown = key.substr(0, 64);
  // A cut through a multi-byte character drops its first bytes too.
  for (int i = 0; i < 3 && shown.size() < key.size() && !Utf8::IsValid(shown); ++i)
    shown.pop_back();
  return Utf8::Printable(shown);
}

// `inner` (an error inside the value at `step`, a key or "[i]") with the
// path from the frame's top: "at records[1].version: ...".
Status AtPath(const Status& inner, const std::string& step) {
  const std::string& message = inner.message();
  if (message.rfind("at ", 0) == 0) {
    const std::string rest = message.substr(3);
    return Corruption("at " + step + (rest[0] == '[' ? "" : ".") + rest);
  }
  return Corruption("at " + step + ": " + message);
}

// Every value of `o` is one JSON can say (PROTOCOL.md section 4): maps with
// string keys, integers in the signed 64-bit range, no binary or extension.
Status Check(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::NIL:
    case msgpack::type::BOOLEAN:
    case msgpack::type::NEGATIVE_INTEGER:
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
    case msgpack::type::STR:
      return Status::Ok();
    case msgpack::type::POSITIVE_INTEGER:
      // Every integer fits in a signed 64-bit integer; a larger one is
      // refused here, once, for every reader.
      if (o.via.u64 > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return Corruption("integer " + std::to_string(o.via.u64) +
                          " is beyond the signed 64-bit range (-9223372036854775808 to "
                          "9223372036854775807)");
      return Status::Ok();
    case msgpack::type::ARRAY:
      for (uint32_t i = 0; i < o.via.array.size; ++i) {
        Status item = Check(o.via.array.ptr[i]);
        if (!item.ok()) return AtPath(item, "[" + std::to_string(i) + "]");
      }
      return Status::Ok();
    case msgpack::type::MAP:
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        const auto& kv = o.via.map.ptr[i];
        if (kv.key.type != msgpack::type::STR) return Corruption("msgpack map key is not a string");
        Status value = Check(kv.val);
        if (!value.ok())
          return AtPath(value, KeyForMessage(std::string(kv.key.via.str.ptr, kv.key.via.str.size)));
      }
      return Status::Ok();
    default:
      return Corruption("msgpack binary and extension values are not accepted");
  }
}

}  // namespace

nlohmann::json MsgpackJson::ToJson(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::BOOLEAN:
      return nlohmann::json(o.via.boolean);
    case msgpack::type::POSITIVE_INTEGER:
      return nlohmann::json(static_cast<int64_t>(o.via.u64));
    case msgpack::type::NEGATIVE_INTEGER:
      return nlohmann::json(o.via.i64);
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      return nlohmann::json(o.via.f64);
    case msgpack::type::STR:
      return nlohmann::json(std::string(o.via.str.ptr, o.via.str.size));
    case msgpack::type::ARRAY: {
      nlohmann::json arr = nlohmann::json::array();
      for (uint32_t i = 0; i < o.via.array.size; ++i) arr.push_back(ToJson(o.via.array.ptr[i]));
      return arr;
    }
    case msgpack::type::MAP: {
      nlohmann::json obj = nlohmann::json::object();
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        const auto& kv = o.via.map.ptr[i];
        obj[std::string(kv.key.via.str.ptr, kv.key.via.str.size)] = ToJson(kv.val);
      }
      return obj;
    }
    default:  // nil (Check refused binary and extension values)
      return nlohmann::json(nullptr);
  }
}

void MsgpackJson::Pack(msgpack::sbuffer& out, const nlohmann::json& v) {
  msgpack::packer<msgpack::sbuffer> pk(out);
  switch (v.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      pk.pack_nil();
      break;
    case nlohmann::json::value_t::boolean:
      v.get<bool>() ? pk.pack_true() : pk.pack_false();
      break;
    case nlohmann::json::value_t::number_integer:
      pk.pack_int64(v.get<int64_t>());
      break;
    case nlohmann::json::value_t::number_unsigned:
      pk.pack_uint64(v.get<uint64_t>());
      break;
    case nlohmann::json::value_t::number_float:
      PackDouble(out, v.get<double>());
      break;
    case nlohmann::json::value_t::string:
      PackStr(pk, v.get_ref<const std::string&>());
      break;
    case nlohmann::json::value_t::binary:
      pk.pack_nil();  // never produced by this project
      break;
    case nlohmann::json::value_t::array:
      pk.pack_array(static_cast<uint32_t>(v.size()));
      for (const auto& item : v) Pack(out, item);
      break;
    case nlohmann::json::value_t::object:
      pk.pack_map(static_cast<uint32_t>(v.size()));
      for (const auto& [key, value] : v.items()) {
        PackStr(pk, key);
        Pack(out, value);
      }
      break;
  }
}

void MsgpackJson::PackCanonical(msgpack::sbuffer& out, const msgpack::object& o) {
  msgpack::packer<msgpack::sbuffer> pk(out);
  switch (o.type) {
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      PackDouble(out, o.via.f64);
      break;
    case msgpack::type::ARRAY:
      pk.pack_array(o.via.array.size);
      for (uint32_t i = 0; i < o.via.array.size; ++i) PackCanonical(out, o.via.array.ptr[i]);
      break;
    case msgpack::type::MAP: {
      const auto members = MsgpackMap::Members(o);
      pk.pack_map(static_cast<uint32_t>(members.size()));
      for (const auto& [key, value] : members) {
        PackStr(pk, key);
        PackCanonical(out, *value);
      }
      break;
    }
    default:
      pk.pack(o);  // nil, booleans, integers (smallest form), strings
  }
}

void MsgpackJson::PackDouble(msgpack::sbuffer& out, double value) {
  // [-2^63, 2^63): both bounds are exact doubles.
  constexpr double kMin = -9223372036854775808.0;
  constexpr double kEnd = 9223372036854775808.0;
  if (value >= kMin && value < kEnd && value == std::trunc(value)) {
    msgpack::packer<msgpack::sbuffer>(out).pack_int64(static_cast<int64_t>(value));
  } else {
    PackFloat64(out, value);
  }
}

void MsgpackJson::PackFloat64(msgpack::sbuffer& out, double value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  char bytes[9] = {'\xcb'};
  for (int i = 0; i < 8; ++i) bytes[1 + i] = static_cast<char>(bits >> (56 - 8 * i));
  out.write(bytes, sizeof bytes);
}

std::string MsgpackJson::Encode(const nlohmann::json& value) {
  msgpack::sbuffer buf;
  Pack(buf, value);
  return std::string(buf.data(), buf.size());
}

namespace {

// A decoding limit broken, in words (for JSON text as well as msgpack).
Status OverLimit(const char* what, size_t limit, const char* unit) {
  return Corruption(what + GroupedNumber(static_cast<int64_t>(limit)) + unit + " (PROTOCOL.md §7)");
}

}  // namespace

Result<msgpack::object_handle> MsgpackJson::Unpack(std::string_view bytes,
                                                   const DecodeLimits& limits, bool in_place) {
  if (bytes.empty()) return Corruption("empty msgpack frame");
  try {
    std::size_t offset = 0;
    const msgpack::unpack_limit limit(limits.max_array, limits.max_map, limits.max_str,
                                      /*bin=*/0, /*ext=*/0, limits.max_depth);
    // msgpack-c asks this for every string: true leaves it in `bytes`.
    const msgpack::unpack_reference_func refer = [](msgpack::type::object_type, std::size_t,
                                                    void*) { return true; };
    msgpack::object_handle oh = msgpack::unpack(bytes.data(), bytes.size(), offset,
                                                in_place ? refer : nullptr, nullptr, limit);
    if (offset != bytes.size()) return Corruption("trailing bytes after msgpack value");
    CEN_RETURN_IF_ERROR(Check(oh.get()));
    return oh;
  } catch (const msgpack::insufficient_bytes&) {
    return Corruption("truncated msgpack value");
  } catch (const msgpack::array_size_overflow&) {
    return OverLimit("an array of more than ", limits.max_array, " elements");
  } catch (const msgpack::map_size_overflow&) {
    return OverLimit("an object of more than ", limits.max_map, " keys");
  } catch (const msgpack::str_size_overflow&) {
    return OverLimit("a text of more than ", limits.max_str, " bytes");
  } catch (const msgpack::depth_size_overflow&) {
    return OverLimit("a nesting depth of more than ", limits.max_depth, " levels");
  } catch (const std::exception& e) {
    return Corruption(std::string("malformed msgpack: ") + e.what());
  }
}

Result<nlohmann::json> MsgpackJson::Decode(std::string_view bytes, const DecodeLimits& limits) {
  auto oh = Unpack(bytes, limits);
  if (!oh.ok()) return oh.status();
  return ToJson(oh->get());
}

}  // namespace cen::common
