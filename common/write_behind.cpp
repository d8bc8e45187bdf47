#include "common/write_behind.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cen::common {

std::unique_ptr<WriteBehind> WriteBehind::Start(std::vector<std::string> paths,
                                                std::chrono::milliseconds every) {
  std::unique_ptr<WriteBehind> w(new WriteBehind(std::move(paths), every));
  w->thread_ = std::thread([raw = w.get()] { raw->Loop(); });
  return w;
}

WriteBehind::WriteBehind(std::vector<std::string> paths, std::chrono::milliseconds every)
    : every_(every) {
  for (std::string& path : paths) files_.push_back({std::move(path)});
}

WriteBehind::~WriteBehind() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (File& f : files_) Close(f);
}

void WriteBehind::Close(File& f) {
  if (f.fd >= 0) ::close(f.fd);
  f.fd = -1;
  f.device = 0;
  f.inode = 0;
}

bool WriteBehind::Ready(File& f) {
  struct stat now {};
  if (::stat(f.path.c_str(), &now) != 0) {
    Close(f);  // gone: its blocks are freed once no descriptor holds them
    return false;
  }
  if (f.fd >= 0 && f.device == static_cast<uint64_t>(now.st_dev) &&
      f.inode == static_cast<uint64_t>(now.st_ino))
    return true;
  Close(f);
  f.fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd < 0) return false;
  struct stat opened {};
  if (::fstat(f.fd, &opened) != 0) {
    Close(f);
    return false;
  }
  f.device = static_cast<uint64_t>(opened.st_dev);
  f.inode = static_cast<uint64_t>(opened.st_ino);
  return true;
}

void WriteBehind::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    bool asked = false;
    for (File& f : files_) {
      if (!Ready(f)) continue;
      // The whole file (0, 0): pages already clean or under writeback cost
      // nothing; errors (EIO) are for the file's own fsync to report.
      ::sync_file_range(f.fd, 0, 0, SYNC_FILE_RANGE_WRITE);
      asked = true;
    }
    if (asked) ++passes_;
    lock.lock();
    wake_.wait_for(lock, every_, [this] { return stop_; });
  }
}

}  // namespace cen::common
