#include "hub/audit_trail.h"

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "hub/chain_verifier.h"
#include "hub/hash_chain.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::hub::AuditTrail;
using cen::hub::ChainVerifier;
using cen::hub::HashChain;
using cen::test::CreateHubDb;
using cen::test::RequireOk;
using cen::test::TempDir;

TEST_CASE("HashChain links are length-prefixed and depend on the previous link", "[hub][audit]") {
  const std::string genesis = HashChain::Genesis();
  CHECK(genesis.size() == HashChain::kBytes);
  const std::string ab_c = HashChain(genesis).Add("ab").Add("c").Finish();
  CHECK(ab_c.size() == HashChain::kBytes);
  CHECK(ab_c == HashChain(genesis).Add("ab").Add("c").Finish());
  CHECK(ab_c != HashChain(genesis).Add("a").Add("bc").Finish());
  CHECK(ab_c != HashChain(ab_c).Add("ab").Add("c").Finish());
  CHECK(HashChain(genesis).Add(int64_t{1}).Finish() != HashChain(genesis).Add(int64_t{2}).Finish());
  CHECK(HashChain::Hex(std::string("\x00\xff\x10", 3)) == "00ff10");
}

// The link's bytes are a format: hub.db files written by earlier builds
// must still verify. BLAKE2b-256 of the fields, each after its length as
// 8 bytes big-endian (python3: hashlib.blake2b(data, digest_size=32)).
TEST_CASE("A HashChain link is BLAKE2b-256 of its length-prefixed fields", "[hub][audit]") {
  std::string bytes;
  for (int round = 0; round < 3; ++round)
    for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  const std::string link = HashChain(HashChain::Genesis())
                               .Add(int64_t{7})
                               .Add("uuid-\xc3\xbc")  // "uuid-ü" in UTF-8
                               .Add(bytes)
                               .Finish();
  CHECK(HashChain::Hex(link) == "ab77e9c530f76e90a0fef1ea4d69c3efd94b68e50e3d88279b490d769540676b");
}

TEST_CASE("AuditTrail writes notes from any thread as a chain cen-hub verify accepts",
          "[hub][audit]") {
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  AuditTrail audit;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&audit, t] {
      for (int i = 0; i < 25; ++i) audit.Note(AuditTrail::kConnect, "n" + std::to_string(t), "x");
    });
  }
  for (auto& th : threads) th.join();
  CHECK(audit.HasPending());
  RequireOk(audit.Flush(db));
  CHECK_FALSE(audit.HasPending());
  audit.Note(AuditTrail::kAdmin, "", "later");
  RequireOk(audit.Flush(db));
  CHECK(cen::test::CountRows(db, "audit") == 101);

  auto report = ChainVerifier::Verify(db);
  REQUIRE(report.ok());
  CHECK(report->intact());
  CHECK(report->audit_rows == 101);
  CHECK(report->audit_head.size() == 2 * HashChain::kBytes);

  RequireOk(db.Exec("UPDATE audit SET node = 'someone' WHERE id = 57"));
  report = ChainVerifier::Verify(db);
  REQUIRE(report.ok());
  CHECK_FALSE(report->intact());
  CHECK_THAT(report->audit_break, Catch::StartsWith("audit id 57:"));
  CHECK(report->journal_break.empty());
}

TEST_CASE("AuditTrail writes a repeated refusal once per interval and counts the rest",
          "[hub][audit]") {
  TempDir tmp;
  Database db = CreateHubDb(tmp);
  AuditTrail audit;
  for (int i = 0; i < 50; ++i) {
    audit.NoteThrottled("frame:n1:bad_frame", AuditTrail::kRefusedFrame, "n1", "bad_frame: x");
  }
  audit.NoteThrottled("frame:n2:bad_frame", AuditTrail::kRefusedFrame, "n2", "bad_frame: y");
  RequireOk(audit.Flush(db));
  CHECK(cen::test::CountRows(db, "audit") == 2);  // one per key, 49 held back
}

TEST_CASE("AuditTrail queues entries again when their transaction does not commit",
          "[hub][audit]") {
  cen::test::TempDir tmp;
  cen::common::Database db = cen::test::CreateHubDb(tmp);
  cen::hub::AuditTrail audit;
  audit.Note(cen::hub::AuditTrail::kAdmin, "", "kept across a rollback");
  {
    auto tx = db.Begin();
    REQUIRE(tx.ok());
    cen::test::RequireOk(audit.WritePending(db));
    CHECK_FALSE(audit.HasPending());
    // No commit: the transaction rolls back (a full disk at COMMIT).
  }
  audit.Settle(/*committed=*/false);
  CHECK(audit.HasPending());
  cen::test::RequireOk(audit.Flush(db));
  CHECK_FALSE(audit.HasPending());
  auto n = db.QueryInt("SELECT count(*) FROM audit WHERE detail = 'kept across a rollback'");
  REQUIRE(n.ok());
  CHECK(n->value_or(0) == 1);
}
