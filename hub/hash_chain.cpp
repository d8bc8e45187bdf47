#include "hub/hash_chain.h"

#include <cassert>

namespace cen::hub {
namespace {

void AddBigEndian(crypto_generichash_state* state, uint64_t v) {
  unsigned char bytes[8];
  for (int i = 7; i >= 0; --i) {
    bytes[i] = static_cast<unsigned char>(v & 0xFF);
    v >>= 8;
  }
  crypto_generichash_update(state, bytes, sizeof bytes);
}

}  // namespace

std::string HashChain::Hex(std::string_view hash) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : hash) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
  return out;
}

HashChain::HashChain(std::string_view previous) {
  [[maybe_unused]] static const int init = sodium_init();  // once; -1 only without entropy
  crypto_generichash_init(&state_, nullptr, 0, kBytes);
  Add(previous);
}

HashChain& HashChain::Add(int64_t value) {
  AddBigEndian(&state_, static_cast<uint64_t>(value));
  return *this;
}

HashChain& HashChain::Add(std::string_view bytes) {
  AddBigEndian(&state_, bytes.size());
  crypto_generichash_update(&state_, reinterpret_cast<const unsigned char*>(bytes.data()),
                            bytes.size());
  return *this;
}

std::string HashChain::Finish() {
  std::string out(kBytes, '\0');
  const int rc =
      crypto_generichash_final(&state_, reinterpret_cast<unsigned char*>(out.data()), kBytes);
  assert(rc == 0);
  (void)rc;
  return out;
}

}  // namespace cen::hub
