#include "hub/chain_verifier.h"

#include <functional>

#include "hub/audit_trail.h"
#include "hub/hash_chain.h"
#include "hub/journal.h"

namespace cen::hub {
namespace {

// Recomputes the links of the rows `sql` returns: key (1, 2, 3, ... expected)
// first, stored link in `chain_col`; `link` computes a row's link from the
// previous one. Sets `broken` at the first row that does not hold.
common::Status CheckChain(
    common::Database& db, std::string_view sql, int chain_col, const std::string& name,
    const std::function<std::string(const std::string&, const common::Statement&)>& link,
    int64_t* rows, std::string* head, std::string* broken) {
  auto stmt = db.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  std::string chain = HashChain::Genesis();
  for (int64_t expected = 1;; ++expected) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const int64_t key = stmt->ColumnInt(0);
    ++*rows;
    if (key != expected) {
      *broken = name + " " + std::to_string(key) + ": " + name + " " + std::to_string(expected) +
                " is missing before it";
      return common::Status::Ok();
    }
    chain = link(chain, *stmt);
    if (chain != stmt->ColumnBlob(chain_col)) {
      *broken = name + " " + std::to_string(key) +
                ": stored hash does not match its content and the row before it";
      return common::Status::Ok();
    }
  }
  if (*rows > 0) *head = HashChain::Hex(chain);
  return common::Status::Ok();
}

}  // namespace

common::Result<ChainReport> ChainVerifier::Verify(common::Database& db) {
  ChainReport r;
  // One read transaction: both chains as of one moment, whatever the hub writes meanwhile.
  CEN_RETURN_IF_ERROR(db.Exec("BEGIN"));
  common::Status s = CheckChain(
      db,
      "SELECT gseq, uuid, version, origin, kind, ref, scope, received_at, body, chain "
      "FROM journal ORDER BY gseq",
      9, "journal gseq",
      [](const std::string& prev, const common::Statement& row) {
        return Journal::Link(prev, row.ColumnInt(0), row.ColumnText(1), row.ColumnInt(2),
                             row.ColumnText(3), row.ColumnText(4), row.ColumnText(5),
                             row.ColumnText(6), row.ColumnText(7), row.ColumnBlob(8));
      },
      &r.journal_rows, &r.journal_head, &r.journal_break);
  if (s.ok()) {
    s = CheckChain(
        db, "SELECT id, at, event, node, detail, chain FROM audit ORDER BY id", 5, "audit id",
        [](const std::string& prev, const common::Statement& row) {
          return AuditTrail::Link(prev, row.ColumnInt(0), row.ColumnText(1), row.ColumnText(2),
                                  row.ColumnText(3), row.ColumnText(4));
        },
        &r.audit_rows, &r.audit_head, &r.audit_break);
  }
  (void)db.Exec("COMMIT");
  if (!s.ok()) return s;
  return r;
}

}  // namespace cen::hub
