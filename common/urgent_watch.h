// A thread that sleeps until one of a few file descriptors becomes readable
// (the priority feed's socket, the doorbell, the hub's ingest socket) and
// then knocks. The owner thread, busy with bulk work, sees the knock at its
// next cheap check (an atomic load) instead of asking its sockets with system
// calls, and the watcher lends it a real-time priority until it has looked:
// the owner holds a priority-inheritance mutex while it works, the watcher
// waits on that mutex, so the kernel runs the owner at the watcher's
// SCHED_FIFO priority, ahead of the bulk work of every process on the
// machine, until it hands the mutex over (Looked) or sleeps (Sleep), for
// kMaxLend at most.
//
// Why: on a machine whose cores are all busy with bulk work (three agents and
// a hub on two cores while an export flows), an urgent alert otherwise waits
// at each hop for its thread's next turn on a core, a few ms each time.
//
// A real-time priority needs CAP_SYS_NICE or RLIMIT_RTPRIO (systemd:
// LimitRTPRIO=1); without it the watcher runs at normal priority and still
// knocks (realtime_refused() says why). The owner's work under the borrowed
// priority is bounded by how soon it checks (between records) and looks.
//
//   UrgentWatch watch(1);          // on the owner's thread, which now holds the mutex
//   watch.Watch({feed_fd, bell_fd});
//   watch.Sleep(); poll(...); watch.Wake();       // never holds the mutex asleep
//   if (watch.attention()) {       // cheap: between records of a bulk slice
//     if (watch.knocked()) { /* read what came, apply what is urgent */ }
//     watch.Looked();              // the borrowed priority goes back
//   }
//
// Every method but the constructor's thread is for the owner's thread only.
#pragma once

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cen::common {

class UrgentWatch {
 public:
  // A daemon's watcher at `rt_priority` (its `config` file's rt_priority),
  // or none: when it is 0, when the system refuses a real-time priority (a
  // watcher without one is no better than the loop's own looks), or when
  // the thread cannot start. Logs which, once. The calling thread becomes
  // the owner.
  static std::unique_ptr<UrgentWatch> StartFor(const std::string& config, int rt_priority);

  // `rt_priority`: the watcher's SCHED_FIFO priority (1-99); 0: none. The
  // calling thread becomes the owner. Throws std::system_error when the
  // thread, its mutex or its eventfd cannot be made.
  explicit UrgentWatch(int rt_priority);
  ~UrgentWatch();
  UrgentWatch(const UrgentWatch&) = delete;
  UrgentWatch& operator=(const UrgentWatch&) = delete;

  // Replaces the descriptors watched for POLLIN. They are duplicated: the
  // caller may close its own (a socket replaced) at any time.
  // Throws std::system_error when a descriptor cannot be duplicated.
  void Watch(const std::vector<int>& fds);
  // Watch(), or false after logging why the daemon goes on without a watcher.
  bool TryWatch(const std::vector<int>& fds);

  // Something came or the watcher waits: knocked() or Looked() is due.
  bool attention() const { return state_.load(std::memory_order_relaxed) != 0; }
  // A watched descriptor became readable since the last Looked().
  bool knocked() const { return (state_.load(std::memory_order_acquire) & kKnock) != 0; }
  // The owner read what the descriptors offered (so they poll quiet again):
  // the knock is over and the borrowed priority goes back. Cheap when
  // nothing is pending.
  void Looked();

  // Around the owner's poll: a sleeping owner needs no priority.
  void Sleep();
  void Wake();

  // Empty when the watcher runs at its real-time priority (or none was
  // asked for); else why the system refused it.
  const std::string& realtime_refused() const { return refused_; }

  // The longest the owner runs at the borrowed priority per knock.
  static constexpr std::chrono::milliseconds kMaxLend{20};

 private:
  static constexpr int kKnock = 1;    // a descriptor became readable
  static constexpr int kWaiting = 2;  // the watcher waits for the mutex

  void Run();
  void HandOver();

  pthread_mutex_t mutex_;  // priority inheritance; the owner's while it works
  bool held_ = false;      // the owner holds mutex_
  std::atomic<int> state_{0};
  std::atomic<bool> stop_{false};
  int control_fd_ = -1;  // eventfd: new descriptors, or stop
  std::mutex fds_mutex_;
  std::vector<int> new_fds_;  // duplicates handed to the watcher
  bool fds_changed_ = false;
  std::vector<int> fds_;  // the watcher's own
  std::string refused_;
  std::thread thread_;
};

}  // namespace cen::common
