#include "common/wal_checkpointer.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "common/sqlite_db.h"

namespace cen::common {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(const std::string& db_path,
                                                                std::chrono::milliseconds every) {
  auto db = Database::Open(db_path, Database::Mode::kReadWrite);
  if (!db.ok()) return db.status();
  std::unique_ptr<WalCheckpointer> c(new WalCheckpointer(db_path, every));
  c->thread_ =
      std::thread([raw = c.get(), conn = std::move(*db)]() mutable { raw->Loop(std::move(conn)); });
  return c;
}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WalCheckpointer::Loop(Database db) {
  bool failing = false;
  std::unique_lock<std::mutex> lock(mu_);
  while (!wake_.wait_for(lock, every_, [this] { return stop_; })) {
    lock.unlock();
    int log_frames = 0;
    int copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(db.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                             &log_frames, &copied);
    if (rc == SQLITE_OK) {
      if (failing) spdlog::info("checkpoints of {} work again", db_path_);
      failing = false;
      if (log_frames >= 0 && copied == log_frames) ++complete_;
    } else if (rc != SQLITE_BUSY && !failing) {  // logged once, not once per attempt
      spdlog::warn("checkpoint of {} failed: {}; retrying", db_path_, sqlite3_errmsg(db.handle()));
      failing = true;
    }
    lock.lock();
  }
}

}  // namespace cen::common
