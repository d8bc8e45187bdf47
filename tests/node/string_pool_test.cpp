#include "node/agent/string_pool.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

using cen::node::StringPool;

namespace {

// Whether sorting the pool's texts by rank gives them in byte order.
void RequireRanksInTextOrder(const std::vector<const StringPool::Text*>& texts) {
  std::vector<const StringPool::Text*> by_rank = texts;
  std::sort(by_rank.begin(), by_rank.end(),
            [](auto* a, auto* b) { return StringPool::Compare(a, b) < 0; });
  for (size_t i = 1; i < by_rank.size(); ++i) {
    INFO(by_rank[i - 1]->text << " then " << by_rank[i]->text);
    REQUIRE(by_rank[i - 1]->text < by_rank[i]->text);
    REQUIRE(StringPool::Compare(by_rank[i - 1], by_rank[i]) < 0);
  }
}

std::string Date(int day) {
  char buf[48];  // room for any int, as -Wformat-truncation asks
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", 2015 + day / 336, 1 + day / 28 % 12,
                1 + day % 28);
  return buf;
}

}  // namespace

TEST_CASE("StringPool interns each text once, at an address that stays put", "[node][pool]") {
  StringPool pool;
  const StringPool::Text* nl = pool.Intern("NL");
  CHECK(nl->text == "NL");
  CHECK(pool.Intern(std::string("N") + "L") == nl);
  for (int i = 0; i < 10000; ++i) pool.Intern("text " + std::to_string(i));
  CHECK(pool.Intern("NL") == nl);
  CHECK(nl->text == "NL");
  CHECK(pool.size() == 10001);
  StringPool moved = std::move(pool);
  CHECK(moved.Intern("NL") == nl);
  CHECK(moved.size() == 10001);
}

TEST_CASE("StringPool ranks order texts as their bytes, in whatever order they come",
          "[node][pool]") {
  std::vector<std::string> words = {
      "",     "A",       "AB",           "ABC",       "B", "Z", "a", "\xc3\xa9t\xc3\xa9",
      "\xff", "cocaine", "cocaine base", "cigarettes"};
  for (int day = 0; day < 4000; ++day) words.push_back(Date(day));
  std::mt19937 rng(7);

  SECTION("random order") { std::shuffle(words.begin(), words.end(), rng); }
  SECTION("ascending: each text after the last") { std::sort(words.begin(), words.end()); }
  SECTION("descending: each text before the first") {
    std::sort(words.begin(), words.end(), std::greater<>());
  }
  SECTION("each text between the two before it") {
    // Ever smaller gaps: the ranks between run out and are handed out again.
    std::sort(words.begin(), words.end());
    std::vector<std::string> zigzag;
    for (size_t lo = 0, hi = words.size(); lo < hi;) {
      zigzag.push_back(words[lo++]);
      if (lo < hi) zigzag.push_back(words[--hi]);
    }
    words = zigzag;
  }
  StringPool pool;
  std::vector<const StringPool::Text*> texts;
  for (const std::string& w : words) texts.push_back(pool.Intern(w));
  RequireRanksInTextOrder(texts);
  // Interned again: the same texts, the order still right.
  for (const std::string& w : words) REQUIRE(pool.Intern(w)->text == w);
  RequireRanksInTextOrder(texts);
}

TEST_CASE("StringPool hands ranks out again when none is left between two neighbours",
          "[node][pool]") {
  StringPool pool;
  std::vector<const StringPool::Text*> texts;
  // "b", "ba", "baa"...: each new text between the last one and "c", so
  // the gap halves every time.
  texts.push_back(pool.Intern("a"));
  texts.push_back(pool.Intern("c"));
  std::string text = "b";
  for (int i = 0; i < 200; ++i) {
    texts.push_back(pool.Intern(text));
    text += "a";
  }
  CHECK(pool.renumbered() > 0);
  RequireRanksInTextOrder(texts);
}
