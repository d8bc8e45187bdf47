#include "node/store/text_db.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "common/record_fields.h"
#include "node/store/fts_text.h"

namespace cen::node {
namespace {

// `path` as the path of a file: URI (RFC 3986 characters that would end
// or change it escaped).
std::string FileUri(const std::string& path) {
  std::string out = "file:";
  for (const char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      constexpr char kHex[] = "0123456789ABCDEF";
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else {
      out += c;
    }
  }
  return out;
}

common::Result<bool> Attached(common::Database& db) {
  auto n = db.QueryInt(std::string("SELECT count(*) FROM pragma_database_list WHERE name = '") +
                       TextDb::kSchema + "'");
  if (!n.ok()) return n.status();
  return n->value_or(0) > 0;
}

}  // namespace

std::string TextDb::DataDirOf(const std::string& node_db_path) {
  return std::filesystem::path(node_db_path).parent_path().string();
}

std::string TextDb::ReadOnlyUriSql(const std::string& path) {
  return common::Database::Literal(FileUri(path) + "?mode=ro");
}

std::string TextDb::FtsColumns() {
  std::string columns;
  for (const std::string_view field : common::RecordFields::Searched()) {
    if (!columns.empty()) columns += ", ";
    columns += field;
  }
  return columns;
}

std::string TextDb::FtsDefinition() {
  // No prefix indexes: a prefix query (word*) scans the term index. No
  // per-row token counts (columnsize = 0): only ranking functions read them,
  // and writing them was a tenth of the index's cost (cen_replica_bench).
  return FtsColumns() + ", content = '', columnsize = 0, " + kTokenize;
}

std::string TextDb::TextColumnsSql() {
  std::string out;
  for (const std::string_view field : common::RecordFields::Searched()) {
    const std::string path = "'$." + std::string(field) + "'";
    if (!out.empty()) out += ", ";
    out += "cen_fts_text(CASE json_type(d.doc, " + path +
           ") WHEN 'text' THEN json_extract(d.doc, " + path + ") END)";
  }
  return out;
}

common::Status TextDb::CreateTables(common::Database& db) {
  // An index written under another definition (schema 8 kept FTS5's per-row
  // token counts, %_docsize, which no query reads) is dropped: the indexer
  // then starts again from gseq 0, and until it has caught up a --text query
  // reads the text it has not reached from `documents`.
  // Told by the table FTS5 keeps those counts in, not by comparing the
  // CREATE text SQLite stored: a text that reads differently would rebuild
  // the index at every start.
  // Since 2026-12-06 also by PRAGMA user_version (FtsText::kDefinition): an
  // index written before split no Chinese or Japanese text into words.
  auto outdated = db.QueryInt(
      "SELECT (SELECT count(*) FROM sqlite_master WHERE name = 'records_fts_docsize') + "
      "((SELECT count(*) FROM sqlite_master WHERE name = 'records_fts') > 0 AND "
      "(SELECT user_version FROM pragma_user_version) < " +
      std::to_string(FtsText::kDefinition) + ")");
  if (!outdated.ok()) return outdated.status();
  if (outdated->value_or(0) > 0) {
    // One savepoint (it nests in a caller's transaction): a crash never
    // leaves a reach without the index it counted.
    const common::Status redefined = db.Exec(
        "SAVEPOINT redefine; DROP TABLE records_fts; UPDATE text_state SET gseq = 0; "
        "CREATE VIRTUAL TABLE records_fts USING fts5(" +
        FtsDefinition() + "); RELEASE redefine");
    if (!redefined.ok()) {
      (void)db.Exec("ROLLBACK TO redefine; RELEASE redefine");
      return redefined;
    }
    spdlog::info(
        "full-text index (text.db) written under an older definition: dropped, it is built "
        "again from node.db; --text queries read what it has not reached from the documents");
  }
  // Contentless: the text is in node.db's `documents`, not copied here.
  return db.Exec("CREATE VIRTUAL TABLE IF NOT EXISTS records_fts USING fts5(" + FtsDefinition() +
                 ");"
                 "CREATE TABLE IF NOT EXISTS text_state("
                 "  id         INTEGER PRIMARY KEY CHECK (id = 1),"
                 "  generation INTEGER NOT NULL DEFAULT 0,"
                 "  gseq       INTEGER NOT NULL DEFAULT 0"
                 ");"
                 "INSERT OR IGNORE INTO text_state(id) VALUES (1);"
                 // FTS5 merges 16 segments of a level instead of 4: each
                 // record's terms are written again on half as many levels
                 // (cen_replica_bench: 6.1 -> 4.4 us CPU per record).
                 "INSERT INTO records_fts(records_fts, rank) VALUES('automerge', 16);"
                 "PRAGMA user_version = " +
                 std::to_string(FtsText::kDefinition) + ";");
}

common::Status TextDb::Create(const std::string& data_dir) {
  auto db = common::Database::Open(Path(data_dir), common::Database::Mode::kReadWriteCreate);
  if (!db.ok()) return db.status();
  auto tx = db->Begin();
  if (!tx.ok()) return tx.status();
  CEN_RETURN_IF_ERROR(CreateTables(*db));
  return tx->Commit();
}

common::Result<bool> TextDb::AttachForReading(common::Database& db, const std::string& data_dir) {
  auto attached = Attached(db);
  if (!attached.ok()) return attached.status();
  if (*attached) return true;
  const std::string path = Path(data_dir);
  if (!std::filesystem::exists(path)) return false;
  CEN_RETURN_IF_ERROR(db.Exec("ATTACH DATABASE " + ReadOnlyUriSql(path) + " AS " + kSchema));
  // As node.db's readers: its pages mapped, not copied through read().
  CEN_RETURN_IF_ERROR(db.Exec(std::string("PRAGMA ") + kSchema + ".mmap_size=4294967296"));
  return true;
}

common::Result<int64_t> TextDb::Reach(common::Database& db) {
  auto attached = Attached(db);
  if (!attached.ok()) return attached.status();
  if (!*attached) return int64_t{0};
  // As the indexer judges it: written for this generation, and not beyond
  // the cursor (a text.db left beside a node.db made again), under this
  // definition (an agent not yet started again since an upgrade: none of it).
  // (pragma_user_version reads main's whatever schema it is named in.)
  auto definition = db.QueryInt(std::string("PRAGMA ") + kSchema + ".user_version");
  if (!definition.ok()) return definition.status();
  if (definition->value_or(0) < FtsText::kDefinition) return int64_t{0};
  auto reach = db.QueryInt(std::string("SELECT CASE WHEN t.generation = c.generation AND t.gseq "
                                       "<= c.gseq THEN t.gseq ELSE 0 END FROM ") +
                           kSchema + ".text_state t, main.cursor c WHERE t.id = 1 AND c.id = 1");
  if (!reach.ok()) return reach.status();
  return reach->value_or(0);
}

}  // namespace cen::node
