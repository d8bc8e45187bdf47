#include "common/wal_syncer.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace cen::common {

Result<std::unique_ptr<WalSyncer>> WalSyncer::Start(const std::string& db_path, SyncFn sync) {
  const std::string wal_path = db_path + "-wal";
  const int wal_fd = ::open(wal_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (wal_fd < 0) return Unavailable(wal_path + ": " + std::strerror(errno));
  // The log's directory entry, made durable once: SQLite syncs the
  // directory only at its own first fsync of a new log, which a bulk
  // commit no longer makes.
  const std::filesystem::path dir = std::filesystem::path(wal_path).parent_path();
  const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_CLOEXEC);
  if (dir_fd < 0 || ::fsync(dir_fd) != 0) {
    const int err = errno;
    if (dir_fd >= 0) ::close(dir_fd);
    ::close(wal_fd);
    return Unavailable("cannot sync the directory of " + wal_path + ": " + std::strerror(err));
  }
  ::close(dir_fd);
  const int event_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event_fd < 0) {
    const int err = errno;
    ::close(wal_fd);
    return Internal(std::string("eventfd: ") + std::strerror(err));
  }
  std::unique_ptr<WalSyncer> s(new WalSyncer(wal_path, wal_fd, event_fd, std::move(sync)));
  s->thread_ = std::thread([raw = s.get()] { raw->Loop(); });
  return s;
}

WalSyncer::~WalSyncer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  ::close(wal_fd_);
  ::close(event_fd_);
}

uint64_t WalSyncer::Request() {
  uint64_t ticket = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ticket = ++requested_;
  }
  wake_.notify_one();
  return ticket;
}

void WalSyncer::Clear() {
  uint64_t count = 0;
  (void)!::read(event_fd_, &count, sizeof count);  // EAGAIN: nothing to clear
}

Status WalSyncer::Wait(uint64_t ticket) {
  std::unique_lock<std::mutex> lock(mu_);
  synced_.wait(lock, [&] { return done_.load() >= ticket || !failed_.ok(); });
  return failed_;
}

Status WalSyncer::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_;
}

void WalSyncer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stop_ || requested_ > done_.load(); });
    if (requested_ == done_.load()) return;  // stopping, nothing asked
    // Every request up to here came after its commit had written the log:
    // one fdatasync started now covers them all.
    const uint64_t target = requested_;
    lock.unlock();
    const int rc = sync_ ? sync_(wal_fd_) : ::fdatasync(wal_fd_);
    const int err = errno;
    lock.lock();
    if (rc == 0) {
      done_.store(target);
    } else {
      failed_ = Unavailable("cannot make " + wal_path_ + " durable: " + std::strerror(err));
    }
    synced_.notify_all();
    const uint64_t one = 1;
    (void)!::write(event_fd_, &one, sizeof one);  // the eventfd cannot overflow at 2^64 - 1
    if (rc != 0) return;
  }
}

}  // namespace cen::common
