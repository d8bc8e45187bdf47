#include "node/store/fingerprint_set.h"

#include <functional>
#include <string>

namespace cen::node {
namespace {

// Fingerprints are hashes already: the slot comes from their top bits mixed
// once more, so that keys differing only in their last bytes spread out.
size_t Home(uint64_t fingerprint, size_t mask) {
  return static_cast<size_t>((fingerprint * 0x9E3779B97F4A7C15ULL) >> 17) & mask;
}

uint64_t NonZero(uint64_t fingerprint) { return fingerprint == 0 ? 1 : fingerprint; }

}  // namespace

uint64_t FingerprintSet::Of(std::string_view first, std::string_view second) {
  std::string key;
  key.reserve(first.size() + 1 + second.size());
  key.append(first).push_back('\0');
  key.append(second);
  return std::hash<std::string_view>{}(key);
}

size_t FingerprintSet::Slot(uint64_t fingerprint) const {
  const size_t mask = slots_.size() - 1;
  size_t i = Home(fingerprint, mask);
  while (slots_[i] != 0 && slots_[i] != fingerprint) i = (i + 1) & mask;
  return i;
}

bool FingerprintSet::Insert(uint64_t fingerprint) {
  fingerprint = NonZero(fingerprint);
  if ((size_ + 1) * 2 > slots_.size()) Grow();
  const size_t i = Slot(fingerprint);
  if (slots_[i] == fingerprint) return false;
  slots_[i] = fingerprint;
  ++size_;
  return true;
}

bool FingerprintSet::Contains(uint64_t fingerprint) const {
  if (size_ == 0) return false;
  fingerprint = NonZero(fingerprint);
  return slots_[Slot(fingerprint)] == fingerprint;
}

void FingerprintSet::Clear() {
  slots_.clear();
  slots_.shrink_to_fit();
  size_ = 0;
}

void FingerprintSet::Grow() {
  std::vector<uint64_t> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, 0);
  for (const uint64_t f : old) {
    if (f != 0) slots_[Slot(f)] = f;
  }
}

}  // namespace cen::node
