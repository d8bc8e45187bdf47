#include "node/agent/text_indexer.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/page_size_upgrade.h"
#include "common/record_fields.h"
#include "node/store/fts_text.h"
#include "node/store/node_schema.h"
#include "node/store/text_db.h"

namespace cen::node {

common::Result<std::unique_ptr<TextIndexer>> TextIndexer::Open(const std::string& data_dir) {
  auto db =
      common::Database::Open(TextDb::Path(data_dir), common::Database::Mode::kReadWriteCreate);
  if (!db.ok()) return db.status();
  // Made before 2026-12-05: 16 KiB pages from now on, as a new text.db has.
  auto rewritten = common::PageSizeUpgrade::Run(*db);
  if (!rewritten.ok()) return rewritten.status();
  // Rebuilt from node.db after a crash of the machine: durable at
  // checkpoints is enough.
  CEN_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=NORMAL"));
  CEN_RETURN_IF_ERROR(TextDb::CreateTables(*db));
  CEN_RETURN_IF_ERROR(db->Exec("ATTACH DATABASE " +
                               TextDb::ReadOnlyUriSql(NodeSchema::DbPath(data_dir)) + " AS node"));
  std::unique_ptr<TextIndexer> indexer(new TextIndexer(std::move(*db), data_dir));
  return indexer;
}

TextIndexer::~TextIndexer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

common::Result<int64_t> TextIndexer::IndexSome(int64_t max_records) {
  // Deferred: node.db is only read (a snapshot, which the apply does not
  // wait for); text.db's write lock is taken at the first write.
  auto tx = db_.BeginDeferred();
  if (!tx.ok()) return tx.status();
  auto state = db_.Cached(
      "SELECT c.generation, c.gseq, t.generation, t.gseq FROM node.cursor c, main.text_state t "
      "WHERE c.id = 1 AND t.id = 1");
  if (!state.ok()) return state.status();
  auto row = (*state)->Step();
  if (!row.ok()) return row.status();
  if (!*row) return common::Corruption(data_dir_ + ": no replica cursor or text_state row");
  const int64_t generation = (*state)->ColumnInt(0);
  const int64_t cursor = (*state)->ColumnInt(1);
  const int64_t indexed_generation = (*state)->ColumnInt(2);
  int64_t reach = (*state)->ColumnInt(3);
  (*state)->Reset();

  if (indexed_generation != generation || reach > cursor) {
    // Another replica's gseqs (reset since): none of its terms may stay.
    CEN_RETURN_IF_ERROR(
        db_.Exec("INSERT INTO main.records_fts(records_fts) VALUES ('delete-all')"));
    auto restart = db_.Cached("UPDATE main.text_state SET generation = ?, gseq = 0 WHERE id = 1");
    if (!restart.ok()) return restart.status();
    CEN_RETURN_IF_ERROR((*restart)->Bind(1, generation).Run());
    spdlog::info("full-text index emptied: the replica was reset (generation {})", generation);
    reach = 0;
  }
  if (reach == cursor) {
    CEN_RETURN_IF_ERROR(tx->Commit());
    reach_ = reach;
    return int64_t{0};
  }
  // The last gseq of this transaction: the max_records-th record above the
  // reach, or the cursor when fewer wait.
  auto last = db_.Cached(
      "SELECT gseq FROM node.documents WHERE gseq > ? AND gseq <= ? ORDER BY gseq "
      "LIMIT 1 OFFSET ?");
  if (!last.ok()) return last.status();
  (*last)->Bind(1, reach).Bind(2, cursor).Bind(3, std::max<int64_t>(max_records, 1) - 1);
  auto found = (*last)->Step();
  if (!found.ok()) return found.status();
  const int64_t upto = *found ? (*last)->ColumnInt(0) : cursor;
  (*last)->Reset();

  // Each document's searched fields read here in one pass (SearchedText),
  // not by two SQLite JSON functions a field; one row inserted at a time
  // (a single-row INSERT opens no statement savepoint, so FTS5 keeps
  // gathering the transaction's terms into one segment).
  auto docs =
      db_.Cached("SELECT gseq, doc FROM node.documents WHERE gseq > ? AND gseq <= ? ORDER BY gseq");
  if (!docs.ok()) return docs.status();
  std::string values = "?";
  for (size_t i = 0; i < common::RecordFields::Searched().size(); ++i) values += ", ?";
  auto insert = db_.Cached("INSERT INTO main.records_fts(rowid, " + TextDb::FtsColumns() +
                           ") VALUES (" + values + ")");
  if (!insert.ok()) return insert.status();
  (*docs)->Bind(1, reach).Bind(2, upto);
  int64_t indexed = 0;
  while (true) {
    auto doc = (*docs)->Step();
    if (!doc.ok()) {
      (*docs)->Reset();
      return doc.status();
    }
    if (!*doc) break;
    const int64_t gseq = (*docs)->ColumnInt(0);
    auto fields = text_.Read((*docs)->ColumnView(1));
    if (!fields.ok()) {
      (*docs)->Reset();
      return common::Corruption(data_dir_ + "/node.db: the document of gseq " +
                                std::to_string(gseq) + ": " + fields.status().message());
    }
    (*insert)->Bind(1, gseq);
    for (size_t i = 0; i < (*fields)->size(); ++i)
      FtsText::Bind(**insert, static_cast<int>(2 + i), (**fields)[i]);
    const common::Status inserted = (*insert)->Run();
    if (!inserted.ok()) {
      (*docs)->Reset();
      return inserted;
    }
    ++indexed;
  }
  (*docs)->Reset();
  auto advance = db_.Cached("UPDATE main.text_state SET gseq = ? WHERE id = 1");
  if (!advance.ok()) return advance.status();
  CEN_RETURN_IF_ERROR((*advance)->Bind(1, upto).Run());
  CEN_RETURN_IF_ERROR(tx->Commit());
  reach_ = upto;
  return indexed;
}

common::Status TextIndexer::IndexAll() {
  while (true) {
    auto n = IndexSome();
    if (!n.ok()) return n.status();
    if (*n == 0) return common::Status::Ok();
  }
}

void TextIndexer::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void TextIndexer::Loop() {
  // Below the agent's own thread: on a busy machine an urgent alert's apply
  // gets a core before this catch-up work does (nice is per thread on Linux).
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kNice) != 0)
    spdlog::debug("full-text index thread keeps its priority: {}", std::strerror(errno));
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    auto n = IndexSome();
    if (!n.ok()) {
      if (!failing_)  // once, not once per attempt
        spdlog::warn("full-text index of {}: {}; trying again every {} s", data_dir_,
                     n.status().message(), kRetryAfter.count());
      failing_ = true;
    } else if (failing_) {
      spdlog::info("full-text index of {} is written again", data_dir_);
      failing_ = false;
    }
    lock.lock();
    if (!n.ok()) {
      wake_.wait_for(lock, kRetryAfter, [this] { return stop_; });
    } else if (*n == 0) {
      wake_.wait_for(lock, kIdlePoll, [this] { return stop_; });
    } else if (*n < kGroupRecords) {
      wake_.wait_for(lock, kGroupDelay, [this] { return stop_; });
    }
  }
}

}  // namespace cen::node
