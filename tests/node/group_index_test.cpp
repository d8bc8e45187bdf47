#include "node/query/group_index.h"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>

using cen::node::GroupIndex;

TEST_CASE("GroupIndex numbers each distinct key once, in first-seen order", "[node][stats]") {
  GroupIndex index;
  CHECK(index.Find("drugs\x1fNL\x1f") == std::pair<size_t, bool>{0, true});
  CHECK(index.Find("cites\x1fNL\x1f") == std::pair<size_t, bool>{1, true});
  CHECK(index.Find("drugs\x1fNL\x1f") == std::pair<size_t, bool>{0, false});
  // Empty values and a key that is a prefix of another are keys of their own.
  CHECK(index.Find("") == std::pair<size_t, bool>{2, true});
  CHECK(index.Find("drugs\x1f") == std::pair<size_t, bool>{3, true});
  CHECK(index.Key(0) == "drugs\x1fNL\x1f");
  CHECK(index.Key(2).empty());
  CHECK(index.size() == 4);
}

TEST_CASE("GroupIndex agrees with a map over many keys while it grows", "[node][stats]") {
  // A stats scan by hs_code and reporting country meets tens of thousands of
  // groups: every growth of the table must keep every key findable.
  std::mt19937 random(7);
  std::map<std::string, size_t> expected;
  GroupIndex index;
  for (int i = 0; i < 200000; ++i) {
    const std::string key = std::to_string(random() % 50000) + "\x1f" +
                            std::string(1, static_cast<char>('A' + random() % 26)) + "\x1f";
    const auto [number, added] = index.Find(key);
    const auto [it, inserted] = expected.emplace(key, expected.size());
    REQUIRE(added == inserted);
    REQUIRE(number == it->second);
    REQUIRE(index.Key(number) == key);
  }
  CHECK(index.size() == expected.size());
}
