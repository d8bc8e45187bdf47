// Writes the replica's full-text index (text.db, node/store/text_db.h)
// behind the apply: records node.db holds up to the replica's cursor, read
// back from `documents`, in transactions of up to kBatchRecords, on a
// connection of its own (text.db, with node.db attached read-only). Run on
// a thread of its own (Start) it works beside the apply on the other core;
// benches and tests may run it on theirs (IndexAll).
//
//   auto indexer = TextIndexer::Open(data_dir);
//   if (!indexer.ok()) return indexer.status();
//   (*indexer)->Start();                       // stops when destroyed
//   int64_t behind = replica.cursor() - (*indexer)->reach();
//
// Crash-safe without a log of its own: its terms and its reach commit
// together, and what is above the reach is read again from node.db. A
// replica reset (a new generation in node.db's cursor) empties the index.
// A failing transaction (a full disk) is logged once, tried again every
// kRetryAfter, and its recovery logged.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/sqlite_db.h"
#include "node/agent/searched_text.h"

namespace cen::node {

class TextIndexer {
 public:
  // Records per transaction. Each commit writes the batch's terms as one
  // FTS5 segment; larger segments are merged less often. 8,192 records
  // hold a read snapshot of node.db for about 100 ms.
  static constexpr int64_t kBatchRecords = 8192;
  // The thread looks for newly applied records this often when it has
  // caught up.
  static constexpr std::chrono::milliseconds kIdlePoll{25};
  // After a transaction of fewer than kGroupRecords records (records that
  // trickle in), the thread waits kGroupDelay for more: each transaction
  // writes a segment that FTS5 merges into larger ones later, so a segment
  // per few records cost the agents' CPU on a live feed. A --text query
  // reads what it has not reached from documents meanwhile.
  static constexpr int64_t kGroupRecords = 1024;
  static constexpr std::chrono::milliseconds kGroupDelay{250};
  static constexpr std::chrono::seconds kRetryAfter{1};
  // The thread's nice value: it yields a busy core to the apply's thread.
  static constexpr int kNice = 10;

  // Opens (creating when missing) text.db in `data_dir`, whose node.db
  // exists.
  static common::Result<std::unique_ptr<TextIndexer>> Open(const std::string& data_dir);
  ~TextIndexer();
  TextIndexer(const TextIndexer&) = delete;
  TextIndexer& operator=(const TextIndexer&) = delete;

  // Indexes up to `max_records` of the records above the reach, up to the
  // replica's cursor, in one transaction (emptying the index first when it
  // was written for another replica generation). Returns how many; 0 when
  // it has caught up. Not while the thread runs.
  common::Result<int64_t> IndexSome(int64_t max_records = kBatchRecords);
  // IndexSome() until it has caught up.
  common::Status IndexAll();
  // Runs IndexSome() on a thread of its own until destroyed.
  void Start();

  // The reach after the last transaction: every record at or below it, in
  // its generation, is indexed.
  int64_t reach() const { return reach_; }
  // The last transaction failed (full disk, I/O error) and is tried again.
  bool failing() const { return failing_; }

 private:
  TextIndexer(common::Database db, std::string data_dir)
      : db_(std::move(db)), data_dir_(std::move(data_dir)) {}
  void Loop();

  common::Database db_;  // text.db; node.db attached as "node"
  SearchedText text_;    // what each document gives the index
  std::string data_dir_;
  std::atomic<int64_t> reach_{0};
  std::atomic<bool> failing_{false};
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace cen::node
