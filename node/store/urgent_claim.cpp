#include "node/store/urgent_claim.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace cen::node {

namespace {
constexpr auto kLookEvery = std::chrono::milliseconds(2);
}  // namespace

UrgentClaim::UrgentClaim(const std::string& data_dir) : path_(data_dir + "/" + kFile) {}

UrgentClaim::~UrgentClaim() {
  if (fd_ >= 0) ::close(fd_);
}

bool UrgentClaim::Open() {
  if (fd_ < 0) fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  return fd_ >= 0;
}

void UrgentClaim::Hold() {
  if (held_ || !Open()) return;
  // Blocks only while an importer looks (LOCK_EX for an instant).
  while (::flock(fd_, LOCK_SH) != 0) {
    if (errno != EINTR) return;
  }
  held_ = true;
}

void UrgentClaim::Release() {
  if (!held_) return;
  ::flock(fd_, LOCK_UN);
  held_ = false;
}

bool UrgentClaim::OthersHold() {
  if (held_ || !Open()) return false;
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) return errno == EWOULDBLOCK;
  ::flock(fd_, LOCK_UN);
  return false;
}

bool UrgentClaim::WaitFree(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (OthersHold()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kLookEvery);
  }
  return true;
}

}  // namespace cen::node
