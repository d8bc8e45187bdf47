// `cen-hub verify`: recomputes the hash chains of hub.db's journal and audit
// tables (Journal::Link, AuditTrail::Link) and names the first row whose
// stored link does not match: that row, or one before it, was changed, or a
// row was inserted or deleted there.
//
//   auto report = ChainVerifier::Verify(db);
//   if (!report.ok()) ...;                 // could not read hub.db
//   if (!report->intact()) std::cerr << report->journal_break;
//
// What it cannot see: rows cut from the end of a table, or a chain rewritten
// from some row on by someone who can write hub.db. Compare `*_head` with a
// copy kept elsewhere for that (docs/SECURITY.md).
// Thread-safe (no state).
#pragma once

#include <cstdint>
#include <string>

#include "common/sqlite_db.h"

namespace cen::hub {

struct ChainReport {
  int64_t journal_rows = 0;
  int64_t audit_rows = 0;
  std::string journal_head;  // hex link of the last row, "" for an empty table
  std::string audit_head;
  // The first broken row of each table, "" when its chain holds, e.g.
  // "journal gseq 12: stored hash does not match ...".
  std::string journal_break;
  std::string audit_break;
  bool intact() const { return journal_break.empty() && audit_break.empty(); }
};

class ChainVerifier {
 public:
  static common::Result<ChainReport> Verify(common::Database& db);
};

}  // namespace cen::hub
