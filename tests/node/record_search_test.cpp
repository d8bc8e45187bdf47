#include "node/query/record_search.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <vector>

using cen::node::RecordSearch;

namespace {

std::vector<int64_t> SortedUnique(std::vector<int64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace

TEST_CASE("RecordSearch::AscendingOnce: each id once, ascending, dense or spread",
          "[node][query]") {
  std::mt19937_64 random(7);
  // Dense (a bitmap over their range) and spread thin (a sort): a record
  // named in two roles comes twice.
  for (const int64_t range : {int64_t{1}, int64_t{64}, int64_t{1000}, int64_t{1} << 40}) {
    CAPTURE(range);
    std::vector<int64_t> ids;
    std::uniform_int_distribution<int64_t> gseq(1, range);
    for (int i = 0; i < 500; ++i) {
      ids.push_back(gseq(random));
      if (i % 3 == 0) ids.push_back(ids.back());
    }
    const std::vector<int64_t> expected = SortedUnique(ids);
    RecordSearch::AscendingOnce(ids);
    CHECK(ids == expected);
  }
  // Word edges: the first and last bit of a 64-bit word, and a lone id.
  std::vector<int64_t> edges = {128, 1, 64, 65, 127, 64, 1};
  RecordSearch::AscendingOnce(edges);
  CHECK(edges == std::vector<int64_t>{1, 64, 65, 127, 128});
  std::vector<int64_t> one = {42};
  RecordSearch::AscendingOnce(one);
  CHECK(one == std::vector<int64_t>{42});
  std::vector<int64_t> none;
  RecordSearch::AscendingOnce(none);
  CHECK(none.empty());
}
