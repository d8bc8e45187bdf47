// Gives a test's database pages of another size, such as the 4 KiB pages of
// every cenhub database made before 2026-12-05 (Database::Open makes 16 KiB
// ones). A WAL file keeps its page size, so the file leaves WAL mode, is
// written again (VACUUM) and goes back.
//
//   cen::test::SetPageSize(db, 4096);
#pragma once

#include <cstdint>
#include <string>

#include "common/sqlite_db.h"
#include "tests/test_support/status_matchers.h"

namespace cen::test {

inline void SetPageSize(common::Database& db, int64_t bytes) {
  RequireOk(db.Exec("PRAGMA journal_mode=DELETE; PRAGMA page_size=" + std::to_string(bytes) +
                    "; VACUUM; PRAGMA journal_mode=WAL"));
}

}  // namespace cen::test
