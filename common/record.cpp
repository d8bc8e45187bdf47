#include "common/record.h"

#include <algorithm>
#include <msgpack.hpp>

#include "common/record_codec.h"

namespace cen::common {

bool Record::Has(std::string_view name) const { return RecordCodec::Has(*this, name); }

std::optional<std::string_view> Record::OtherText(std::string_view name) const {
  const auto it = std::find_if(others.rbegin(), others.rend(),
                               [&](const RawField& f) { return f.name == name; });
  if (it == others.rend()) return std::nullopt;
  // A string's msgpack is its header, then its bytes.
  const std::string& raw = it->msgpack;
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(raw[i]); };
  size_t header = 0;
  size_t size = 0;
  if (raw.empty()) return std::nullopt;
  if ((byte(0) & 0xe0) == 0xa0) {
    header = 1;
    size = byte(0) & 0x1f;
  } else if (byte(0) == 0xd9 && raw.size() >= 2) {
    header = 2;
    size = byte(1);
  } else if (byte(0) == 0xda && raw.size() >= 3) {
    header = 3;
    size = (byte(1) << 8) | byte(2);
  } else if (byte(0) == 0xdb && raw.size() >= 5) {
    header = 5;
    size = (size_t{byte(1)} << 24) | (byte(2) << 16) | (byte(3) << 8) | byte(4);
  } else {
    return std::nullopt;
  }
  if (raw.size() != header + size) return std::nullopt;
  return std::string_view(raw).substr(header, size);
}

}  // namespace cen::common
