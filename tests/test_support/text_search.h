// The replica's records a --text query finds, as cen-query finds them:
// through text.db up to its reach (TextIndexer), the rest read from
// `documents` (QueryFilter::PrepareText).
//
//   CHECK(cen::test::TextMatches(db, "cocaine") == 1);
//   cen::test::IndexText(tmp);  // the agent's TextIndexer catches up
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "common/sqlite_db.h"
#include "node/agent/text_indexer.h"
#include "node/query/query_filter.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

namespace cen::test {

// How many records of `db` (node.db) match the FTS5 query `words`.
inline int64_t TextMatches(common::Database& db, const std::string& words) {
  node::QueryFilter filter;
  filter.text = words;
  RequireOk(filter.PrepareText(db));
  const node::SqlCondition where = filter.Condition();
  auto stmt = db.Prepare("SELECT count(*) FROM records r WHERE " + where.sql);
  REQUIRE(stmt.ok());
  where.BindTo(*stmt, 1);
  auto row = stmt->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return stmt->ColumnInt(0);
}

// Runs the TextIndexer of the node in `dir` until text.db reaches the
// replica's cursor; returns its reach.
inline int64_t IndexText(const TempDir& dir) {
  auto indexer = node::TextIndexer::Open(dir.path());
  REQUIRE(indexer.ok());
  RequireOk((*indexer)->IndexAll());
  return (*indexer)->reach();
}

}  // namespace cen::test
