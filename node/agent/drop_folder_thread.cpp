#include "node/agent/drop_folder_thread.h"

#include <spdlog/spdlog.h>

#include "common/sqlite_db.h"
#include "node/agent/agent_doorbell.h"
#include "node/drops/drop_folder.h"
#include "node/drops/drop_importer.h"
#include "node/store/node_schema.h"
#include "node/store/urgent_claim.h"

namespace cen::node {

common::Result<std::unique_ptr<DropFolderThread>> DropFolderThread::Start(std::string dir,
                                                                          std::string data_dir) {
  CEN_RETURN_IF_ERROR(DropFolder(dir, nullptr).Prepare());
  std::unique_ptr<DropFolderThread> folder(
      new DropFolderThread(std::move(dir), std::move(data_dir)));
  folder->thread_ = std::thread([f = folder.get()] { f->Loop(); });
  return folder;
}

DropFolderThread::~DropFolderThread() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::string DropFolderThread::problem() const {
  std::lock_guard<std::mutex> lock(mu_);
  return problem_;
}

void DropFolderThread::Loop() {
  auto db =
      common::Database::Open(NodeSchema::DbPath(data_dir_), common::Database::Mode::kReadWrite);
  if (!db.ok()) {
    spdlog::error("drop folder: {}; no file is imported this run", db.status().message());
    std::lock_guard<std::mutex> lock(mu_);
    problem_ = "drop folder: " + db.status().message();
    return;
  }
  // Waits for the lock as the agent does (a `cen-node drop` beside it may
  // hold it for a whole file), but not past a stop.
  db->SetBusyTimeout(DropImporter::kLockWaitMillis, [this] { return !stop_.load(); });
  // The agent's checkpointer thread copies the log, as for `cen-node drop`
  // beside it: no checkpoint at this connection's commits.
  if (auto st = db->Exec("PRAGMA wal_autocheckpoint=0"); !st.ok())
    spdlog::warn("drop folder: {}", st.message());
  UrgentClaim give_way(data_dir_);
  DropFolder folder(dir_, &*db, DropFolder::kSettle);
  folder.set_give_way(&give_way, &stop_);
  while (!stop_) {
    auto handled = folder.PollOnce();
    if (!handled.ok()) spdlog::warn("drop folder: {}", handled.status().message());
    {
      std::lock_guard<std::mutex> lock(mu_);
      problem_ = folder.problem();
    }
    if (handled.ok() && *handled) {
      AgentDoorbell::Ring(data_dir_);  // its records go out now
      continue;                        // the next file at once
    }
    // Wakes within 50 ms of a stop.
    for (int i = 0; i < 10 && !stop_; ++i) std::this_thread::sleep_for(kPollEvery / 10);
  }
}

}  // namespace cen::node
