// The agent's drop folder on a thread of its own, with its own connection to
// node.db. A file is one transaction of up to about ten seconds (a million
// rows): on the agent's thread it held everything else the agent does (the
// priority feed, the hub link); here the agent's thread is free (its writes
// to node.db still wait for the file), and the file gives way to an urgent
// alert the agent claims node.db's write lock for
// (node/store/urgent_claim.h). Like `cen-node drop`, it rings
// the agent's doorbell after each import, so the records are sent at once.
//
//   auto folder = DropFolderThread::Start(dir, data_dir);
//   if (!folder.ok()) return folder.status();
//   std::string why = (*folder)->problem();   // for cen-node status
//   folder->reset();                          // stops: a file under way rolls back
//
// problem() and dir() may be asked from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"

namespace cen::node {

class DropFolderThread {
 public:
  // Looks at the folder about twice a second, and at once after a file.
  static constexpr auto kPollEvery = std::chrono::milliseconds(500);

  // Prepares DIR (and done/, failed/) and starts the thread.
  static common::Result<std::unique_ptr<DropFolderThread>> Start(std::string dir,
                                                                 std::string data_dir);
  DropFolderThread(const DropFolderThread&) = delete;
  DropFolderThread& operator=(const DropFolderThread&) = delete;
  // Stops the thread; a file under way rolls back and stays in the folder.
  ~DropFolderThread();

  // Asks the thread to stop without waiting for it (any thread): a file under
  // way rolls back within a batch of rows, freeing node.db's write lock.
  void RequestStop() { stop_ = true; }

  // What holds a file back (DropFolder::problem()), "" when nothing does.
  std::string problem() const;
  const std::string& dir() const { return dir_; }

 private:
  DropFolderThread(std::string dir, std::string data_dir)
      : dir_(std::move(dir)), data_dir_(std::move(data_dir)) {}
  void Loop();

  const std::string dir_;
  const std::string data_dir_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::string problem_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace cen::node
