#include "node/agent/sorted_runs.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

using cen::node::SortedRuns;

namespace {

struct ByKey {
  bool operator()(const std::string& a, const std::string& b) const { return a < b; }
};

std::vector<std::string> TakeAll(SortedRuns<std::string, ByKey>& runs) {
  std::vector<std::string> out;
  while (!runs.empty()) out.push_back(runs.Take());
  return out;
}

}  // namespace

TEST_CASE("SortedRuns hands out rows of runs added unsorted in one sorted order",
          "[node][sorted_runs]") {
  std::mt19937 rng(11);
  SortedRuns<std::string, ByKey> runs;
  std::vector<std::string> all;
  for (int run = 0; run < 7; ++run) {
    std::vector<std::string> chunk;
    for (int i = 0; i < 1 + run * 13; ++i) {
      chunk.push_back("k" + std::to_string(rng() % 500));  // duplicates across runs too
      all.push_back(chunk.back());
    }
    runs.Add(std::move(chunk));
  }
  runs.Add({});  // an empty run changes nothing
  CHECK(runs.size() == all.size());
  std::sort(all.begin(), all.end());
  CHECK(TakeAll(runs) == all);
  CHECK(runs.empty());
}

TEST_CASE("SortedRuns::Rewind takes back every row taken since the mark", "[node][sorted_runs]") {
  SortedRuns<std::string, ByKey> runs;
  runs.Add({"d", "a", "f"});
  runs.Add({"c", "b", "e"});
  CHECK(runs.Take() == "a");
  const auto mark = runs.mark();
  CHECK(runs.Take() == "b");
  CHECK(runs.Take() == "c");
  runs.Rewind(mark);
  CHECK(TakeAll(runs) == std::vector<std::string>{"b", "c", "d", "e", "f"});
  runs.Rewind(mark);  // also once every row was taken
  CHECK(runs.Take() == "b");
}
