// text.db: the replica's full-text index, in a file of its own beside
// node.db. SQLite lets one writer at a time into a file; with the index in
// node.db, tokenising every record and writing its terms (a third of an
// apply's CPU, most of its commit) ran on the apply's thread, inside the
// apply's transaction. In text.db a thread of the agent (TextIndexer)
// writes it behind the apply, on the other core, while node.db takes the
// next records.
//
// What the index holds: every row of node.db's `records` with gseq up to
// the reach (text_state.gseq) that was there when it was indexed, under
// rowid = gseq, for the replica generation text_state.generation (a replica
// reset starts a new generation, whose gseqs are other records). A record
// that a new version replaced keeps its terms under its old gseq, which no
// row of `records` has any more: every query joins on records.gseq, so it
// never matches. Records above the reach (just applied, or applied early
// by the priority lane) are not in it: a query reads their text from
// `documents` (PendingTextSql) and matches it in a TEMP table of its own.
//
//   CEN_RETURN_IF_ERROR(TextDb::AttachForReading(db, data_dir));
//   auto reach = TextDb::Reach(db);   // records above it are not indexed yet
#pragma once

#include <string>
#include <string_view>

#include "common/sqlite_db.h"

namespace cen::node {

class TextDb {
 public:
  // The schema name text.db is attached under on a node.db connection.
  static constexpr const char* kSchema = "text_index";
  // unicode61 with remove_diacritics 2 folds case (Latin and Cyrillic) and
  // accents: the tokenizer of every full-text table that answers --text.
  static constexpr const char* kTokenize = "tokenize = \"unicode61 remove_diacritics 2\"";
  static std::string Path(const std::string& data_dir) { return data_dir + "/text.db"; }
  // The data directory of the node.db at `node_db_path`.
  static std::string DataDirOf(const std::string& node_db_path);

  // Creates text.db's tables in `db` (text.db) where they are missing.
  static common::Status CreateTables(common::Database& db);
  // Creates text.db in `data_dir` with its tables (nothing when it exists).
  static common::Status Create(const std::string& data_dir);
  // Attaches text.db to `db` read-only (a write transaction of `db` never
  // takes text.db's lock) as kSchema, unless it is attached already. False
  // when there is no text.db: nothing is indexed (Reach is then 0).
  static common::Result<bool> AttachForReading(common::Database& db, const std::string& data_dir);

  // The gseq up to which the index attached to `db` answers for `records`:
  // 0 when nothing is attached or it was written for another replica
  // generation.
  static common::Result<int64_t> Reach(common::Database& db);

  // `path` as a quoted SQL string of a read-only file: URI, for ATTACH.
  static std::string ReadOnlyUriSql(const std::string& path);

  // SELECT list of a record's searched fields, in the full-text table's
  // column order, from `documents AS d` (JSON text; a field that is not a
  // string is NULL).
  static std::string TextColumnsSql();
  // The full-text table's columns, comma-separated.
  static std::string FtsColumns();
  // Its columns and options (after USING fts5).
  static std::string FtsDefinition();
};

}  // namespace cen::node
