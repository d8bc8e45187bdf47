#include "common/urgent_watch.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <system_error>

namespace cen::common {
namespace {

void CloseAll(std::vector<int>* fds) {
  for (int fd : *fds) ::close(fd);
  fds->clear();
}

}  // namespace

std::unique_ptr<UrgentWatch> UrgentWatch::StartFor(const std::string& config, int rt_priority) {
  if (rt_priority == 0) {
    spdlog::info("urgent lane: no real-time priority (rt_priority 0: {} or --rt-priority)", config);
    return nullptr;
  }
  std::unique_ptr<UrgentWatch> watch;
  try {
    watch = std::make_unique<UrgentWatch>(rt_priority);
  } catch (const std::exception& e) {
    spdlog::warn("urgent lane: no watcher ({}); the loop looks for urgent alerts on its own",
                 e.what());
    return nullptr;
  }
  if (!watch->realtime_refused().empty()) {
    spdlog::warn(
        "urgent lane: real-time priority {} refused ({}); on a machine busy with bulk work an "
        "urgent alert may wait for a core at each step. Allow it with CAP_SYS_NICE or "
        "RLIMIT_RTPRIO (systemd: LimitRTPRIO={}), or set rt_priority = 0 in {}",
        rt_priority, watch->realtime_refused(), rt_priority, config);
    return nullptr;
  }
  spdlog::info("urgent lane: real-time priority {} lent while an urgent alert is taken in",
               rt_priority);
  return watch;
}

bool UrgentWatch::TryWatch(const std::vector<int>& fds) {
  try {
    Watch(fds);
    return true;
  } catch (const std::exception& e) {
    spdlog::warn("urgent lane: no watcher ({}); the loop looks for urgent alerts on its own",
                 e.what());
    return false;
  }
}

UrgentWatch::UrgentWatch(int rt_priority) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_INHERIT);
  if (const int e = pthread_mutex_init(&mutex_, &attr); e != 0) {
    pthread_mutexattr_destroy(&attr);
    throw std::system_error(e, std::generic_category(), "urgent watch: mutex");
  }
  pthread_mutexattr_destroy(&attr);
  control_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (control_fd_ < 0) {
    pthread_mutex_destroy(&mutex_);
    throw std::system_error(errno, std::generic_category(), "urgent watch: eventfd");
  }
  pthread_mutex_lock(&mutex_);
  held_ = true;
  try {
    thread_ = std::thread([this] { Run(); });
  } catch (...) {
    pthread_mutex_unlock(&mutex_);
    pthread_mutex_destroy(&mutex_);
    ::close(control_fd_);
    throw;
  }
  if (rt_priority > 0) {
    sched_param param{};
    param.sched_priority = rt_priority;
    if (const int e = pthread_setschedparam(thread_.native_handle(), SCHED_FIFO, &param); e != 0)
      refused_ = std::strerror(e);
  }
}

UrgentWatch::~UrgentWatch() {
  stop_ = true;
  const uint64_t one = 1;
  (void)!::write(control_fd_, &one, sizeof one);
  state_.fetch_and(~kKnock);
  state_.notify_all();
  if (held_) pthread_mutex_unlock(&mutex_);  // a watcher waiting for it goes on
  thread_.join();
  CloseAll(&fds_);
  CloseAll(&new_fds_);
  ::close(control_fd_);
  pthread_mutex_destroy(&mutex_);
}

void UrgentWatch::Watch(const std::vector<int>& fds) {
  std::vector<int> copies;
  for (int fd : fds) {
    if (fd < 0) continue;
    const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
      CloseAll(&copies);
      throw std::system_error(errno, std::generic_category(), "urgent watch: dup");
    }
    copies.push_back(copy);
  }
  {
    std::lock_guard<std::mutex> lock(fds_mutex_);
    CloseAll(&new_fds_);
    new_fds_ = std::move(copies);
    fds_changed_ = true;
  }
  const uint64_t one = 1;
  (void)!::write(control_fd_, &one, sizeof one);
}

void UrgentWatch::Looked() {
  int state = state_.load(std::memory_order_relaxed);
  if (state == 0) return;
  if (state & kKnock) {
    state = state_.fetch_and(~kKnock, std::memory_order_acq_rel);
    state_.notify_one();
  }
  // The watcher may not wait yet (it knocked, then goes for the mutex):
  // attention() stays true and the owner's next check hands it over.
  if (state & kWaiting) HandOver();
}

void UrgentWatch::HandOver() {
  if (!held_) return;
  // The waiting watcher takes the mutex (it is handed to the highest
  // priority waiter) and gives it straight back; the borrowed priority ends.
  pthread_mutex_unlock(&mutex_);
  pthread_mutex_lock(&mutex_);
}

void UrgentWatch::Sleep() {
  if (!held_) return;
  pthread_mutex_unlock(&mutex_);
  held_ = false;
}

void UrgentWatch::Wake() {
  if (held_) return;
  pthread_mutex_lock(&mutex_);
  held_ = true;
}

void UrgentWatch::Run() {
  std::vector<pollfd> polled;
  while (!stop_) {
    polled.assign(1, pollfd{control_fd_, POLLIN, 0});
    for (int fd : fds_) polled.push_back(pollfd{fd, POLLIN, 0});
    if (::poll(polled.data(), polled.size(), -1) < 0) {
      if (errno == EINTR) continue;
      ::usleep(10000);  // cannot happen with valid descriptors; never spin
      continue;
    }
    if (stop_) break;
    if (polled[0].revents != 0) {
      uint64_t count;
      (void)!::read(control_fd_, &count, sizeof count);
      std::lock_guard<std::mutex> lock(fds_mutex_);
      if (fds_changed_) {
        CloseAll(&fds_);
        fds_ = std::move(new_fds_);
        new_fds_.clear();
        fds_changed_ = false;
      }
      continue;
    }
    bool readable = false;
    for (size_t i = 1; i < polled.size(); ++i) {
      if (polled[i].revents & POLLIN) readable = true;
      // A descriptor in error (never readable again) is no longer watched.
      if (polled[i].revents & (POLLERR | POLLHUP | POLLNVAL) && !(polled[i].revents & POLLIN)) {
        ::close(fds_[i - 1]);
        fds_[i - 1] = -1;
      }
    }
    std::erase(fds_, -1);
    if (!readable) continue;
    state_.fetch_or(kKnock | kWaiting, std::memory_order_acq_rel);
    // The owner runs at this thread's priority meanwhile, for kMaxLend at
    // most: whatever it does before it looks (a step with no check in it),
    // it never holds a core at a real-time priority for longer.
    timespec until{};
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += kMaxLend.count() * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    const bool taken = pthread_mutex_timedlock(&mutex_, &until) == 0;
    state_.fetch_and(~kWaiting, std::memory_order_acq_rel);
    if (taken) pthread_mutex_unlock(&mutex_);
    // Until the owner has read what came: the descriptor stays readable
    // until then, and this thread must not spin on it.
    for (int s = state_.load(std::memory_order_acquire); (s & kKnock) && !stop_;
         s = state_.load(std::memory_order_acquire)) {
      state_.wait(s, std::memory_order_acquire);
    }
  }
}

}  // namespace cen::common
