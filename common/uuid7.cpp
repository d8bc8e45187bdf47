#include "common/uuid7.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>

namespace cen::common {
namespace {

std::mutex g_mutex;  // guards g_last_ms, g_counter, g_rng
uint64_t g_last_ms = 0;
uint64_t g_counter = 0;  // 12-bit rand_a used as a monotonic counter within one ms

std::mt19937_64& Rng() {
  static std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

}  // namespace

std::string Uuid7::Generate() {
  uint64_t ms;
  uint64_t counter;
  uint64_t random_b;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
    if (ms <= g_last_ms) {
      ms = g_last_ms;
      if (++g_counter > 0xFFF) {  // counter exhausted: borrow the next millisecond
        ++ms;
        g_counter = Rng()() & 0x3FF;
      }
    } else {
      g_counter = Rng()() & 0x3FF;  // leave head room for increments
    }
    g_last_ms = ms;
    counter = g_counter;
    random_b = Rng()();
  }
  std::array<uint8_t, 16> b{};
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  b[6] = static_cast<uint8_t>(0x70 | ((counter >> 8) & 0x0F));
  b[7] = static_cast<uint8_t>(counter & 0xFF);
  for (int i = 8; i < 16; ++i) b[i] = static_cast<uint8_t>(random_b >> (8 * (i - 8)));
  b[8] = static_cast<uint8_t>(0x80 | (b[8] & 0x3F));  // RFC 4122 variant

  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0F]);
  }
  return out;
}

bool Uuid7::IsCanonical(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace cen::common
