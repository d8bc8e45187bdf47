// Owning wrappers over SQLite: Database (sqlite3*), Statement (sqlite3_stmt*),
// Transaction (rolls back unless committed).
//
//   auto db = Database::Open(path, Database::Mode::kReadWriteCreate);
//   if (!db.ok()) return db.status();
//   auto tx = db->Begin();
//   auto ins = db->Prepare("INSERT INTO t(a, b) VALUES (?, ?)");
//   ins->Bind(1, 42).Bind(2, "text");
//   CEN_RETURN_IF_ERROR(ins->Run());
//   CEN_RETURN_IF_ERROR(tx.Commit());
//
// Not thread-safe: one Database per thread.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace cen::common {

class Statement {
 public:
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  // Binds are 1-based; they return *this for chaining.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  Statement& Bind(int index, double value);
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, const std::string& text) {
    return Bind(index, std::string_view(text));
  }
  // Binds `text` without a copy (SQLITE_STATIC): it must stay valid until
  // the statement's Run() or Reset(), which unbind it (a parameter not
  // bound again is NULL); Step() does not, so a caller that steps, or
  // returns between binding and Run(), must Reset() first. Bind() copies
  // each text into a buffer SQLite mallocs and frees again: on the
  // replica's inserts (about 25 texts a record) that was 4 % of the agent.
  Statement& BindView(int index, std::string_view text);
  // BindView, or NULL for nullopt.
  Statement& BindViewOrNull(int index, std::optional<std::string_view> text);
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& BindNull(int index);

  // Runs a statement that returns no rows, then resets it for reuse.
  Status Run();
  // Steps once: true with a row available, false when done; error otherwise.
  Result<bool> Step();
  void Reset();

  int64_t ColumnInt(int col) const;
  double ColumnDouble(int col) const;
  std::string ColumnText(int col) const;
  // The text of `col` without a copy; valid until the next Step() or Reset().
  std::string_view ColumnView(int col) const;
  std::string ColumnBlob(int col) const;
  bool ColumnIsNull(int col) const;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  sqlite3* db_;  // not owned
};

class Database;

// A transaction (Database::Begin, BeginDeferred) that rolls back unless
// Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Database* db) : db_(db) {}
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status Commit();

 private:
  Database* db_;  // null once committed or rolled back
};

class Database {
 public:
  enum class Mode { kReadOnly, kReadWrite, kReadWriteCreate };

  // Opens `path` with WAL, foreign keys on, and a busy timeout so a second
  // process waits rather than fails.
  static Result<Database> Open(const std::string& path, Mode mode, int busy_timeout_ms = 10000);
  // The page size Open gives a new file (SQLite's default is 4 KiB).
  static constexpr int64_t kPageBytes = 16384;

  Database(Database&&) noexcept = default;
  // Closes this connection as the destructor does (statements, connection,
  // then what it held), then takes `other`'s.
  Database& operator=(Database&& other) noexcept {
    if (this != &other) {
      cached_.clear();
      db_.reset();
      held_.reset();
      held_ = std::move(other.held_);
      busy_ = std::move(other.busy_);
      db_ = std::move(other.db_);
      path_ = std::move(other.path_);
      cached_ = std::move(other.cached_);
      immediate_begun_ = other.immediate_begun_;
      immediate_open_ = std::exchange(other.immediate_open_, false);
    }
    return *this;
  }

  // How long a statement waits for another connection's lock before it
  // fails with kUnavailable; it tries again every millisecond meanwhile.
  void SetBusyTimeout(int timeout_ms);
  // The same, and `while_waiting` is called about every 5 ms of a wait (the
  // agent, stopped by a drop file's lock, claims it for an alert that came
  // in meanwhile: node/store/urgent_claim.h); false from it ends the wait
  // (the statement fails as busy: a thread told to stop).
  void SetBusyTimeout(int timeout_ms, std::function<bool()> while_waiting);
  Status Exec(const std::string& sql);
  Result<Statement> Prepare(std::string_view sql);
  // The statement for `sql` prepared once and kept by this connection,
  // reset and ready to bind. For fixed SQL run on a hot path and stepped to
  // its end (or Reset) before the same SQL is asked for again; the pointer
  // is valid until the Database is destroyed or moved. Parsing a statement
  // costs more than running a point query.
  Result<Statement*> Cached(std::string_view sql);
  // Begins an IMMEDIATE transaction (takes the write lock at once); check ok().
  Result<Transaction> Begin();
  // Begins a DEFERRED transaction: each file's lock is taken as it is first
  // read or written. BEGIN IMMEDIATE takes the write lock of every attached
  // file that is not read-only; a connection that writes one file and reads
  // another (TextIndexer) begins this way.
  Result<Transaction> BeginDeferred();
  // A single integer from a query such as "SELECT count(*) FROM t", or nullopt
  // when it returned no row or NULL.
  Result<std::optional<int64_t>> QueryInt(std::string_view sql);
  // A single text the same way ("PRAGMA journal_mode", say).
  Result<std::optional<std::string>> QueryText(std::string_view sql);
  // Whether `table` has a column named `column` (a schema an upgrade adds
  // it to may lack it).
  Result<bool> HasColumn(std::string_view table, std::string_view column);
  // `text` as a SQL string literal ('it''s'), for the statements that take
  // no parameters (ATTACH, PRAGMA).
  static std::string Literal(std::string_view text);
  int64_t LastInsertRowId() const;
  int Changes() const;
  // PRAGMA data_version: changes when another connection commits.
  int64_t DataVersion();
  // A number for the IMMEDIATE transaction (Begin) under way on this
  // connection, another for each; 0 when none is. Within one no other
  // connection commits, so a DataVersion() read in it stays true until it ends.
  uint64_t WriteTransaction() const;
  // How many times the statements open on this connection were compiled
  // again. A statement whose plan depends on a bound value (a parameter
  // compared with the column of a partial index's WHERE, say `kind = ?`
  // beside `... WHERE kind = 'receipt'`) is compiled again at every new
  // binding: tests hold the hot paths to zero.
  int64_t Reprepares() const;
  // How many times the statements open on this connection ran (a run is
  // one or more steps followed by a reset). Tests use it to check that a
  // path that should not read reads nothing.
  int64_t StatementRuns() const;
  sqlite3* handle() const { return db_.get(); }
  const std::string& path() const { return path_; }

  Status Error(std::string_view what) const;
  // Keeps `resource` (a lock, say) until this connection has closed.
  void Hold(std::shared_ptr<void> resource) { held_ = std::move(resource); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  // A SQLITE_STMTSTATUS_ counter summed over the open statements.
  int64_t StatementStatus(int counter) const;
  // What SetBusyTimeout(ms, while_waiting) handed SQLite (stays put when
  // the Database moves).
  struct BusyWait {
    int timeout_ms;
    std::function<bool()> while_waiting;
  };
  static int RetryWithHook(void* wait, int tries);
  // Declared first: released after the connection closes.
  std::shared_ptr<void> held_;
  std::unique_ptr<BusyWait> busy_;
  std::unique_ptr<sqlite3, Closer> db_;
  std::string path_;
  // Declared after db_: finalized before the connection closes.
  std::map<std::string, Statement, std::less<>> cached_;
  // Begin()s so far, and whether the last one's Transaction has not ended.
  uint64_t immediate_begun_ = 0;
  bool immediate_open_ = false;
  friend class Transaction;
};

}  // namespace cen::common
