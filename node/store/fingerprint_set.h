// A set of 64-bit fingerprints (hashes of keys) in one flat array: 16 bytes
// a member at most, against about 40 for std::unordered_set's nodes, for
// sets as large as a drop file's rows.
//
//   FingerprintSet seen;
//   if (!seen.Insert(FingerprintSet::Of("seizure", "FR-1"))) ...  // there before
//
// Two keys with one fingerprint count as one (for n keys, a chance of about
// n² / 2^65: 3e-8 for a million). Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace cen::node {

class FingerprintSet {
 public:
  // The fingerprint of the key made of `parts`, in this order.
  static uint64_t Of(std::string_view first, std::string_view second);

  // Adds `fingerprint`; false when it was there already.
  bool Insert(uint64_t fingerprint);
  bool Contains(uint64_t fingerprint) const;
  size_t size() const { return size_; }
  void Clear();

 private:
  // The slot that holds `fingerprint`, or the empty one where it would go.
  size_t Slot(uint64_t fingerprint) const;
  void Grow();

  std::vector<uint64_t> slots_;  // 0: empty (a fingerprint of 0 is kept as 1)
  size_t size_ = 0;
};

}  // namespace cen::node
