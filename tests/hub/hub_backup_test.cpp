// cen-hub backup and restore on real hub.db files: a backup taken while the
// journal grows, and a restore that refuses what it should and otherwise
// puts the copy in place under a new epoch.
#include "hub/hub_backup.h"

#include <sqlite3.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/instance_lock.h"
#include "common/record_validator.h"
#include "common/sqlite_db.h"
#include "common/uuid7.h"
#include "hub/chain_verifier.h"
#include "hub/group_registry.h"
#include "hub/hub_commands.h"
#include "hub/hub_config.h"
#include "hub/hub_schema.h"
#include "hub/journal.h"
#include "hub/node_registry.h"
#include "hub/operator_cancels.h"
#include "tests/test_support/keys.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::common::InstanceLock;
using cen::common::StatusCode;
using cen::common::Uuid7;
using cen::hub::BackupSummary;
using cen::hub::ChainVerifier;
using cen::hub::GroupRegistry;
using cen::hub::HubBackup;
using cen::hub::HubCommands;
using cen::hub::HubSchema;
using cen::hub::Journal;
using cen::hub::NodeRegistry;
using cen::hub::NodeRole;
using cen::test::NewPublicKey;
using cen::test::RequireOk;
using cen::test::TempDir;

namespace {

namespace fs = std::filesystem;

// A hub data directory as `cen-hub init` makes it.
std::string InitHub(const TempDir& tmp, std::string_view name = "hub") {
  cen::hub::InitOptions o;
  o.data_dir = tmp.File(name);
  o.ingest_port = 17711;
  o.feed_port = 17712;
  std::ostringstream out;
  RequireOk(HubCommands::Init(o, out));
  return o.data_dir;
}

// Journals `n` new seizures from node n1 through `db`, `per_batch` a commit.
void JournalSeizures(Database& db, int n, int per_batch = 50) {
  cen::hub::Journal journal(&db);
  RequireOk(journal.Load());
  for (int done = 0; done < n;) {
    std::vector<Journal::Candidate> batch;
    for (; done < n && static_cast<int>(batch.size()) < per_batch; ++done) {
      nlohmann::json record = cen::test::WireSeizure("R" + Uuid7::Generate(), Uuid7::Generate());
      record["scope"] = "global";
      record["handling"] = "H0";
      batch.emplace_back("n1", record);
    }
    std::vector<Journal::Outcome> outcomes;
    RequireOk(journal.Append(batch, &outcomes));
  }
}

// A hub data directory with `records` seizures journaled and a backup of it
// taken into `backup`; the epoch it had.
struct BackedUpHub {
  std::string dir;
  std::string epoch;
};

int64_t Int(Database& db, const char* sql);
std::string Epoch(Database& db);

BackedUpHub HubWithBackup(const TempDir& tmp, int records, const std::string& backup) {
  BackedUpHub hub{InitHub(tmp), ""};
  {
    auto db = HubSchema::Open(hub.dir);
    REQUIRE(db.ok());
    hub.epoch = Epoch(*db);
    JournalSeizures(*db, records);
  }
  std::ostringstream progress;
  auto copy = HubBackup::Backup(hub.dir, backup, progress);
  INFO((copy.ok() ? std::string() : copy.status().ToString()));
  REQUIRE(copy.ok());
  return hub;
}

int64_t Int(Database& db, const char* sql) {
  auto v = db.QueryInt(sql);
  REQUIRE(v.ok());
  return v->value_or(0);
}

std::string Epoch(Database& db) {
  auto stmt = db.Prepare("SELECT value FROM meta WHERE key='epoch'");
  REQUIRE(stmt.ok());
  REQUIRE(*stmt->Step());
  return stmt->ColumnText(0);
}

Database OpenReadOnly(const std::string& path) {
  auto db = Database::Open(path, Database::Mode::kReadOnly);
  INFO(path);
  REQUIRE(db.ok());
  return std::move(*db);
}

bool IntactChains(Database& db) {
  auto report = ChainVerifier::Verify(db);
  REQUIRE(report.ok());
  return report->intact();
}

// The registry hub.db holds, one line per node, group and member, every
// column the operator's commands write (not a node's last_seen, replica_gseq
// or outbox: what the node last reported).
std::vector<std::string> Registry(Database& db) {
  std::vector<std::string> lines;
  for (const char* sql :
       {"SELECT 'node ' || id || ' ' || pubkey || ' ' || coalesce(region, '-') || ' ' || "
        "added_at || ' ' || coalesce(revoked_at, '-') || ' ' || role || ' ' || "
        "coalesce(rilo, '-') FROM nodes ORDER BY id",
        "SELECT 'group ' || name || ' ' || coalesce(expires, '-') || ' ' || created_at FROM "
        "groups ORDER BY name",
        "SELECT 'member ' || group_name || ' ' || node || ' ' || added_at FROM group_members "
        "ORDER BY group_name, node"}) {
    auto stmt = db.Prepare(sql);
    REQUIRE(stmt.ok());
    while (true) {
      auto row = stmt->Step();
      REQUIRE(row.ok());
      if (!*row) break;
      lines.push_back(stmt->ColumnText(0));
    }
  }
  return lines;
}

}  // namespace

TEST_CASE("A backup taken while the hub journals holds hub.db as one commit left it",
          "[hub][backup]") {
  TempDir tmp;
  const std::string dir = InitHub(tmp);
  {
    auto db = HubSchema::Open(dir);
    REQUIRE(db.ok());
    JournalSeizures(*db, 8000, 500);  // several backup steps of 1,024 pages
  }
  // A writer keeps journaling through its own connection during the copy:
  // the copy must hold whole commits only, and the writer never waits.
  std::atomic<bool> done{false};
  std::atomic<int> batches_during{0};
  std::thread writer([&] {
    auto db = HubSchema::Open(dir);
    if (!db.ok()) return;
    while (!done.load()) {
      JournalSeizures(*db, 20, 20);
      batches_during.fetch_add(1);
    }
  });
  while (batches_during.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::ostringstream progress;
  auto copy = HubBackup::Backup(dir, tmp.File("copy.db"), progress);
  done.store(true);
  writer.join();
  INFO((copy.ok() ? std::string() : copy.status().ToString()));
  REQUIRE(copy.ok());
  INFO("batches journaled during the copy: " << batches_during.load());

  // Readable by the hub's user only, like hub.db in its 0700 directory.
  CHECK((fs::status(tmp.File("copy.db")).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  // One self-contained file: no WAL beside it, no partial file left.
  CHECK_FALSE(fs::exists(tmp.File("copy.db-wal")));
  CHECK_FALSE(fs::exists(tmp.File("copy.db.partial")));
  Database backup = OpenReadOnly(tmp.File("copy.db"));
  CHECK(Int(backup, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'delete'") == 1);
  // Whole commits only: gseqs dense from 1, chains intact, the summary true.
  const int64_t head = Int(backup, "SELECT max(gseq) FROM journal");
  CHECK(head >= 8000);
  CHECK(head % 20 == 0);  // a commit of the writer is in the copy whole or not at all
  CHECK(Int(backup, "SELECT count(*) FROM journal") == head);
  CHECK(IntactChains(backup));
  CHECK(copy->head == head);
  CHECK(copy->journal_rows == head);
  CHECK_FALSE(copy->journal_head.empty());
  CHECK_FALSE(copy->taken_at.empty());

  // The live hub.db says a backup was taken, and of what.
  auto live = HubSchema::Open(dir);
  REQUIRE(live.ok());
  CHECK(Int(*live,
            "SELECT count(*) FROM audit WHERE detail LIKE 'backup to %copy.db, head gseq %'") == 1);
  CHECK(Epoch(*live) == copy->epoch);
  CHECK(IntactChains(*live));
}

TEST_CASE("A backup never overwrites a file and leaves none when it fails", "[hub][backup]") {
  TempDir tmp;
  const std::string dir = InitHub(tmp);
  std::ostringstream progress;
  { std::ofstream(tmp.File("taken.db")) << "keep me\n"; }

  auto exists = HubBackup::Backup(dir, tmp.File("taken.db"), progress);
  REQUIRE_FALSE(exists.ok());
  CHECK(exists.status().code() == StatusCode::kAlreadyExists);
  std::ifstream in(tmp.File("taken.db"));
  std::string line;
  std::getline(in, line);
  CHECK(line == "keep me");

  auto nowhere = HubBackup::Backup(dir, tmp.File("no/such/dir/copy.db"), progress);
  REQUIRE_FALSE(nowhere.ok());
  CHECK_FALSE(fs::exists(tmp.File("no")));

  auto not_a_hub = HubBackup::Backup(tmp.File("nothing"), tmp.File("copy.db"), progress);
  REQUIRE_FALSE(not_a_hub.ok());
  CHECK_FALSE(fs::exists(tmp.File("copy.db")));
  CHECK_FALSE(fs::exists(tmp.File("copy.db.partial")));
}

TEST_CASE("Restore puts the backup in place under a new epoch and keeps the hub.db it replaced",
          "[hub][backup]") {
  TempDir tmp;
  const auto [dir, old_epoch] = HubWithBackup(tmp, 50, tmp.File("copy.db"));
  {
    // 30 more after the backup, left in the WAL as a hub killed -9 leaves them.
    auto db = HubSchema::Open(dir);
    REQUIRE(db.ok());
    REQUIRE(sqlite3_db_config(db->handle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr) ==
            SQLITE_OK);
    JournalSeizures(*db, 30);
    // An alert the hub operator cancelled after the backup, journaled: no
    // node will offer that cancel again.
    RequireOk(db->Exec(
        "INSERT INTO operator_cancels(id, at, os_user, alert, reason, done_at, gseq) VALUES "
        "(1, '2026-12-01T10:00:00.000Z', 'op', '0190aaaa-0000-7000-8000-000000000001', "
        "'sent in error', '2026-12-01T10:00:01.000Z', 81)"));
    // The hub.db replaced may be of the schema before this cen-hub's (the
    // binaries upgraded, the hub not started since): its cancels are carried
    // all the same (they were not, for a schema-6 hub.db).
    if (GENERATE(false, true)) {
      RequireOk(
          db->Exec("DROP TABLE alert_cancels; DROP TABLE reach_changes; UPDATE meta SET value = "
                   "'6' WHERE key = "
                   "'hub_schema'"));
    }
  }
  REQUIRE(fs::exists(dir + "/hub.db-wal"));
  // cen-hub init makes hub.db private; one made before was 0644.
  const fs::perms others = fs::perms::group_all | fs::perms::others_all;
  CHECK((fs::status(dir + "/hub.db").permissions() & others) == fs::perms::none);
  fs::permissions(dir + "/hub.db", fs::perms::group_read | fs::perms::others_read,
                  fs::perm_options::add);

  std::string kept_as;
  auto restored = HubBackup::Restore(dir, tmp.File("copy.db"), &kept_as);
  INFO((restored.ok() ? std::string() : restored.status().ToString()));
  REQUIRE(restored.ok());
  CHECK(restored->head == 50);
  CHECK(restored->epoch != old_epoch);
  CHECK(restored->epoch.size() == 16);
  CHECK(restored->cancels_carried == 1);

  // hub.db is the backup, under the new epoch, with the restore audited.
  auto db = HubSchema::Open(dir);
  REQUIRE(db.ok());
  cen::hub::Journal journal(&*db);
  RequireOk(journal.Load());
  CHECK(journal.head() == 50);
  CHECK(journal.epoch() == restored->epoch);
  CHECK(Int(*db,
            "SELECT count(*) FROM audit WHERE detail LIKE 'restore from %copy.db (taken %, "
            "head gseq 50), epoch %'") == 1);
  CHECK(IntactChains(*db));
  CHECK_FALSE(fs::exists(dir + "/hub.db.restoring"));
  // The operator's cancel waits to be journaled again by the restored hub.
  CHECK(Int(*db,
            "SELECT count(*) FROM operator_cancels WHERE done_at IS NULL AND gseq IS NULL "
            "AND reason = 'sent in error'") == 1);
  CHECK((fs::status(dir + "/hub.db").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));

  // The replaced hub.db is kept whole, the records in its WAL included.
  REQUIRE_FALSE(kept_as.empty());
  CHECK(kept_as.find("/hub.db.before-restore-") != std::string::npos);
  // Private, as hub.db and its backups are (it was 0644).
  CHECK((fs::status(kept_as).permissions() & others) == fs::perms::none);
  Database kept = OpenReadOnly(kept_as);
  CHECK(Int(kept, "SELECT count(*) FROM journal") == 80);
  CHECK(Epoch(kept) == old_epoch);
  CHECK(IntactChains(kept));

  // The restored hub journals on from the backup's head.
  JournalSeizures(*db, 5);
  CHECK(Int(*db, "SELECT max(gseq) FROM journal") == 55);
}

TEST_CASE("Restore into a directory whose hub.db is gone sets a WAL left without it aside",
          "[hub][backup]") {
  TempDir tmp;
  const std::string dir = HubWithBackup(tmp, 10, tmp.File("copy.db")).dir;
  {
    // Commits of another database left in hub.db-wal, hub.db itself deleted.
    auto db = HubSchema::Open(dir);
    REQUIRE(db.ok());
    REQUIRE(sqlite3_db_config(db->handle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr) ==
            SQLITE_OK);
    RequireOk(db->Exec("DELETE FROM journal"));
  }
  REQUIRE(fs::file_size(dir + "/hub.db-wal") > 0);
  fs::remove(dir + "/hub.db");

  std::string kept_as;
  auto restored = HubBackup::Restore(dir, tmp.File("copy.db"), &kept_as);
  INFO((restored.ok() ? std::string() : restored.status().ToString()));
  REQUIRE(restored.ok());
  CHECK(kept_as.empty());
  CHECK_FALSE(fs::exists(dir + "/hub.db-wal"));
  auto db = HubSchema::Open(dir);
  REQUIRE(db.ok());
  CHECK(Int(*db, "SELECT count(*) FROM journal") == 10);  // the old WAL's delete not replayed
  CHECK(IntactChains(*db));
}

TEST_CASE("Restore refuses what is not an intact backup, or a running hub, and changes nothing",
          "[hub][backup]") {
  TempDir tmp;
  const auto [dir, epoch] = HubWithBackup(tmp, 20, tmp.File("good.db"));

  std::string path;
  std::string expect;
  StatusCode code = StatusCode::kCorruption;
  SECTION("not a database") {
    path = tmp.File("junk.db");
    std::ofstream(path) << "this is not a database, it only has the name of one\n";
    expect = "junk.db: file is not a database";
  }
  SECTION("a database that is not a hub's") {
    path = tmp.File("other.db");
    auto other = Database::Open(path, Database::Mode::kReadWriteCreate);
    REQUIRE(other.ok());
    RequireOk(other->Exec("CREATE TABLE t(x)"));
    // Named as given (it named the copy, hub.db.restoring).
    expect = path + " is not a cenhub hub database (restore takes a file cen-hub backup made)";
  }
  SECTION("a backup whose journal was changed afterwards") {
    path = tmp.File("tampered.db");
    fs::copy_file(tmp.File("good.db"), path);
    auto tampered = Database::Open(path, Database::Mode::kReadWrite);
    REQUIRE(tampered.ok());
    RequireOk(tampered->Exec("UPDATE journal SET origin = 'n2' WHERE gseq = 7"));
    expect = "hash chain broken at journal gseq 7";
  }
  SECTION("a file that does not exist") {
    path = tmp.File("missing.db");
    expect = "missing.db: no such file";
    code = StatusCode::kNotFound;
  }
  SECTION("another cen-hub command has hub.db open") {
    path = tmp.File("good.db");
    auto open = HubSchema::OpenReadOnly(dir);  // cen-hub status, say
    REQUIRE(open.ok());
    std::string kept_as;
    auto refused = HubBackup::Restore(dir, path, &kept_as);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == StatusCode::kUnavailable);
    CHECK_THAT(refused.status().message(), Catch::Contains("is open in another cen-hub command"));
    path.clear();
  }
  SECTION("the hub runs") {
    path = tmp.File("good.db");
    auto lock = InstanceLock::Acquire(dir, InstanceLock::kHub);
    REQUIRE(lock.ok());
    std::string kept_as;
    auto refused = HubBackup::Restore(dir, path, &kept_as);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == StatusCode::kUnavailable);
    CHECK_THAT(refused.status().message(), Catch::Contains("stop it"));
    path.clear();
  }
  if (!path.empty()) {
    std::string kept_as;
    auto refused = HubBackup::Restore(dir, path, &kept_as);
    REQUIRE_FALSE(refused.ok());
    INFO(refused.status().ToString());
    CHECK(refused.status().code() == code);
    CHECK_THAT(refused.status().message(), Catch::Contains(expect));
    CHECK(kept_as.empty());
  }
  // hub.db as it was: same epoch, same records, nothing kept aside.
  auto db = HubSchema::Open(dir);
  REQUIRE(db.ok());
  CHECK(Epoch(*db) == epoch);
  CHECK(Int(*db, "SELECT count(*) FROM journal") == 20);
  for (const auto& entry : fs::directory_iterator(dir))
    CHECK(entry.path().filename().string().find("before-restore") == std::string::npos);
  for (const char* left : {"", "-wal", "-shm", "-journal"})
    CHECK_FALSE(fs::exists(dir + "/hub.db.restoring" + left));
}

TEST_CASE("No cen-hub command opens hub.db while a restore replaces it", "[hub][backup]") {
  TempDir tmp;
  const std::string dir = InitHub(tmp);
  auto restoring = InstanceLock::Acquire(dir, InstanceLock::kHubStore);
  REQUIRE(restoring.ok());
  for (bool read_only : {false, true}) {
    auto db = read_only ? HubSchema::OpenReadOnly(dir) : HubSchema::Open(dir);
    REQUIRE_FALSE(db.ok());
    CHECK(db.status().code() == StatusCode::kUnavailable);
    CHECK_THAT(db.status().message(), Catch::Contains("a cen-hub restore is replacing hub.db"));
  }
}

TEST_CASE("A cluster lost whole comes back from a backup into a new cluster of one",
          "[hub][backup][cluster]") {
  // A trial lost every member: restore refused on a new cluster member, a
  // single hub could not become one, and a hub.toml edited by hand took the
  // backup's raft_applied for its own (entries skipped as applied).
  TempDir tmp;
  const auto [dir, epoch] = HubWithBackup(tmp, 40, tmp.File("member.db"));
  {
    // A member's backup: hub.db says which Raft entries it had applied.
    auto copy = Database::Open(tmp.File("member.db"), Database::Mode::kReadWrite);
    REQUIRE(copy.ok());
    RequireOk(copy->Exec("INSERT INTO meta(key, value) VALUES ('raft_applied', '181')"));
    // A member added on the old cluster, its command waiting when the copy
    // was taken: no cluster running this copy may propose it.
    RequireOk(
        copy->Exec("INSERT INTO admin_requests(member, at, os_user, change) VALUES (1, "
                   "'2026-12-07T00:00:00.000Z', 'op', '{\"op\":\"member-add\",\"member\":2}')"));
  }
  cen::hub::InitOptions o;
  o.data_dir = tmp.File("new-cluster");
  o.ingest_port = 17721;
  o.feed_port = 17722;
  o.cluster_raft = "tcp://127.0.0.1:17723";
  std::ostringstream ignored;
  RequireOk(HubCommands::Init(o, ignored));

  // A member's backup says how to bring the cluster back with it (it said
  // to restore the member, which restore refuses).
  std::ostringstream said;
  RequireOk(HubCommands::Backup(o.data_dir, tmp.File("new-member.db"), said, said));
  CHECK_THAT(said.str(), Catch::Contains("cen-hub init --cluster in a new directory") &&
                             Catch::Contains("not audited: a member's audit trail") &&
                             !Catch::Contains("to restore it, with the hub stopped") &&
                             !Catch::Contains("warning"));

  std::ostringstream out;
  RequireOk(HubCommands::Restore(o.data_dir, tmp.File("member.db"), out));
  CHECK_THAT(out.str(), Catch::Contains("this is the first member of a new cluster"));
  // A new directory knows no cancel made after the backup: it says so (a
  // trial read "0 alert cancel(s) ... queued again" as "none made").
  CHECK_THAT(out.str(), Catch::Contains("no hub.db with a journal was replaced") &&
                            !Catch::Contains("0 alert cancel(s)"));
  // Nor any registry: the new cluster runs with the backup's, and its
  // members take it through Raft.
  CHECK_THAT(out.str(), Catch::Contains("nodes, keys and groups are as they were at the backup") &&
                            !Catch::Contains("registry carried over"));
  auto db = HubSchema::Open(o.data_dir);
  REQUIRE(db.ok());
  CHECK(Int(*db, "SELECT max(gseq) FROM journal") == 40);
  CHECK(Int(*db, "SELECT count(*) FROM meta WHERE key = 'raft_applied'") == 0);
  CHECK(Int(*db, "SELECT count(*) FROM admin_requests WHERE done_at IS NULL") == 0);
  CHECK(Epoch(*db) != epoch);

  // Once it has run (a Raft log), or has a journal (member 1 of a live
  // cluster, whose hub.toml names itself alone, that lost its Raft log:
  // it must not start a second cluster), or joined a cluster, it refuses.
  const auto refuses = [&] {
    const auto refused = HubCommands::Restore(o.data_dir, tmp.File("member.db"), out);
    CHECK(refused.code() == StatusCode::kUsage);
    CHECK_THAT(refused.message(), Catch::Contains("a new cluster of one that has never run"));
  };
  refuses();  // no Raft log, but the journal restored above
  fs::create_directory(o.data_dir + "/raft");
  std::ofstream(o.data_dir + "/raft/metadata1") << "x";
  refuses();
  cen::hub::InitOptions j = o;
  j.data_dir = tmp.File("joined");
  j.cluster_raft = "tcp://127.0.0.1:17733";
  RequireOk(HubCommands::Init(j, ignored));
  auto joined = cen::hub::HubConfig::Load(j.data_dir);
  REQUIRE(joined.ok());
  joined->cluster_join = true;
  RequireOk(joined->Save(j.data_dir));
  const auto refused = HubCommands::Restore(j.data_dir, tmp.File("member.db"), out);
  CHECK(refused.code() == StatusCode::kUsage);
}

TEST_CASE("Restore carries over the registry changes made after the backup", "[hub][backup]") {
  // A trial: a member removed from a group after the backup was a member
  // again once restored, and received the group's records journaled after
  // its removal; nodes revoked, moved or re-keyed since came back as they were.
  TempDir tmp;
  const std::string dir = InitHub(tmp);
  const std::string moved_key = NewPublicKey();
  const std::string back_key = NewPublicKey();
  {
    auto db = HubSchema::Open(dir);
    REQUIRE(db.ok());
    NodeRegistry nodes(&*db);
    for (const char* id : {"NONE-E", "NONE-W", "LEAVER", "REKEYED"})
      RequireOk(nodes.Allow({id, NewPublicKey(), "EU"}));
    RequireOk(nodes.Allow({"MOVER", moved_key, "EU"}));
    RequireOk(nodes.Allow({"BACK", back_key, "EU"}));
    RequireOk(nodes.Revoke("BACK"));
    GroupRegistry groups(&*db);
    RequireOk(groups.Create("JIT", ""));
    RequireOk(groups.Add("JIT", "NONE-E"));
    RequireOk(groups.Add("JIT", "NONE-W"));
    JournalSeizures(*db, 20);
  }
  std::ostringstream progress;
  RequireOk(HubBackup::Backup(dir, tmp.File("copy.db"), progress).status());
  {
    auto db = HubSchema::Open(dir);
    REQUIRE(db.ok());
    NodeRegistry nodes(&*db);
    GroupRegistry groups(&*db);
    RequireOk(groups.Remove("JIT", "NONE-E"));
    RequireOk(nodes.Revoke("LEAVER"));
    RequireOk(nodes.Allow({"MOVER", moved_key, "AF"}));  // allow --region: moved
    RequireOk(nodes.Allow({"REKEYED", NewPublicKey(), ""}));
    RequireOk(nodes.Allow({"BACK", back_key, ""}));  // revoked at the backup, back since
    RequireOk(nodes.Allow({"NEWCOMER", NewPublicKey(), "AS"}));
    RequireOk(nodes.SetRole("NEWCOMER", NodeRole::kNcp, "NONE-W"));
    RequireOk(groups.Create("TIDE", "2027-03-31"));
    RequireOk(groups.Add("TIDE", "NEWCOMER"));
    RequireOk(nodes.RecordNodeState("NONE-W", "2026-12-08T09:00:00.000Z", 25, 3));
    JournalSeizures(*db, 5);
  }

  std::ostringstream out;
  RequireOk(HubCommands::Restore(dir, tmp.File("copy.db"), out));
  INFO(out.str());
  auto db = HubSchema::Open(dir);
  REQUIRE(db.ok());
  const std::vector<std::string> registry = Registry(*db);
  std::string kept_as;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().filename().string().starts_with("hub.db.before-restore-"))
      kept_as = entry.path().string();
  REQUIRE_FALSE(kept_as.empty());
  Database replaced = OpenReadOnly(kept_as);
  CHECK(registry == Registry(replaced));
  CHECK(Int(*db, "SELECT max(gseq) FROM journal") == 20);

  // The member removed receives none of the group's records from now on.
  GroupRegistry groups(&*db);
  RequireOk(groups.Refresh());
  CHECK_FALSE(groups.IsMember("JIT", "NONE-E"));
  CHECK(groups.IsMember("JIT", "NONE-W"));
  // What a node last reported: when it was last seen is the replaced
  // hub.db's; its cursor and outbox the backup's, as the restored journal
  // counts them (its next PING says them anew).
  CHECK(Int(*db,
            "SELECT count(*) FROM nodes WHERE id = 'NONE-W' AND last_seen = "
            "'2026-12-08T09:00:00.000Z' AND replica_gseq = 0 AND outbox = 0") == 1);

  // Each difference from the backup is said, and audited.
  for (const char* said :
       {"group JIT: NONE-E removed", "node LEAVER revoked", "node MOVER moved from region EU to AF",
        "node REKEYED: new key", "node BACK allowed again", "node NEWCOMER allowed (region AS)",
        "node NEWCOMER: now an NCP validated by NONE-W", "group TIDE created (expires 2027-03-31)",
        "group TIDE: NEWCOMER added",
        "registry carried over from the replaced hub.db: 9 change(s)"})
    CHECK_THAT(out.str(), Catch::Contains(said));
  CHECK_THAT(out.str(), !Catch::Contains("allow again any node admitted since"));
  CHECK(Int(*db,
            "SELECT count(*) FROM audit WHERE detail LIKE 'registry carried over from the "
            "replaced hub.db: 9 change(s)%group JIT: NONE-E removed%'") == 1);
  CHECK(IntactChains(*db));

  SECTION("a replaced hub.db that never journaled leaves the backup's registry") {
    // cen-hub init on a new machine: its empty registry is no operator's doing.
    const std::string fresh = tmp.File("fresh");
    cen::hub::InitOptions o;
    o.data_dir = fresh;
    o.ingest_port = 17741;
    o.feed_port = 17742;
    std::ostringstream ignored;
    RequireOk(HubCommands::Init(o, ignored));
    std::ostringstream said;
    RequireOk(HubCommands::Restore(fresh, tmp.File("copy.db"), said));
    CHECK_THAT(said.str(), Catch::Contains("allow again any node admitted since") &&
                               !Catch::Contains("registry carried over"));
    auto restored = HubSchema::Open(fresh);
    REQUIRE(restored.ok());
    Database backup = OpenReadOnly(tmp.File("copy.db"));
    CHECK(Registry(*restored) == Registry(backup));
  }
  SECTION("--registry backup undoes the registry changes made since, each said") {
    // A restore to undo a rogue allow or a wrong re-key (a review): over
    // the hub.db the first restore replaced, in a directory of its own.
    const std::string undo = InitHub(tmp, "undo");
    fs::copy_file(kept_as, undo + "/hub.db", fs::copy_options::overwrite_existing);
    std::ostringstream said;
    RequireOk(HubCommands::Restore(undo, tmp.File("copy.db"), said, /*keep_backup_registry=*/true));
    CHECK_THAT(said.str(),
               Catch::Contains("nodes, keys and groups are the backup's (--registry backup): 8 "
                               "change(s) made since the backup are undone:") &&
                   Catch::Contains("node LEAVER stays revoked") &&
                   Catch::Contains("group JIT: NONE-E removed") &&
                   Catch::Contains("node NEWCOMER allowed (region AS)"));
    auto again = HubSchema::Open(undo);
    REQUIRE(again.ok());
    Database backup = OpenReadOnly(tmp.File("copy.db"));
    // The backup's, but for LEAVER's revocation since (a review: a revoked
    // key is often a stolen one).
    CHECK(Int(*again,
              "SELECT count(*) FROM nodes WHERE id = 'LEAVER' AND revoked_at IS NOT NULL") == 1);
    CHECK(Int(*again, "SELECT count(*) FROM nodes WHERE id = 'NEWCOMER'") == 0);
    CHECK(Int(*again,
              "SELECT count(*) FROM group_members WHERE group_name = 'JIT' AND node = 'NONE-E'") ==
          1);
    CHECK(Int(*again,
              "SELECT count(*) FROM audit WHERE detail LIKE 'registry of the backup kept "
              "(--registry backup), undoing 8 change(s)%node LEAVER stays revoked'") == 1);
  }
  SECTION("another hub's hub.db lends the restored journal none of its nodes") {
    // A staging directory reused: its hub journaled records of its own.
    const std::string other = InitHub(tmp, "other");
    {
      auto odb = HubSchema::Open(other);
      REQUIRE(odb.ok());
      NodeRegistry nodes(&*odb);
      RequireOk(nodes.Allow({"STRANGER", NewPublicKey(), "EU"}));
      JournalSeizures(*odb, 30);
    }
    std::ostringstream said;
    RequireOk(HubCommands::Restore(other, tmp.File("copy.db"), said));
    CHECK_THAT(said.str(), Catch::Contains("allow again any node admitted since") &&
                               !Catch::Contains("registry carried over"));
    auto restored = HubSchema::Open(other);
    REQUIRE(restored.ok());
    CHECK(Int(*restored, "SELECT count(*) FROM nodes WHERE id = 'STRANGER'") == 0);
    Database backup = OpenReadOnly(tmp.File("copy.db"));
    CHECK(Registry(*restored) == Registry(backup));
  }
}

TEST_CASE("A restored hub journals the operator's cancel again under the uuid it had",
          "[hub][backup][cancels]") {
  // Offices remember the alerts they reacted to (receipt, hook) by uuid
  // (alerts_noticed): journaled again under a new uuid, the cancel ran every
  // office's hook a second time after the restore (a trial).
  TempDir tmp;
  const std::string dir = InitHub(tmp);
  const std::string alert = Uuid7::Generate();
  nlohmann::json original = cen::test::WireAlert("A-1", alert);
  original["scope"] = "global";
  original["handling"] = "H0";
  original["msg_type"] = "alert";
  auto journal_alert = [&](Database& db) {
    Journal journal(&db);
    RequireOk(journal.Load());
    std::vector<Journal::Candidate> batch{{"n1", original}};
    std::vector<Journal::Outcome> outcomes;
    RequireOk(journal.Append(batch, &outcomes));
    REQUIRE(outcomes.at(0).verdict == Journal::Verdict::kNew);
  };
  {
    auto db = HubSchema::Open(dir);
    REQUIRE(db.ok());
    JournalSeizures(*db, 5);
    journal_alert(*db);
  }
  std::ostringstream progress;
  REQUIRE(HubBackup::Backup(dir, tmp.File("copy.db"), progress).ok());

  // After the backup the operator cancels the alert; the hub journals it.
  const cen::common::RecordValidator validator(cen::common::KeyPolicy::kKeepUnknown);
  std::string journaled;
  {
    std::ostringstream out;
    RequireOk(cen::hub::OperatorCancels::Request(dir, alert, "sent in error", out));
    auto db = HubSchema::Open(dir);
    REQUIRE(db.ok());
    auto pending = cen::hub::OperatorCancels::Take(*db, validator, cen::common::Clock::NowMillis());
    REQUIRE(pending.ok());
    REQUIRE(pending->size() == 1);
    Journal journal(&*db);
    RequireOk(journal.Load());
    std::vector<Journal::Candidate> batch{*(*pending)[0].cancel};
    std::vector<Journal::Outcome> outcomes;
    RequireOk(journal.Append(batch, &outcomes));
    REQUIRE(outcomes.at(0).verdict == Journal::Verdict::kNew);
    RequireOk(cen::hub::OperatorCancels::Finish(*db, *pending, outcomes));
    auto uuid = db->Prepare("SELECT uuid FROM journal WHERE gseq = ?");
    REQUIRE(uuid.ok());
    REQUIRE(*uuid->Bind(1, outcomes[0].gseq).Step());
    journaled = uuid->ColumnText(0);
  }

  int carried = 1;  // cancels the restore queues again
  SECTION("the replaced hub.db is of this schema") {}
  SECTION("hub.db of schema 8 upgraded: the uuid filled from the journal, the operator's only") {
    {
      auto db = HubSchema::Open(dir);
      REQUIRE(db.ok());
      // A second request, closed with the gseq of a seizure (not the
      // operator's record: its uuid must not be taken).
      RequireOk(db->Exec(
          "INSERT INTO operator_cancels(at, os_user, alert, reason, done_at, gseq) VALUES "
          "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'op', 'x', 'y', '2026-12-01T10:00:01.000Z', "
          "1)"));
      carried = 2;
      RequireOk(db->Exec(
          "CREATE TABLE before AS SELECT id, at, os_user, alert, reason, done_at, gseq FROM "
          "operator_cancels; DROP TABLE operator_cancels; ALTER TABLE before RENAME TO "
          "operator_cancels; UPDATE meta SET value = '8' WHERE key = 'hub_schema'"));
    }
    auto upgraded = HubSchema::Open(dir);
    REQUIRE(upgraded.ok());
    auto uuids = upgraded->Prepare("SELECT coalesce(uuid, '-') FROM operator_cancels ORDER BY id");
    REQUIRE(uuids.ok());
    REQUIRE(*uuids->Step());
    CHECK(uuids->ColumnText(0) == journaled);
    REQUIRE(*uuids->Step());
    CHECK(uuids->ColumnText(0) == "-");
  }
  SECTION("the replaced hub.db is of the schema before (the cancel's uuid only in its journal)") {
    auto db = HubSchema::Open(dir);
    REQUIRE(db.ok());
    RequireOk(
        db->Exec("CREATE TABLE before AS SELECT id, at, os_user, alert, reason, done_at, gseq FROM "
                 "operator_cancels; DROP TABLE operator_cancels; ALTER TABLE before RENAME TO "
                 "operator_cancels; UPDATE meta SET value = '8' WHERE key = 'hub_schema'"));
  }
  std::string kept_as;
  auto restored = HubBackup::Restore(dir, tmp.File("copy.db"), &kept_as);
  INFO((restored.ok() ? std::string() : restored.status().ToString()));
  REQUIRE(restored.ok());
  CHECK(restored->cancels_carried == carried);

  // The alert is in the backup: the restored hub journals the cancel as it was.
  auto db = HubSchema::Open(dir);
  REQUIRE(db.ok());
  auto again = cen::hub::OperatorCancels::Take(*db, validator, cen::common::Clock::NowMillis());
  REQUIRE(again.ok());
  REQUIRE(again->size() == 1);
  CHECK((*again)[0].cancel->Text("uuid") == journaled);
}
