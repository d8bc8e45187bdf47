#include "common/sqlite_db.h"

namespace cen::common {

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_.get(), index, value);
  return *this;
}
Statement& Statement::Bind(int index, double value) {
  sqlite3_bind_double(stmt_.get(), index, value);
  return *this;
}
// SQLite binds a null pointer as NULL: an empty view (msgpack-c gives a
// zero-length string a null pointer) must still be ''.
Statement& Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_.get(), index, text.data() != nullptr ? text.data() : "", text.size(),
                      SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Statement& Statement::BindView(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_.get(), index, text.data() != nullptr ? text.data() : "", text.size(),
                      SQLITE_STATIC, SQLITE_UTF8);
  return *this;
}
Statement& Statement::BindViewOrNull(int index, std::optional<std::string_view> text) {
  return text ? BindView(index, *text) : BindNull(index);
}
Statement& Statement::BindBlob(int index, std::string_view bytes) {
  sqlite3_bind_blob64(stmt_.get(), index, bytes.data() != nullptr ? bytes.data() : "", bytes.size(),
                      SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_.get(), index);
  return *this;
}

Status Statement::Run() {
  const int rc = sqlite3_step(stmt_.get());
  Status status;
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
    status = Status(rc == SQLITE_CONSTRAINT ? StatusCode::kAlreadyExists : StatusCode::kInternal,
                    std::string("sqlite: ") + sqlite3_errmsg(db_));
  }
  Reset();
  return status;
}

Result<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Internal(std::string("sqlite: ") + sqlite3_errmsg(db_));
}

void Statement::Reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

int64_t Statement::ColumnInt(int col) const { return sqlite3_column_int64(stmt_.get(), col); }
double Statement::ColumnDouble(int col) const { return sqlite3_column_double(stmt_.get(), col); }
bool Statement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL;
}
std::string_view Statement::ColumnView(int col) const {
  const auto* p = sqlite3_column_text(stmt_.get(), col);
  if (p == nullptr) return {};
  return {reinterpret_cast<const char*>(p),
          static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), col))};
}

std::string Statement::ColumnText(int col) const {
  const auto* p = sqlite3_column_text(stmt_.get(), col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), col)));
}
std::string Statement::ColumnBlob(int col) const {
  const void* p = sqlite3_column_blob(stmt_.get(), col);
  if (p == nullptr) return {};
  return std::string(static_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), col)));
}

Transaction::~Transaction() {
  if (db_ == nullptr) return;
  (void)db_->Exec("ROLLBACK");
  db_->immediate_open_ = false;
}

Status Transaction::Commit() {
  if (db_ == nullptr) return Internal("transaction already finished");
  Status s = db_->Exec("COMMIT");
  if (s.ok()) {
    db_->immediate_open_ = false;
    db_ = nullptr;
  }
  return s;
}

Result<Database> Database::Open(const std::string& path, Mode mode, int busy_timeout_ms) {
  int flags = SQLITE_OPEN_NOMUTEX;
  switch (mode) {
    case Mode::kReadOnly:
      flags |= SQLITE_OPEN_READONLY;
      break;
    case Mode::kReadWrite:
      flags |= SQLITE_OPEN_READWRITE;
      break;
    case Mode::kReadWriteCreate:
      flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
      break;
  }
  // One Database per thread (sqlite_db.h): SQLite's per-connection mutex,
  // taken on every step and column read, guards nothing here (5% of a scan).
  flags |= SQLITE_OPEN_NOMUTEX;
  // ATTACH may name a file: URI (text.db is attached read-only that way).
  flags |= SQLITE_OPEN_URI;
  // SQLite's memory statistics take a global mutex on every malloc and free
  // (5% of the agents' CPU); nothing here reads them. Must precede
  // sqlite3_initialize(), which the first open runs.
  static const int kNoMemStatus = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)kNoMemStatus;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Database db(raw, path);
  if (rc != SQLITE_OK) {
    const std::string msg = raw ? sqlite3_errmsg(raw) : "out of memory";
    if (rc == SQLITE_CANTOPEN) return NotFound("cannot open database " + path + ": " + msg);
    return Internal("cannot open database " + path + ": " + msg);
  }
  db.SetBusyTimeout(busy_timeout_ms);
  sqlite3_extended_result_codes(raw, 0);
  if (mode != Mode::kReadOnly) {
    // 16 KiB pages for a file made now (a file that has pages keeps its
    // size): a quarter of the WAL frames, B-tree splits and pwrite calls of
    // 4 KiB pages for the same rows. cen_replica_bench: 15.3-17.2 -> 13.1-13.4
    // us CPU per applied record; cen_drop_bench: 84k -> 165k rows/s; the
    // query bench's figures unchanged or better.
    if (mode == Mode::kReadWriteCreate)
      CEN_RETURN_IF_ERROR(db.Exec("PRAGMA page_size=" + std::to_string(kPageBytes)));
    CEN_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode=WAL"));
  }
  CEN_RETURN_IF_ERROR(db.Exec("PRAGMA foreign_keys=ON"));
  // SQLite's default page cache is 2 MiB; the replica's indexes take random
  // inserts (countries, full text) and thrash it. 64 MiB is allocated only as
  // pages are used.
  CEN_RETURN_IF_ERROR(db.Exec("PRAGMA cache_size=-65536"));
  // Readers (cen-query) map the file instead of copying every page through
  // read(): scans of a large replica cost half as much. Writers keep pread.
  if (mode == Mode::kReadOnly) CEN_RETURN_IF_ERROR(db.Exec("PRAGMA mmap_size=4294967296"));
  return db;
}

namespace {

// SQLite's own busy handler sleeps 1, 2, 5, ... up to 100 ms between tries,
// so a writer that leaves the lock free for a fraction of a millisecond
// between transactions (the agent applying a backlog) starves everyone else.
// Trying every millisecond gets in.
int RetryEveryMillisecond(void* timeout_ms, int tries) {
  if (tries >= static_cast<int>(reinterpret_cast<intptr_t>(timeout_ms))) return 0;
  sqlite3_sleep(1);
  return 1;
}

constexpr int kBusyHookEvery = 5;  // tries (about a millisecond each) between two calls

}  // namespace

// RetryEveryMillisecond with a call every kBusyHookEvery tries.
int Database::RetryWithHook(void* wait, int tries) {
  const auto* busy = static_cast<const BusyWait*>(wait);
  if (tries >= busy->timeout_ms) return 0;
  if (tries % kBusyHookEvery == 0 && !busy->while_waiting()) return 0;
  sqlite3_sleep(1);
  return 1;
}

void Database::SetBusyTimeout(int timeout_ms, std::function<bool()> while_waiting) {
  busy_ = std::make_unique<BusyWait>(BusyWait{timeout_ms, std::move(while_waiting)});
  sqlite3_busy_handler(db_.get(), RetryWithHook, busy_.get());
}

void Database::SetBusyTimeout(int timeout_ms) {
  sqlite3_busy_handler(db_.get(), RetryEveryMillisecond,
                       reinterpret_cast<void*>(static_cast<intptr_t>(timeout_ms)));
  busy_.reset();
}

Status Database::Error(std::string_view what) const {
  return Internal(std::string(what) + ": " + sqlite3_errmsg(db_.get()) + " (" + path_ + ")");
}

Status Database::Exec(const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string msg = err ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return Unavailable("database busy: " + msg);
  if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) return Corruption(path_ + ": " + msg);
  return Internal("sqlite: " + msg + " (in: " + sql.substr(0, 80) + ")");
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
      return Corruption(path_ + " is not a cenhub database: " + sqlite3_errmsg(db_.get()));
    return Error("prepare '" + std::string(sql.substr(0, 80)) + "'");
  }
  return Statement(stmt, db_.get());
}

Result<Statement*> Database::Cached(std::string_view sql) {
  if (auto it = cached_.find(sql); it != cached_.end()) {
    it->second.Reset();
    return &it->second;
  }
  auto stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  return &cached_.emplace(std::string(sql), std::move(*stmt)).first->second;
}

Result<Transaction> Database::Begin() {
  CEN_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  ++immediate_begun_;
  immediate_open_ = true;
  return Transaction(this);
}

Result<Transaction> Database::BeginDeferred() {
  CEN_RETURN_IF_ERROR(Exec("BEGIN DEFERRED"));
  return Transaction(this);
}

Result<std::optional<int64_t>> Database::QueryInt(std::string_view sql) {
  auto stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row || stmt->ColumnIsNull(0)) return std::optional<int64_t>();
  return std::optional<int64_t>(stmt->ColumnInt(0));
}

Result<std::optional<std::string>> Database::QueryText(std::string_view sql) {
  auto stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row || stmt->ColumnIsNull(0)) return std::optional<std::string>();
  return std::optional<std::string>(stmt->ColumnText(0));
}

Result<bool> Database::HasColumn(std::string_view table, std::string_view column) {
  auto stmt = Prepare("SELECT 1 FROM pragma_table_info(?) WHERE name = ?");
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Bind(1, table).Bind(2, column).Step();
  if (!row.ok()) return row.status();
  return *row;
}

std::string Database::Literal(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_.get()); }
int Database::Changes() const { return sqlite3_changes(db_.get()); }

uint64_t Database::WriteTransaction() const {
  return immediate_open_ && sqlite3_get_autocommit(db_.get()) == 0 ? immediate_begun_ : 0;
}

int64_t Database::DataVersion() {
  // Asked every turn of the daemons' loops: prepared once.
  auto stmt = Cached("PRAGMA data_version");
  if (!stmt.ok()) return -1;
  auto row = (*stmt)->Step();
  const int64_t version = row.ok() && *row ? (*stmt)->ColumnInt(0) : -1;
  (*stmt)->Reset();
  return version;
}

int64_t Database::StatementStatus(int counter) const {
  int64_t total = 0;
  for (sqlite3_stmt* stmt = sqlite3_next_stmt(db_.get(), nullptr); stmt != nullptr;
       stmt = sqlite3_next_stmt(db_.get(), stmt)) {
    total += sqlite3_stmt_status(stmt, counter, 0);
  }
  return total;
}

int64_t Database::Reprepares() const { return StatementStatus(SQLITE_STMTSTATUS_REPREPARE); }

int64_t Database::StatementRuns() const { return StatementStatus(SQLITE_STMTSTATUS_RUN); }

}  // namespace cen::common
