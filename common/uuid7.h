// UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Time-ordered
// keys keep SQLite index inserts at the end of the b-tree.
//
//   std::string id = cen::common::Uuid7::Generate();  // "0190f2c1-...-7..."
//
// Thread-safe: Generate() may be called from any thread.
#pragma once

#include <string>
#include <string_view>

namespace cen::common {

class Uuid7 {
 public:
  // A new UUIDv7 in canonical lowercase 8-4-4-4-12 form. Within one process the
  // ids are strictly increasing, even within one millisecond.
  static std::string Generate();
  // True for canonical lowercase 8-4-4-4-12 hexadecimal text of any version.
  static bool IsCanonical(std::string_view text);
};

}  // namespace cen::common
