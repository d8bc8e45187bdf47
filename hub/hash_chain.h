// The hash chain over hub.db's journal and audit rows: each row stores
// H(previous row's hash || its own content), so changing, inserting or
// deleting a row breaks every later link. H is BLAKE2b-256 (libsodium's
// crypto_generichash). The first row links to 32 zero bytes.
//
//   std::string h = HashChain(prev).Add(gseq).Add(uuid).Add(body).Finish();
//
// Fields are added length-prefixed, so ("ab","c") and ("a","bc") differ.
// Not thread-safe: one HashChain per link being computed.
#pragma once

#include <sodium.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace cen::hub {

class HashChain {
 public:
  static constexpr size_t kBytes = 32;
  // The hash the first row links to.
  static std::string Genesis() { return std::string(kBytes, '\0'); }
  // Lower-case hex, for messages.
  static std::string Hex(std::string_view hash);

  explicit HashChain(std::string_view previous);
  HashChain& Add(int64_t value);
  HashChain& Add(std::string_view bytes);
  // The link: kBytes bytes.
  std::string Finish();

 private:
  crypto_generichash_state state_;
};

}  // namespace cen::hub
