#include "node/store/fingerprint_set.h"

#include <catch2/catch.hpp>
#include <string>

using cen::node::FingerprintSet;

TEST_CASE("A fingerprint set holds each key once, through its growth", "[node][drop]") {
  FingerprintSet set;
  CHECK_FALSE(set.Contains(FingerprintSet::Of("seizure", "FR-1")));
  for (int i = 0; i < 100000; ++i) {
    INFO(i);
    REQUIRE(set.Insert(FingerprintSet::Of("seizure", "FR-" + std::to_string(i))));
  }
  CHECK(set.size() == 100000);
  for (int i = 0; i < 100000; i += 997) {
    CHECK_FALSE(set.Insert(FingerprintSet::Of("seizure", "FR-" + std::to_string(i))));
    CHECK(set.Contains(FingerprintSet::Of("seizure", "FR-" + std::to_string(i))));
  }
  // The kind is part of the key, and the parts' boundary too.
  CHECK_FALSE(set.Contains(FingerprintSet::Of("alert", "FR-1")));
  CHECK(FingerprintSet::Of("ab", "c") != FingerprintSet::Of("a", "bc"));
  CHECK(set.size() == 100000);

  // 0 is the empty slot's mark: a key hashing to 0 is still held.
  CHECK(set.Insert(0));
  CHECK(set.Contains(0));
  CHECK_FALSE(set.Insert(0));

  set.Clear();
  CHECK(set.size() == 0);
  CHECK_FALSE(set.Contains(FingerprintSet::Of("seizure", "FR-1")));
  CHECK(set.Insert(FingerprintSet::Of("seizure", "FR-1")));
}
