// Reads and validates the rows of a drop on a thread of its own, so that
// parsing and checking the next rows overlaps with storing the previous ones
// (the machine the issue names has two cores). Rows come out in file order,
// in batches; at most kMaxBatches batches wait, so memory stays flat however
// large the file is.
//
//   ValidatedRows rows(reader, validator, /*keep_rejects=*/partial);
//   std::vector<ValidatedRow> batch;
//   while (rows.NextBatch(batch)) for (ValidatedRow& row : batch) Store(row);
//   if (!rows.status().ok()) ...  // the reading thread failed unexpectedly
//
// The reader and validator are used by the reading thread only until
// NextBatch() returns false or the object is destroyed (which stops and joins
// the thread). `reader` must have been Start()ed. Not thread-safe itself: one
// consumer.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/record_validator.h"
#include "common/status.h"
#include "node/drops/drop_record_reader.h"
#include "node/store/outbox_record.h"

namespace cen::node {

struct ValidatedRow {
  int64_t line = 0;
  // The valid record, made ready for the outbox on the reading thread
  // (encoding is half the cost of queueing); empty when issues is not.
  std::optional<OutboxRecord> record;
  std::vector<DropIssue> issues;  // what is wrong with the row
  // The row as FILE.rejects.csv writes it, up to its reason column: kept
  // for every row with keep_rejects (the outbox may refuse a valid row).
  std::string reject_prefix;
};

class ValidatedRows {
 public:
  ValidatedRows(DropRecordReader& reader, const common::RecordValidator& validator,
                bool keep_rejects);
  ~ValidatedRows();
  ValidatedRows(const ValidatedRows&) = delete;
  ValidatedRows& operator=(const ValidatedRows&) = delete;

  // Replaces `batch` with the next rows; false at the end of the input. The
  // rows given back are freed by the reading thread (freeing memory on the
  // thread that allocated it is cheaper, and the storing thread is the busier).
  bool NextBatch(std::vector<ValidatedRow>& batch);
  // Bytes of the file read so far (for progress).
  uint64_t bytes_read();
  // Not ok when the reading thread stopped on an unexpected error.
  common::Status status();

 private:
  static constexpr size_t kBatchRows = 512;
  static constexpr size_t kMaxBatches = 8;

  void Produce();
  void Validate(common::Record& record, ValidatedRow& row) const;  // fills defaults

  DropRecordReader& reader_;
  const common::RecordValidator& validator_;
  const bool keep_rejects_;

  std::mutex mu_;  // guards what follows
  std::condition_variable changed_;
  std::deque<std::vector<ValidatedRow>> ready_;
  std::vector<std::vector<ValidatedRow>> spent_;  // consumed, to be freed
  bool done_ = false;                             // the reading thread has queued its last batch
  bool stop_ = false;                             // the consumer has gone
  uint64_t bytes_read_ = 0;
  common::Status status_;

  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace cen::node
