#include "node/agent/text_indexer.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/msgpack_map.h"
#include "common/uuid7.h"
#include "node/agent/record_text_matcher.h"
#include "node/agent/replica.h"
#include "node/store/fts_text.h"
#include "node/store/text_db.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/page_size.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"
#include "tests/test_support/text_search.h"

using cen::common::Database;
using cen::common::Uuid7;
using cen::node::Replica;
using cen::node::TextIndexer;
using cen::test::CreateNodeDb;
using cen::test::Packed;
using cen::test::QueryNumber;
using cen::test::RequireOk;
using cen::test::TempDir;
using cen::test::TextMatches;
using nlohmann::json;

namespace {

// A seizure at `gseq` whose description is `words`.
json Described(int64_t gseq, const std::string& words) {
  json r = cen::test::AsStored(
      cen::test::WireSeizure("R" + std::to_string(gseq), Uuid7::Generate()), gseq, "H0");
  r["description"] = words;
  return r;
}

// Records 1..n: "cargo wordI" each, so every one has a word of its own.
std::vector<json> Numbered(int n, int first = 1) {
  std::vector<json> out;
  for (int g = first; g < first + n; ++g)
    out.push_back(Described(g, "cargo word" + std::to_string(g)));
  return out;
}

// A fresh node's node.db and replica, and an indexer for its text.db.
struct TextIndexerNode {
  TextIndexerNode() {
    RequireOk(replica.Load());
    auto opened = TextIndexer::Open(tmp.path());
    REQUIRE(opened.ok());
    indexer = std::move(*opened);
  }
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica{&db};
  std::unique_ptr<TextIndexer> indexer;
};

// Inserts into text.db's index, counted by FTS5 itself: the first varint of
// its averages record (%_data id 1) is the number of rows inserted and not
// deleted, so a gseq indexed twice counts twice (its docsize table, written
// with REPLACE, would not show it). The index is checked whole as well.
int64_t Indexed(const TempDir& tmp) {
  auto db = Database::Open(cen::node::TextDb::Path(tmp.path()), Database::Mode::kReadWrite);
  REQUIRE(db.ok());
  RequireOk(db->Exec("INSERT INTO records_fts(records_fts) VALUES ('integrity-check')"));
  auto stmt = db->Prepare("SELECT block FROM records_fts_data WHERE id = 1");
  REQUIRE(stmt.ok());
  auto row = stmt->Step();
  REQUIRE(row.ok());
  if (!*row) return 0;  // nothing ever inserted
  const std::string block = stmt->ColumnBlob(0);
  uint64_t rows = 0;  // SQLite's varint: 7 bits a byte, high bit "more"
  for (size_t i = 0; i < block.size() && i < 8; ++i) {
    const auto byte = static_cast<unsigned char>(block[i]);
    rows = (rows << 7) | (byte & 0x7f);
    if ((byte & 0x80) == 0) break;
  }
  return static_cast<int64_t>(rows);
}

// Nine records applied, five of them indexed, then the agent stops (or is
// killed): the indexer is gone.
void StopAfterFiveOfNine(TextIndexerNode& node) {
  RequireOk(node.replica.Apply(Packed(Numbered(9)), 9));
  REQUIRE(node.indexer->IndexSome(5).ok());
  node.indexer.reset();
}

}  // namespace

TEST_CASE("TextIndexer indexes up to the cursor, a batch at a time, and queries see the rest",
          "[node][text_indexer]") {
  TextIndexerNode node;
  auto& [tmp, db, replica, indexer] = node;
  RequireOk(replica.Apply(Packed(Numbered(10)), 10));
  // An urgent record beyond the cursor (the priority lane).
  const json early = Described(15, "cargo early");
  RequireOk(replica.ApplyEarly(Packed({early})).status());

  auto n = indexer->IndexSome(4);
  REQUIRE(n.ok());
  CHECK(*n == 4);
  CHECK(indexer->reach() == 4);
  // Some in text.db, the rest read from documents by the query: all found.
  CHECK(TextMatches(db, "cargo") == 11);
  CHECK(TextMatches(db, "word3") == 1);
  CHECK(TextMatches(db, "word9") == 1);
  CHECK(TextMatches(db, "early") == 1);

  RequireOk(indexer->IndexAll());
  CHECK(indexer->reach() == 10);  // the cursor: the early record waits for it
  CHECK(Indexed(tmp) == 10);
  CHECK(TextMatches(db, "cargo") == 11);
  CHECK(TextMatches(db, "early") == 1);

  // The cursor passes the early record: it is indexed once.
  std::vector<json> rest = Numbered(4, 11);
  rest.push_back(early);  // the in-order copy of what the lane applied
  RequireOk(replica.Apply(Packed(rest), 15));
  RequireOk(indexer->IndexAll());
  CHECK(indexer->reach() == 15);
  CHECK(Indexed(tmp) == 15);
  CHECK(TextMatches(db, "cargo") == 15);
  n = indexer->IndexSome();
  REQUIRE(n.ok());
  CHECK(*n == 0);
}

TEST_CASE("TextIndexer goes on after a restart where its last transaction ended",
          "[node][text_indexer]") {
  TextIndexerNode node;
  auto& [tmp, db, replica, indexer] = node;
  StopAfterFiveOfNine(node);
  auto again = TextIndexer::Open(tmp.path());
  REQUIRE(again.ok());
  {
    // Opened again, an index of the current definition is kept as it is.
    auto text = Database::Open(cen::node::TextDb::Path(tmp.path()), Database::Mode::kReadOnly);
    REQUIRE(text.ok());
    CHECK(QueryNumber(*text, "SELECT gseq FROM text_state") == 5);
  }
  RequireOk((*again)->IndexAll());
  CHECK((*again)->reach() == 9);
  CHECK(Indexed(tmp) == 9);  // none twice, none skipped
  CHECK(TextMatches(db, "cargo") == 9);
}

TEST_CASE("A replica reset empties text.db: no word of the old records matches a new one",
          "[node][text_indexer]") {
  TextIndexerNode node;
  auto& [tmp, db, replica, indexer] = node;
  RequireOk(replica.SetEpoch("E1"));
  RequireOk(replica.Apply(Packed({Described(1, "heroin"), Described(2, "heroin")}), 2));
  RequireOk(indexer->IndexAll());
  CHECK(TextMatches(db, "heroin") == 2);

  // The hub was restored from an older copy under the same epoch: the
  // replica starts over, and gseqs 1 and 2 are other records now.
  RequireOk(replica.Reset("E1"));
  RequireOk(replica.Apply(Packed({Described(1, "tobacco"), Described(2, "ivory")}), 2));
  // Before the indexer has run: text.db's terms are of another generation.
  CHECK(TextMatches(db, "heroin") == 0);
  CHECK(TextMatches(db, "tobacco") == 1);
  RequireOk(indexer->IndexAll());
  CHECK(indexer->reach() == 2);
  CHECK(Indexed(tmp) == 2);
  CHECK(TextMatches(db, "heroin") == 0);
  CHECK(TextMatches(db, "ivory") == 1);
}

TEST_CASE("TextIndexer's thread follows the apply", "[node][text_indexer]") {
  TextIndexerNode node;
  auto& [tmp, db, replica, indexer] = node;
  indexer->Start();
  RequireOk(replica.Apply(Packed(Numbered(300)), 300));
  RequireOk(replica.Apply(Packed(Numbered(200, 301)), 500));
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (indexer->reach() < 500 && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(indexer->reach() == 500);
  CHECK_FALSE(indexer->failing());
  CHECK(TextMatches(db, "word250") == 1);
  CHECK(TextMatches(db, "cargo") == 500);
}

TEST_CASE("A --text query without text.db finds every record from documents",
          "[node][text_indexer]") {
  TextIndexerNode node;
  auto& [tmp, db, replica, indexer] = node;
  RequireOk(replica.Apply(Packed(Numbered(3)), 3));
  std::filesystem::remove(cen::node::TextDb::Path(tmp.path()));
  auto reopened = cen::node::NodeSchema::Open(tmp.path(), Database::Mode::kReadOnly);
  REQUIRE(reopened.ok());
  CHECK(TextMatches(*reopened, "cargo") == 3);
  CHECK(TextMatches(*reopened, "word2") == 1);
}

TEST_CASE("A text.db that reaches beyond the replica's cursor is not trusted",
          "[node][text_indexer]") {
  // node.db made again in the same directory, beside the text.db of the
  // replica before it (both of generation 0).
  TempDir tmp;
  {
    Database db = CreateNodeDb(tmp, "n2");
    Replica replica(&db);
    RequireOk(replica.Load());
    RequireOk(replica.Apply(
        Packed({Described(1, "heroin"), Described(2, "heroin"), Described(3, "heroin")}), 3));
    CHECK(cen::test::IndexText(tmp) == 3);
  }
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(cen::node::NodeSchema::DbPath(tmp.path()) + suffix);
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica(&db);
  RequireOk(replica.Load());
  RequireOk(replica.Apply(Packed({Described(1, "tobacco"), Described(2, "ivory")}), 2));
  CHECK(TextMatches(db, "heroin") == 0);
  CHECK(TextMatches(db, "ivory") == 1);
  CHECK(cen::test::IndexText(tmp) == 2);  // emptied and written again
  CHECK(Indexed(tmp) == 2);
  CHECK(TextMatches(db, "heroin") == 0);
  CHECK(TextMatches(db, "tobacco") == 1);
}

TEST_CASE("A text.db written under an older definition is rebuilt under the current one",
          "[node][text_indexer]") {
  // Until 2026-12-05 records_fts kept FTS5's per-row token counts (the
  // %_docsize table), which no query reads.
  TempDir tmp;
  Database db = CreateNodeDb(tmp, "n2");
  Replica replica(&db);
  RequireOk(replica.Load());
  RequireOk(replica.Apply(Packed(Numbered(5)), 5));
  {
    std::filesystem::remove(cen::node::TextDb::Path(tmp.path()));
    auto old =
        Database::Open(cen::node::TextDb::Path(tmp.path()), Database::Mode::kReadWriteCreate);
    REQUIRE(old.ok());
    RequireOk(old->Exec("CREATE VIRTUAL TABLE records_fts USING fts5(" +
                        cen::node::TextDb::FtsColumns() + ", content = '', " +
                        cen::node::TextDb::kTokenize +
                        ");"
                        "CREATE TABLE text_state(id INTEGER PRIMARY KEY CHECK (id = 1),"
                        "  generation INTEGER NOT NULL DEFAULT 0, gseq INTEGER NOT NULL DEFAULT 0);"
                        "INSERT INTO text_state(id, gseq) VALUES (1, 3);"
                        "INSERT INTO records_fts(rowid, description) VALUES (1, 'cargo word1'), "
                        "(2, 'cargo word2'), (3, 'cargo word3');"));
  }
  CHECK(TextMatches(db, "cargo") == 5);

  auto opened = TextIndexer::Open(tmp.path());
  REQUIRE(opened.ok());
  // The old index is gone: nothing is indexed yet, every record is still found.
  {
    auto text = Database::Open(cen::node::TextDb::Path(tmp.path()), Database::Mode::kReadOnly);
    REQUIRE(text.ok());
    CHECK(QueryNumber(*text, "SELECT gseq FROM text_state") == 0);
    CHECK(QueryNumber(*text,
                      "SELECT count(*) FROM sqlite_master WHERE name = "
                      "'records_fts_docsize'") == 0);
  }
  CHECK(TextMatches(db, "cargo") == 5);
  CHECK(TextMatches(db, "word2") == 1);
  RequireOk((*opened)->IndexAll());
  CHECK((*opened)->reach() == 5);
  CHECK(Indexed(tmp) == 5);  // each once
  CHECK(TextMatches(db, "cargo") == 5);
  CHECK(TextMatches(db, "word2") == 1);
}

TEST_CASE("A word inside Chinese or Japanese text is found, indexed or not yet, and by a watch",
          "[node][text_indexer]") {
  // unicode61 read a run of ideographs as one word: --text 香烟 found no
  // record described 集装箱内藏有香烟走私, and a watch on it never fired.
  TextIndexerNode node;
  auto& [tmp, db, replica, indexer] = node;
  const json chinese = Described(1, "集装箱内藏有香烟走私");
  const json japanese = Described(2, "コンテナに隠された覚醒剤 LED灯 Hafenstraße");
  RequireOk(replica.Apply(Packed({chinese, japanese, Described(3, "cargo of cigarettes")}), 3));
  struct Expected {
    const char* query;
    int64_t records;
  };
  const Expected expected[] = {
      {"香烟", 1},
      {"集装箱", 1},
      {"集装*", 1},
      {"烟香", 0},
      {"\"香烟 走私\"", 1},
      {"香烟 OR 覚醒剤", 2},
      {"覚醒剤", 1},
      {"コンテナ", 1},
      {"LED灯", 1},
      {"led", 1},
      {"description:香烟", 1},
      {"cigarettes", 1},
      {"香烟 NOT 走私", 0},
      // A search engine's -word: without it, whatever words surround it.
      {"cargo -cigarettes", 0},
      {"cargo -香烟", 1},
      {"cargo -cigarettes banana", 0},
      {"-走私 集装箱", 0},
      // German's ß is ss, as a German writes it without the letter (unicode61
      // folds case and accents, not this): strasse found nothing.
      {"hafenstrasse", 1},
      {"HAFENSTRASSE", 1},
      {"hafenstraße", 1},
      {"Hafenstra*", 1},
  };
  for (const bool indexed : {false, true}) {
    if (indexed) RequireOk(indexer->IndexAll());
    for (const Expected& e : expected) {
      INFO((indexed ? "from text.db: " : "from the documents: ") << e.query);
      CHECK(TextMatches(db, e.query) == e.records);
    }
  }
  auto matcher = cen::node::RecordTextMatcher::Open();
  REQUIRE(matcher.ok());
  auto record = cen::common::MsgpackMap::FromJson(chinese);
  REQUIRE(record.ok());
  RequireOk(matcher->Load(*record));
  CHECK(*matcher->Matches("香烟") == true);
  CHECK(*matcher->Matches("烟香") == false);

  // A text.db written before (its user_version 0) is built again: until
  // then no query trusts it.
  indexer.reset();
  {
    auto text = Database::Open(cen::node::TextDb::Path(tmp.path()), Database::Mode::kReadWrite);
    REQUIRE(text.ok());
    RequireOk(
        text->Exec("PRAGMA user_version = " + std::to_string(cen::node::FtsText::kDefinition - 1)));
  }
  CHECK(TextMatches(db, "香烟") == 1);  // read from the documents
  auto opened = TextIndexer::Open(tmp.path());
  REQUIRE(opened.ok());
  CHECK((*opened)->reach() == 0);
  RequireOk((*opened)->IndexAll());
  CHECK(Indexed(tmp) == 3);
  CHECK(TextMatches(db, "香烟") == 1);
}

TEST_CASE("A text.db of 4 KiB pages gets 16 KiB pages when the agent opens it, its index kept",
          "[node][text_indexer]") {
  TextIndexerNode node;
  auto& [tmp, db, replica, indexer] = node;
  StopAfterFiveOfNine(node);
  {
    // As every text.db made before 2026-12-05.
    auto text = Database::Open(cen::node::TextDb::Path(tmp.path()), Database::Mode::kReadWrite);
    REQUIRE(text.ok());
    cen::test::SetPageSize(*text, 4096);
  }
  auto again = TextIndexer::Open(tmp.path());
  REQUIRE(again.ok());
  {
    auto text = Database::Open(cen::node::TextDb::Path(tmp.path()), Database::Mode::kReadOnly);
    REQUIRE(text.ok());
    CHECK(QueryNumber(*text, "PRAGMA page_size") == Database::kPageBytes);
    CHECK(QueryNumber(*text, "SELECT gseq FROM text_state") == 5);
  }
  RequireOk((*again)->IndexAll());
  CHECK(Indexed(tmp) == 9);  // the five indexed before kept, none twice
  CHECK(TextMatches(db, "cargo") == 9);
  CHECK(TextMatches(db, "word4") == 1);
}
