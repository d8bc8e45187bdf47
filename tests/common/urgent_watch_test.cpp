#include "common/urgent_watch.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

using cen::common::UrgentWatch;
using namespace std::chrono_literals;

namespace {

// A pipe: what the watch watches, as a socket's descriptor would be.
struct Pipe {
  Pipe() { REQUIRE(::pipe(fds) == 0); }
  ~Pipe() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
  void Write() const { REQUIRE(::write(fds[1], "x", 1) == 1); }
  void Drain() const {
    char c;
    REQUIRE(::read(fds[0], &c, 1) == 1);
  }
  int fds[2];
};

// Polls `done` for up to 5 s (the watcher is another thread).
template <typename Done>
bool Within5s(Done done) {
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Looked() until the watcher has had its mutex back: nothing is pending.
bool LookUntilQuiet(UrgentWatch& watch) {
  return Within5s([&] {
    watch.Looked();
    return !watch.attention();
  });
}

// Whether the system granted the watcher its real-time priority (root,
// CAP_SYS_NICE, RLIMIT_RTPRIO); a test of the lending has nothing to see
// without it, and says so.
bool RealtimeHere(const UrgentWatch& watch) {
  if (watch.realtime_refused().empty()) return true;
  WARN("no real-time priority here (" << watch.realtime_refused() << "): only the knock");
  return false;
}

// The calling thread's scheduling priority as the kernel applies it (field
// 18 of /proc/thread-self/stat): 20 at nice 0, negative at a real-time
// priority, also one lent through a priority-inheritance mutex.
int KernelPriority() {
  std::ifstream in("/proc/thread-self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));  // after "(comm) "
  std::string field;
  for (int i = 3; i <= 18; ++i) fields >> field;
  return std::stoi(field);
}

}  // namespace

TEST_CASE("UrgentWatch knocks when a watched descriptor becomes readable, once until looked",
          "[common][urgent]") {
  Pipe a;
  UrgentWatch watch(0);
  watch.Watch({a.fds[0]});
  std::this_thread::sleep_for(20ms);
  CHECK_FALSE(watch.attention());

  a.Write();
  REQUIRE(Within5s([&] { return watch.knocked(); }));
  a.Drain();
  REQUIRE(LookUntilQuiet(watch));
  std::this_thread::sleep_for(50ms);
  CHECK_FALSE(watch.attention());  // a drained descriptor knocks no more

  // Looked without reading: the descriptor is still readable, so it knocks again.
  a.Write();
  REQUIRE(Within5s([&] { return watch.knocked(); }));
  watch.Looked();
  REQUIRE(Within5s([&] { return watch.knocked(); }));
  a.Drain();
  watch.Looked();
}

TEST_CASE("UrgentWatch watches the descriptors last given, its own copies of them",
          "[common][urgent]") {
  Pipe old_one;
  Pipe new_one;
  UrgentWatch watch(0);
  watch.Watch({old_one.fds[0]});
  watch.Watch({new_one.fds[0]});
  std::this_thread::sleep_for(20ms);
  old_one.Write();
  std::this_thread::sleep_for(50ms);
  CHECK_FALSE(watch.knocked());
  new_one.Write();
  REQUIRE(Within5s([&] { return watch.knocked(); }));
  new_one.Drain();
  watch.Looked();
}

TEST_CASE("UrgentWatch lends its real-time priority to the owner until the owner looked",
          "[common][urgent]") {
  const int normal = KernelPriority();
  Pipe a;
  UrgentWatch watch(1);
  if (!RealtimeHere(watch)) return;
  watch.Watch({a.fds[0]});
  a.Write();
  REQUIRE(Within5s([&] { return watch.knocked(); }));
  // The watcher waits for the mutex the owner holds: the owner is boosted.
  REQUIRE(Within5s([&] { return KernelPriority() < 0; }));
  a.Drain();
  REQUIRE(LookUntilQuiet(watch));
  CHECK(KernelPriority() == normal);

  // An owner asleep (not holding the mutex) is not boosted; it still hears the knock.
  watch.Sleep();
  a.Write();
  REQUIRE(Within5s([&] { return watch.knocked(); }));
  std::this_thread::sleep_for(20ms);
  CHECK(KernelPriority() == normal);
  watch.Wake();
  a.Drain();
  REQUIRE(LookUntilQuiet(watch));
  CHECK(KernelPriority() == normal);
}

TEST_CASE("UrgentWatch lends its priority for a bounded time to an owner that never looks",
          "[common][urgent]") {
  const int normal = KernelPriority();
  Pipe a;
  UrgentWatch watch(1);
  if (!RealtimeHere(watch)) return;
  watch.Watch({a.fds[0]});
  a.Write();
  REQUIRE(Within5s([&] { return KernelPriority() < 0; }));
  // A step with no check in it (a whole drop file imported) runs on: after
  // kMaxLend the watcher stops waiting and the owner is back to normal.
  REQUIRE(Within5s([&] { return KernelPriority() == normal; }));
  CHECK(watch.knocked());  // the knock is still there to be answered
  a.Drain();
  REQUIRE(LookUntilQuiet(watch));
}
