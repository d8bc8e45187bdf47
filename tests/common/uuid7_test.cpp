#include "common/uuid7.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

using cen::common::Uuid7;

namespace {

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The 48-bit Unix milliseconds in the first 12 hex digits.
int64_t TimestampOf(const std::string& id) {
  return static_cast<int64_t>(std::stoull(id.substr(0, 8) + id.substr(9, 4), nullptr, 16));
}

}  // namespace

TEST_CASE("Uuid7 ids are strictly increasing over 100k calls", "[common][uuid7]") {
  std::string previous = Uuid7::Generate();
  int out_of_order = 0;
  for (int i = 0; i < 100000; ++i) {
    std::string next = Uuid7::Generate();
    if (!(previous < next)) ++out_of_order;
    previous = std::move(next);
  }
  CHECK(out_of_order == 0);
}

TEST_CASE("Uuid7 ids are canonical version 7 with the RFC variant", "[common][uuid7]") {
  const int64_t before = NowMillis();
  for (int i = 0; i < 256; ++i) {
    const std::string id = Uuid7::Generate();
    INFO(id);
    REQUIRE(id.size() == 36);
    REQUIRE(Uuid7::IsCanonical(id));
    CHECK(id[8] == '-');
    CHECK(id[13] == '-');
    CHECK(id[18] == '-');
    CHECK(id[23] == '-');
    CHECK(id[14] == '7');  // version nibble
    const char variant = id[19];
    CHECK((variant == '8' || variant == '9' || variant == 'a' || variant == 'b'));
  }
  SECTION("the timestamp is the current Unix time in milliseconds") {
    const int64_t stamp = TimestampOf(Uuid7::Generate());
    CHECK(stamp >= before);
    CHECK(stamp <= NowMillis() + 1000);  // may borrow ahead under heavy load, never far
  }
}

TEST_CASE("Uuid7 ids are unique across threads", "[common][uuid7]") {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10000;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ids, t] {
      auto& mine = ids[static_cast<size_t>(t)];
      mine.reserve(kPerThread);
      for (int i = 0; i < kPerThread; ++i) mine.push_back(Uuid7::Generate());
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  int out_of_order = 0;
  for (const auto& mine : ids) {
    for (size_t i = 1; i < mine.size(); ++i) out_of_order += mine[i - 1] < mine[i] ? 0 : 1;
    all.insert(mine.begin(), mine.end());
  }
  CHECK(out_of_order == 0);
  CHECK(all.size() == static_cast<size_t>(kThreads * kPerThread));
}

TEST_CASE("Uuid7::IsCanonical accepts only lowercase 8-4-4-4-12 hex", "[common][uuid7]") {
  struct Uuid7Case {
    const char* text;
    bool canonical;
  };
  const Uuid7Case cases[] = {
      {"0190f2c1-1234-7abc-8def-0123456789ab", true},
      {"00000000-0000-4000-8000-000000000000", true},    // any version
      {"0190F2C1-1234-7ABC-8DEF-0123456789AB", false},   // uppercase
      {"0190f2c11234-7abc-8def-0123456789ab-", false},   // hyphens misplaced
      {"0190f2c1-1234-7abc-8def-0123456789a", false},    // short
      {"0190f2c1-1234-7abc-8def-0123456789abc", false},  // long
      {"{0190f2c1-1234-7abc-8def-0123456789a}", false},  // braces
      {"0190f2c1-1234-7abc-8def-0123456789ag", false},   // not hex
      {"", false},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    CHECK(Uuid7::IsCanonical(c.text) == c.canonical);
  }
}
