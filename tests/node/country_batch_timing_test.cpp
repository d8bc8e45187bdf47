#include "node/agent/country_batch_timing.h"

#include <catch2/catch.hpp>
#include <chrono>

using cen::node::CountryBatchTiming;
using namespace std::chrono_literals;

namespace {

constexpr int64_t kBatchAt = 1000;
const CountryBatchTiming::Clock::time_point kStart{std::chrono::hours(100)};

}  // namespace

TEST_CASE("A country batch waits for the apply to rest a second", "[node][countries]") {
  CountryBatchTiming timing(kBatchAt);
  CHECK_FALSE(timing.MayGoOn(0, false, kStart));  // nothing pending
  timing.NoteApplied(kStart);
  // Records wait to be applied: they go first.
  CHECK_FALSE(timing.MayGoOn(10, true, kStart + 5s));
  // Nothing waits, but the apply wrote only just now.
  timing.NoteApplied(kStart + 5s);
  CHECK_FALSE(timing.MayGoOn(10, false, kStart + 5s + 999ms));
  CHECK(timing.MayGoOn(10, false, kStart + 6s));
}

TEST_CASE("A country batch goes at once when many records are pending, apply or not",
          "[node][countries]") {
  CountryBatchTiming timing(kBatchAt);
  timing.NoteApplied(kStart);
  CHECK_FALSE(timing.MayGoOn(kBatchAt - 1, true, kStart));
  CHECK(timing.MayGoOn(kBatchAt, true, kStart));
  CHECK(timing.MayGoOn(kBatchAt + 1, false, kStart));
}

TEST_CASE("A trickle that never rests gets its country batch after ten seconds",
          "[node][countries]") {
  CountryBatchTiming timing(kBatchAt);
  // A record every half second: the apply never rests a whole second.
  auto now = kStart;
  timing.NoteApplied(now);
  CHECK_FALSE(timing.MayGoOn(1, false, now));  // records began to wait now
  int64_t pending = 1;
  while (now < kStart + 9500ms) {
    now += 500ms;
    timing.NoteApplied(now);
    CHECK_FALSE(timing.MayGoOn(++pending, false, now));
  }
  now += 500ms;  // ten seconds since the first record waited
  timing.NoteApplied(now);
  CHECK(timing.MayGoOn(++pending, false, now));
  // The batch ended: the next records wait from the next look on.
  timing.NoteBatchEnded();
  now += 500ms;
  timing.NoteApplied(now);
  CHECK_FALSE(timing.MayGoOn(1, false, now));
  now += 9500ms;
  timing.NoteApplied(now);
  CHECK_FALSE(timing.MayGoOn(2, false, now));
  now += 500ms;
  timing.NoteApplied(now);
  CHECK(timing.MayGoOn(3, false, now));
}

TEST_CASE("Nothing pending starts the ten seconds again", "[node][countries]") {
  CountryBatchTiming timing(kBatchAt);
  timing.NoteApplied(kStart + 9s);
  CHECK_FALSE(timing.MayGoOn(5, false, kStart));
  // Everything indexed meanwhile (a batch of a reset replica, say).
  CHECK_FALSE(timing.MayGoOn(0, false, kStart + 9s));
  timing.NoteApplied(kStart + 10s);
  CHECK_FALSE(timing.MayGoOn(5, false, kStart + 10500ms));
}
