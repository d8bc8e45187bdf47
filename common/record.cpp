#include "common/record.h"

#include <algorithm>
#include <msgpack.hpp>

#include "common/msgpack_json.h"
#include "common/record_codec.h"

namespace cen::common {

bool Record::Has(std::string_view name) const { return RecordCodec::Has(*this, name); }

std::optional<std::string_view> Record::OtherText(std::string_view name) const {
  const auto it = std::find_if(others.rbegin(), others.rend(),
                               [&](const RawField& f) { return f.name == name; });
  if (it == others.rend()) return std::nullopt;
  // Strings unpacked by reference point into `raw`, which outlives the view.
  const std::string& raw = it->msgpack;
  const msgpack::object_handle handle = msgpack::unpack(
      raw.data(), raw.size(), [](msgpack::type::object_type, std::size_t, void*) { return true; });
  const msgpack::object& value = handle.get();
  if (value.type != msgpack::type::STR) return std::nullopt;
  return MsgpackJson::TextOf(value);
}

}  // namespace cen::common
