#include "node/drops/validated_rows.h"

#include <exception>
#include <utility>

#include "common/messages.h"

namespace cen::node {

ValidatedRows::ValidatedRows(DropRecordReader& reader, const common::RecordValidator& validator,
                             bool keep_rejects)
    : reader_(reader),
      validator_(validator),
      keep_rejects_(keep_rejects),
      thread_([this] { Produce(); }) {}

ValidatedRows::~ValidatedRows() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void ValidatedRows::Validate(common::Record& record, ValidatedRow& row) const {
  if (!row.issues.empty()) return;  // the reader could not make a record of it
  for (auto& e : validator_.Validate(record)) {
    std::string reason = std::move(e.reason);
    std::string localized = e.Localized();
    const size_t column = reader_.ColumnOf(e.field);
    if (reason == "required" && column == 0 && reader_.has_columns()) {
      reason += " (the file has no " + e.field + " column)";
      localized = common::Messages::Format("required (the file has no {} column)", e.field);
    }
    row.issues.push_back(
        {row.line, column, e.field.empty() ? "(record)" : e.field, reason, localized});
  }
}

void ValidatedRows::Produce() {
  common::Status status;
  try {
    std::vector<ValidatedRow> batch;
    bool more = true;
    while (more) {
      ValidatedRow row;
      common::Record record;
      more = reader_.Next(record, row.issues);
      if (more) {
        row.line = reader_.line();
        Validate(record, row);
        // Any row may be refused: by a check, or by the outbox (a uuid its
        // ref does not have, a ref an earlier row gave other content).
        if (keep_rejects_) row.reject_prefix = reader_.RejectPrefix();
        if (row.issues.empty()) row.record.emplace(std::move(record));
        batch.push_back(std::move(row));
      }
      if (batch.size() == kBatchRows || (!more && !batch.empty())) {
        std::unique_lock lock(mu_);
        changed_.wait(lock, [this] { return stop_ || ready_.size() < kMaxBatches; });
        if (stop_) return;
        ready_.push_back(std::move(batch));
        bytes_read_ = reader_.bytes_read();
        std::vector<std::vector<ValidatedRow>> spent;
        spent.swap(spent_);
        lock.unlock();
        changed_.notify_all();
        spent.clear();  // here, outside the lock
        batch.clear();
      }
    }
  } catch (const std::exception& e) {  // a library threw what no check foresaw
    status = common::Internal(std::string("reading the drop: ") + e.what());
  }
  {
    std::lock_guard lock(mu_);
    done_ = true;
    status_ = std::move(status);
  }
  changed_.notify_all();
}

bool ValidatedRows::NextBatch(std::vector<ValidatedRow>& batch) {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [this] { return done_ || !ready_.empty(); });
  if (!batch.empty()) spent_.push_back(std::move(batch));
  if (ready_.empty()) return false;
  batch = std::move(ready_.front());
  ready_.pop_front();
  lock.unlock();
  changed_.notify_all();
  return true;
}

uint64_t ValidatedRows::bytes_read() {
  std::lock_guard lock(mu_);
  return bytes_read_;
}

common::Status ValidatedRows::status() {
  std::lock_guard lock(mu_);
  return status_;
}

}  // namespace cen::node
