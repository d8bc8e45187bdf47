// The hub cluster's state machine on libraft's deterministic fixture
// (raft/fixture.h: in-memory log and network, simulated time): three
// members, each with a real hub.db, elections, a dead leader, a partition,
// a member catching up from a snapshot, a restart replaying the log.
extern "C" {
#include <raft.h>
#include <raft/fixture.h>
}

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/msgpack_json.h"
#include "common/record_edits.h"
#include "common/uuid7.h"
#include "hub/admin_change.h"
#include "hub/admin_queue.h"
#include "hub/cluster/cluster_command.h"
#include "hub/cluster/hub_state_machine.h"
#include "hub/group_registry.h"
#include "hub/hub_schema.h"
#include "hub/node_registry.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/keys.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::common::MsgpackJson;
using cen::common::MsgpackMap;
using cen::common::RecordEdits;
using cen::common::StatusCode;
using cen::common::Uuid7;
using cen::hub::AdminChange;
using cen::hub::AdminQueue;
using cen::hub::ClusterCommand;
using cen::hub::HubSchema;
using cen::hub::HubStateMachine;
using cen::hub::Journal;
using cen::test::CreateHubDb;
using cen::test::RequireOk;
using cen::test::TempDir;
using cen::test::WireSeizure;
using nlohmann::json;
using ClusterVerdict = Journal::Verdict;

namespace {

constexpr unsigned kAll = RAFT_FIXTURE_MAX_SERVERS;  // step_until_applied: every member

// A validated seizure from `origin`, as the leader's validator leaves it.
Journal::Candidate ClusterSeizure(const std::string& origin, const std::string& ref,
                                  const std::string& uuid = Uuid7::Generate(),
                                  int64_t version = 1) {
  return {origin, cen::test::HubSeizure(ref, uuid, version)};
}

std::string JournalCommand(const std::string& at, const std::vector<Journal::Candidate>& batch,
                           std::vector<ClusterCommand::AuditNote> audit = {}) {
  return ClusterCommand::EncodeJournal(at, batch, {}, audit);
}

// One row of a member's journal or audit trail, as `cen-hub verify` reads it.
struct Row {
  int64_t id;
  std::string at;
  std::string chain;
  bool operator==(const Row&) const = default;
};

std::vector<Row> Rows(Database& db, const std::string& sql) {
  auto stmt = db.Prepare(sql);
  REQUIRE(stmt.ok());
  std::vector<Row> rows;
  while (*stmt->Step())
    rows.push_back({stmt->ColumnInt(0), stmt->ColumnText(1), stmt->ColumnBlob(2)});
  return rows;
}
std::vector<Row> JournalRows(Database& db) {
  return Rows(db, "SELECT gseq, received_at, chain FROM journal ORDER BY gseq");
}
std::vector<Row> AuditRows(Database& db) {
  return Rows(db,
              "SELECT id, at || ' ' || event || ' ' || node || ' ' || detail, chain FROM audit "
              "ORDER BY id");
}

// Three (or more) hub cluster members on libraft's fixture, each applying to
// a hub.db of its own. Every hub.db starts as the same file (one `init`).
class Cluster {
 public:
  explicit Cluster(unsigned n = 3) {
    RequireOk(raft_fixture_initialize(&f_) == 0 ? cen::common::Status::Ok()
                                                : cen::common::Internal("fixture"));
    std::string first;
    for (unsigned i = 0; i < n; ++i) {
      dirs_.push_back(std::make_unique<TempDir>());
      if (i == 0) {
        Database db = CreateHubDb(*dirs_[0]);
        first = HubSchema::DbPath(dirs_[0]->path());
      } else {
        std::filesystem::copy_file(first, HubSchema::DbPath(dirs_[i]->path()));
      }
    }
    for (unsigned i = 0; i < n; ++i) {
      auto machine = HubStateMachine::Open(dirs_[i]->path());
      REQUIRE(machine.ok());
      machines_.push_back(std::move(*machine));
      REQUIRE(raft_fixture_grow(&f_, machines_[i]->fsm()) == 0);
      machines_[i]->set_raft(raft_fixture_get(&f_, i));
    }
    raft_configuration conf;
    REQUIRE(raft_fixture_configuration(&f_, n, &conf) == 0);
    REQUIRE(raft_fixture_bootstrap(&f_, &conf) == 0);
    raft_configuration_close(&conf);
    REQUIRE(raft_fixture_start(&f_) == 0);
  }
  ~Cluster() { raft_fixture_close(&f_); }
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  raft_fixture* fixture() { return &f_; }
  raft* member(unsigned i) { return raft_fixture_get(&f_, i); }
  HubStateMachine& machine(unsigned i) { return *machines_[i]; }
  const std::string& dir(unsigned i) const { return dirs_[i]->path(); }
  unsigned size() const { return static_cast<unsigned>(machines_.size()); }

  // What a proposal came to: the apply callback's status and, on the
  // leader, the outcomes of its records.
  struct Proposal {
    struct raft_apply req {};
    bool done = false;
    int status = -1;
    std::vector<Journal::Outcome> outcomes;
  };

  // Proposes `entry` on member `leader`; the caller steps the fixture.
  std::unique_ptr<Proposal> Propose(unsigned leader, const std::string& entry) {
    auto p = std::make_unique<Proposal>();
    p->req.data = p.get();
    const std::string framed = HubStateMachine::Frame(entry);
    raft_buffer buf;
    buf.len = framed.size();
    buf.base = raft_malloc(framed.size());
    std::memcpy(buf.base, framed.data(), framed.size());
    const int rv = raft_apply(
        member(leader), &p->req, &buf, 1, [](struct raft_apply* req, int status, void* result) {
          auto* self = static_cast<Proposal*>(req->data);
          self->done = true;
          self->status = status;
          if (status == 0 && result != nullptr)
            self->outcomes = static_cast<const HubStateMachine::Applied*>(result)->outcomes;
        });
    REQUIRE(rv == 0);
    return p;
  }

  // Proposes on the leader and steps until every live member applied it.
  std::vector<Journal::Outcome> Commit(const std::string& entry) {
    const unsigned leader = LeaderIndex();
    auto p = Propose(leader, entry);
    const raft_index index = raft_last_index(member(leader));
    for (unsigned i = 0; i < size(); ++i) {
      if (raft_fixture_alive(&f_, i))
        REQUIRE(raft_fixture_step_until_applied(&f_, i, index, 10000));
    }
    REQUIRE(p->done);
    REQUIRE(p->status == 0);
    return p->outcomes;
  }

  unsigned LeaderIndex() {
    REQUIRE(raft_fixture_step_until_has_leader(&f_, 10000));
    return raft_fixture_leader_index(&f_);
  }

  // Every member holds the same journal and audit trail, row for row.
  void RequireIdentical() {
    const auto journal = JournalRows(machine(0).db());
    const auto audit = AuditRows(machine(0).db());
    for (unsigned i = 1; i < size(); ++i) {
      INFO("member " << i);
      CHECK(JournalRows(machine(i).db()) == journal);
      CHECK(AuditRows(machine(i).db()) == audit);
      CHECK(machine(i).journal().head() == machine(0).journal().head());
    }
  }

 private:
  raft_fixture f_{};
  std::vector<std::unique_ptr<TempDir>> dirs_;
  std::vector<std::unique_ptr<HubStateMachine>> machines_;
};

std::vector<int64_t> Gseqs(Database& db) {
  std::vector<int64_t> out;
  for (const Row& r : JournalRows(db)) out.push_back(r.id);
  return out;
}

}  // namespace

TEST_CASE("ClusterCommand carries a group commit as the leader decided it", "[hub][cluster]") {
  json typed = WireSeizure("FR-1", Uuid7::Generate());
  auto map = MsgpackMap::FromJson(typed);
  REQUIRE(map.ok());
  RecordEdits edits;
  edits.fields.push_back({"scope", std::string("global")});
  std::vector<Journal::Candidate> batch;
  batch.emplace_back("RILO-WE", *map, edits);
  const std::vector<ClusterCommand::AuditNote> notes = {
      {"2026-12-01T10:00:00.000Z", "connect", "RILO-WE", "from 10.0.0.7"}};
  const std::string entry =
      ClusterCommand::EncodeJournal("2026-12-01T10:00:01.250Z", batch, {{"RILO-AP", 2}}, notes);

  auto command = ClusterCommand::Decode(entry);
  REQUIRE(command.ok());
  CHECK(command->received_at == "2026-12-01T10:00:01.250Z");
  CHECK(command->rejected == std::map<std::string, int64_t>{{"RILO-AP", 2}});
  CHECK(command->audit == notes);
  REQUIRE(command->candidates.size() == 1);
  CHECK(command->candidates[0].origin == "RILO-WE");
  // The edits travel applied: the record is what the journal would store.
  CHECK(command->candidates[0].edits.empty());
  json expected = typed;
  expected["scope"] = "global";
  CHECK(command->candidates[0].record.ToJson() == expected);
  CHECK(MsgpackJson::Encode(command->candidates[0].record.ToJson()) == edits.Pack(map->object()));

  SECTION("another format is refused, never read differently") {
    json other = MsgpackJson::Decode(entry).value();
    other["v"] = 2;
    auto refused = ClusterCommand::Decode(MsgpackJson::Encode(other));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == StatusCode::kCorruption);
    CHECK_THAT(refused.status().message(), Catch::Contains("format 2"));
  }
  SECTION("a malformed command names what is wrong") {
    json other = MsgpackJson::Decode(entry).value();
    other["records"][0].erase("origin");
    auto refused = ClusterCommand::Decode(MsgpackJson::Encode(other));
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.status().message(), Catch::Contains("records[0]"));
    CHECK_FALSE(ClusterCommand::Decode("not msgpack at all").ok());
  }
}

TEST_CASE("A Raft entry is framed to a multiple of 8 bytes and unframed whole", "[hub][cluster]") {
  for (size_t n = 0; n <= 17; ++n) {
    const std::string entry(n, 'x');
    const std::string framed = HubStateMachine::Frame(entry);
    CHECK(framed.size() % 8 == 0);
    CHECK(HubStateMachine::Unframe(framed) == std::optional<std::string_view>(entry));
  }
  std::string framed = HubStateMachine::Frame("abc");
  CHECK_FALSE(HubStateMachine::Unframe(framed.substr(0, 8)));  // says 3 bytes, holds none
  framed[7] = 40;                                              // says 40 bytes
  CHECK_FALSE(HubStateMachine::Unframe(framed));
  CHECK_FALSE(HubStateMachine::Unframe("short"));
  CHECK_FALSE(HubStateMachine::Unframe(std::string(24, '\0')));  // 0 bytes and 16 of padding
}

TEST_CASE("Three members journal the same commands identically", "[hub][cluster]") {
  Cluster cluster;
  const std::string uuid = Uuid7::Generate();
  auto first = cluster.Commit(
      JournalCommand("2026-12-01T10:00:00.000Z",
                     {ClusterSeizure("RILO-WE", "WE-1", uuid), ClusterSeizure("RILO-AP", "AP-1")},
                     {{"2026-12-01T09:59:59.000Z", "connect", "RILO-WE", "from 10.0.0.7"}}));
  REQUIRE(first.size() == 2);
  CHECK(first[0].verdict == ClusterVerdict::kNew);
  CHECK(first[0].gseq == 1);
  CHECK(first[1].gseq == 2);

  // The same record again is a duplicate; its uuid from another origin is
  // rejected: every member decides alike.
  auto second = cluster.Commit(
      JournalCommand("2026-12-01T10:00:05.000Z",
                     {ClusterSeizure("RILO-WE", "WE-1", uuid),
                      ClusterSeizure("RILO-AP", "AP-X", uuid), ClusterSeizure("RILO-AP", "AP-2")}));
  REQUIRE(second.size() == 3);
  CHECK(second[0].verdict == ClusterVerdict::kDuplicate);
  CHECK(second[0].gseq == 1);
  CHECK(second[1].verdict == ClusterVerdict::kRejected);
  CHECK(second[2].verdict == ClusterVerdict::kNew);
  CHECK(second[2].gseq == 3);

  cluster.RequireIdentical();
  for (unsigned i = 0; i < cluster.size(); ++i) {
    auto& db = cluster.machine(i).db();
    CHECK(Gseqs(db) == std::vector<int64_t>{1, 2, 3});
    // received_at is the leader's, not each member's clock.
    CHECK(JournalRows(db)[2].at == "2026-12-01T10:00:05.000Z");
    // The leader's note and the entries the outcomes call for, stamped alike.
    const auto audit = AuditRows(db);
    REQUIRE(audit.size() >= 3);
    CHECK(audit[0].at == "2026-12-01T09:59:59.000Z connect RILO-WE from 10.0.0.7");
    CHECK(cluster.machine(i).applied_index() > 0);
  }
}

TEST_CASE("A new leader journals on after the leader dies, gseq dense", "[hub][cluster]") {
  Cluster cluster;
  cluster.Commit(JournalCommand("2026-12-01T10:00:00.000Z", {ClusterSeizure("RILO-WE", "WE-1")}));
  const unsigned old_leader = cluster.LeaderIndex();
  raft_fixture_kill(cluster.fixture(), old_leader);
  REQUIRE(raft_fixture_step_until_has_no_leader(cluster.fixture(), 10000));
  const unsigned leader = cluster.LeaderIndex();
  CHECK(leader != old_leader);
  auto outcomes = cluster.Commit(
      JournalCommand("2026-12-01T10:00:09.000Z",
                     {ClusterSeizure("RILO-AP", "AP-1"), ClusterSeizure("RILO-AP", "AP-2")}));
  CHECK(outcomes[0].gseq == 2);
  CHECK(outcomes[1].gseq == 3);

  // The dead member comes back and applies what it missed.
  raft_fixture_revive(cluster.fixture(), old_leader);
  const raft_index index = raft_last_index(cluster.member(leader));
  REQUIRE(raft_fixture_step_until_applied(cluster.fixture(), kAll, index, 10000));
  cluster.RequireIdentical();
  CHECK(Gseqs(cluster.machine(old_leader).db()) == std::vector<int64_t>{1, 2, 3});
}

TEST_CASE("A leader cut off from the majority journals nothing", "[hub][cluster]") {
  Cluster cluster;
  cluster.Commit(JournalCommand("2026-12-01T10:00:00.000Z", {ClusterSeizure("RILO-WE", "WE-1")}));
  const unsigned cut = cluster.LeaderIndex();
  for (unsigned i = 0; i < cluster.size(); ++i) {
    if (i == cut) continue;
    raft_fixture_saturate(cluster.fixture(), cut, i);
    raft_fixture_saturate(cluster.fixture(), i, cut);
  }
  // It still believes it leads: what it is given is never committed.
  auto stranded = cluster.Propose(
      cut, JournalCommand("2026-12-01T10:00:01.000Z", {ClusterSeizure("RILO-WE", "WE-LOST")}));
  // The majority elects another leader and journals gseq 2 for its own record.
  REQUIRE(raft_fixture_step_until(
      cluster.fixture(),
      [](raft_fixture* f, void* arg) {
        const unsigned cut_index = *static_cast<unsigned*>(arg);
        for (unsigned i = 0; i < raft_fixture_n(f); ++i) {
          if (i != cut_index && raft_state(raft_fixture_get(f, i)) == RAFT_LEADER) return true;
        }
        return false;
      },
      const_cast<unsigned*>(&cut), 20000));
  unsigned leader = 0;
  for (unsigned i = 0; i < cluster.size(); ++i) {
    if (i != cut && raft_state(cluster.member(i)) == RAFT_LEADER) leader = i;
  }
  auto kept = cluster.Propose(
      leader, JournalCommand("2026-12-01T10:00:02.000Z", {ClusterSeizure("RILO-AP", "AP-KEPT")}));
  const raft_index index = raft_last_index(cluster.member(leader));
  REQUIRE(raft_fixture_step_until(
      cluster.fixture(),
      [](raft_fixture* f, void* arg) {
        auto* p = static_cast<Cluster::Proposal*>(arg);
        (void)f;
        return p->done;
      },
      kept.get(), 10000));
  CHECK(kept->status == 0);

  // Healed, the old leader steps down; its entry was never applied anywhere.
  for (unsigned i = 0; i < cluster.size(); ++i) {
    if (i == cut) continue;
    raft_fixture_desaturate(cluster.fixture(), cut, i);
    raft_fixture_desaturate(cluster.fixture(), i, cut);
  }
  REQUIRE(raft_fixture_step_until_applied(cluster.fixture(), kAll, index, 20000));
  CHECK(stranded->done);
  CHECK(stranded->status != 0);  // its proposer learns it failed: nothing to ack
  cluster.RequireIdentical();
  for (unsigned i = 0; i < cluster.size(); ++i) {
    auto stmt = cluster.machine(i).db().Prepare("SELECT count(*) FROM journal WHERE ref='WE-LOST'");
    REQUIRE(stmt.ok());
    REQUIRE(*stmt->Step());
    CHECK(stmt->ColumnInt(0) == 0);
    CHECK(Gseqs(cluster.machine(i).db()) == std::vector<int64_t>{1, 2});
  }
}

TEST_CASE("A member that was down catches up from a snapshot", "[hub][cluster]") {
  Cluster cluster;
  for (unsigned i = 0; i < cluster.size(); ++i) {
    raft_set_snapshot_threshold(cluster.member(i), 3);
    raft_set_snapshot_trailing(cluster.member(i), 1);
  }
  const unsigned leader = cluster.LeaderIndex();
  const unsigned down = (leader + 1) % cluster.size();
  raft_fixture_kill(cluster.fixture(), down);
  for (int i = 0; i < 12; ++i) {
    cluster.Commit(JournalCommand("2026-12-01T10:00:" + std::to_string(10 + i) + ".000Z",
                                  {ClusterSeizure("RILO-WE", "WE-" + std::to_string(i))}));
  }
  // The leader's log no longer holds the first entries: only a snapshot can
  // bring the member back.
  CHECK(cluster.member(leader)->log.snapshot.last_index > 2);
  raft_fixture_revive(cluster.fixture(), down);
  const raft_index index = raft_last_index(cluster.member(leader));
  REQUIRE(raft_fixture_step_until_applied(cluster.fixture(), kAll, index, 20000));
  cluster.RequireIdentical();
  CHECK(Gseqs(cluster.machine(down).db()).size() == 12);
}

TEST_CASE("A restarted member does not apply an entry twice", "[hub][cluster]") {
  TempDir dir;
  { Database db = CreateHubDb(dir); }
  const std::string one =
      JournalCommand("2026-12-01T10:00:00.000Z", {ClusterSeizure("RILO-WE", "WE-1")});
  const std::string two =
      JournalCommand("2026-12-01T10:00:01.000Z", {ClusterSeizure("RILO-WE", "WE-2")});
  {
    auto machine = HubStateMachine::Open(dir.path());
    REQUIRE(machine.ok());
    auto applied = (*machine)->Apply(4, one);
    REQUIRE(applied.ok());
    CHECK_FALSE((*applied)->replayed);
    CHECK((*machine)->applied_index() == 4);
  }
  // Raft replays the log from its last snapshot after a restart.
  auto machine = HubStateMachine::Open(dir.path());
  REQUIRE(machine.ok());
  CHECK((*machine)->applied_index() == 4);
  auto again = (*machine)->Apply(4, one);
  REQUIRE(again.ok());
  CHECK((*again)->replayed);
  CHECK((*machine)->journal().head() == 1);
  auto next = (*machine)->Apply(5, two);
  REQUIRE(next.ok());
  REQUIRE((*next)->outcomes.size() == 1);
  CHECK((*next)->outcomes[0].gseq == 2);

  SECTION("a command it cannot read changes nothing and is tried again") {
    auto bad = (*machine)->Apply(6, "junk");
    REQUIRE_FALSE(bad.ok());
    CHECK((*machine)->applied_index() == 5);
    CHECK((*machine)->journal().head() == 2);
  }
}

TEST_CASE("Restore takes a snapshot that is ahead, keeps a hub.db that is", "[hub][cluster]") {
  TempDir a_dir, b_dir;
  { Database db = CreateHubDb(a_dir); }
  std::filesystem::copy_file(HubSchema::DbPath(a_dir.path()), HubSchema::DbPath(b_dir.path()));
  auto a = HubStateMachine::Open(a_dir.path());
  auto b = HubStateMachine::Open(b_dir.path());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  for (uint64_t i = 1; i <= 3; ++i) {
    REQUIRE((*a)->Apply(i, JournalCommand("2026-12-01T10:00:0" + std::to_string(i) + ".000Z",
                                          {ClusterSeizure("RILO-WE", "WE-" + std::to_string(i))}))
                .ok());
  }
  auto snapshot = (*a)->Snapshot();
  REQUIRE(snapshot.ok());

  RequireOk((*b)->Restore(*snapshot));
  CHECK((*b)->applied_index() == 3);
  CHECK((*b)->journal().head() == 3);
  CHECK(JournalRows((*b)->db()) == JournalRows((*a)->db()));
  // It journals on from there as the others do.
  auto next = (*b)->Apply(
      4, JournalCommand("2026-12-01T10:00:04.000Z", {ClusterSeizure("RILO-AP", "AP-1")}));
  REQUIRE(next.ok());
  CHECK((*next)->outcomes[0].gseq == 4);

  // An older snapshot leaves a hub.db that holds more as it is.
  RequireOk((*b)->Restore(*snapshot));
  CHECK((*b)->applied_index() == 4);
  CHECK((*b)->journal().head() == 4);

  SECTION("what is not a snapshot is refused and changes nothing") {
    std::string damaged = *snapshot;
    damaged[6] = 'X';
    CHECK_FALSE((*b)->Restore(damaged).ok());
    std::string truncated = snapshot->substr(0, 16) + std::string(4096, '\0');
    truncated[15] = 9;  // claims index 9
    CHECK_FALSE((*b)->Restore(truncated).ok());
    CHECK((*b)->journal().head() == 4);
    CHECK(Gseqs((*b)->db()) == std::vector<int64_t>{1, 2, 3, 4});
  }
}

TEST_CASE("A member decides a group's expiry by the day the leader received the entry",
          "[hub][cluster]") {
  // Group X (EU and AS) is in force until 2026-01-01: on any later day a
  // member applying an entry received on 2025-12-31 must still see it in force.
  TempDir dir;
  {
    Database db = CreateHubDb(dir);
    cen::hub::NodeRegistry nodes(&db);
    RequireOk(nodes.Allow({"EU", cen::test::NewKeys().public_key(), "EU"}));
    RequireOk(nodes.Allow({"AS", cen::test::NewKeys().public_key(), "AS"}));
    cen::hub::GroupRegistry groups(&db);
    RequireOk(groups.Create("X", "2026-01-01"));
    RequireOk(groups.Add("X", "EU"));
    RequireOk(groups.Add("X", "AS"));
  }
  auto machine = HubStateMachine::Open(dir.path());
  REQUIRE(machine.ok());
  const std::string alert = Uuid7::Generate();
  json record = cen::test::WireAlert("EU-A-1", alert);
  record["scope"] = "group:X";
  record["handling"] = "H0";
  record["msg_type"] = "alert";
  REQUIRE((*machine)->Apply(1, JournalCommand("2025-12-31T10:00:00.000Z", {{"EU", record}})).ok());

  // AS's delivery receipt: AS may see the alert while X is in force.
  auto receipt = [&](const std::string& ref) {
    return json{{"kind", "receipt"},
                {"ref", ref},
                {"uuid", Uuid7::Generate()},
                {"version", 1},
                {"scope", "nodes:EU"},
                {"handling", "H0"},
                {"alert", alert},
                {"action", "delivered"},
                {"at", "2025-12-31T23:00:00Z"}};
  };
  auto in_force = (*machine)->Apply(
      2, JournalCommand("2025-12-31T23:00:00.000Z", {{"AS", receipt("delivered:1")}}));
  REQUIRE(in_force.ok());
  REQUIRE((*in_force)->outcomes.size() == 1);
  CHECK((*in_force)->outcomes[0].verdict == ClusterVerdict::kNew);
  // Received the day after the expiry: X no longer lets AS see the alert.
  auto expired = (*machine)->Apply(
      3, JournalCommand("2026-01-02T08:00:00.000Z", {{"AS", receipt("delivered:2")}}));
  REQUIRE(expired.ok());
  REQUIRE((*expired)->outcomes.size() == 1);
  CHECK((*expired)->outcomes[0].verdict == ClusterVerdict::kRejected);
}

TEST_CASE("Registry changes go through the Raft log and every member makes them alike",
          "[hub][cluster]") {
  Cluster cluster;
  // Asked of member 2 (its request 1), carried by the leader.
  AdminChange allow;
  allow.op = AdminChange::Op::kAllow;
  allow.node = "RILO-XX";
  allow.key = cen::test::NewKeys().public_key();
  allow.region = "AS";
  auto ask = [&](int64_t request, const AdminChange& change) {
    Database& db = cluster.machine(1).db();
    auto id = AdminQueue::Request(db, /*member=*/2, change);
    REQUIRE(id.ok());
    CHECK(*id == request);
    cluster.Commit(ClusterCommand::EncodeAdmin(
        "2026-12-01T11:00:0" + std::to_string(request) + ".000Z", 2, request, change));
  };
  ask(1, allow);
  AdminChange group;
  group.op = AdminChange::Op::kGroupCreate;
  group.group = "JOINT-OP";
  ask(2, group);
  group.op = AdminChange::Op::kGroupAdd;
  group.node = "RILO-XX";
  ask(3, group);
  AdminChange revoke;
  revoke.op = AdminChange::Op::kRevoke;
  revoke.node = "RILO-XX";
  ask(4, revoke);
  // Refused alike by every member: the entry applies, nothing changes.
  AdminChange unknown;
  unknown.op = AdminChange::Op::kRevoke;
  unknown.node = "NOBODY";
  ask(5, unknown);
  // An allow whose role cannot be: the node it made is undone with it.
  AdminChange ncp = allow;
  ncp.node = "NCP-ZZ";
  ncp.key = cen::test::NewKeys().public_key();
  ncp.role = "ncp";
  ncp.rilo = "NOBODY";
  ask(6, ncp);

  cluster.RequireIdentical();
  const std::string nodes_sql =
      "SELECT rowid, id || ' ' || pubkey || ' ' || coalesce(region, ''), "
      "added_at || ' ' || coalesce(revoked_at, '') FROM nodes ORDER BY id";
  for (unsigned i = 0; i < cluster.size(); ++i) {
    INFO("member " << i);
    Database& db = cluster.machine(i).db();
    auto revoked = db.QueryInt(
        "SELECT count(*) FROM nodes WHERE id = 'RILO-XX' AND region = 'AS' AND "
        "added_at = '2026-12-01T11:00:01.000Z' AND revoked_at = '2026-12-01T11:00:04.000Z'");
    REQUIRE(revoked.ok());
    CHECK(**revoked == 1);
    auto members = db.QueryInt(
        "SELECT count(*) FROM group_members WHERE group_name = 'JOINT-OP' AND node = 'RILO-XX'");
    REQUIRE(members.ok());
    CHECK(**members == 1);
    CHECK(Rows(db, nodes_sql) == Rows(cluster.machine(0).db(), nodes_sql));
    auto audited =
        db.QueryInt("SELECT count(*) FROM audit WHERE event = 'admin' AND node = 'RILO-XX'");
    REQUIRE(audited.ok());
    CHECK(**audited == 3);  // allow, group add, revoke
  }
  // The member asked records each outcome; the command waiting on it reads it.
  Database& asked = cluster.machine(1).db();
  auto effect = AdminQueue::Wait(asked, 2, 4, std::chrono::seconds(1));
  REQUIRE(effect.ok());
  CHECK(effect->detail == "revoke");
  auto refused = AdminQueue::Wait(asked, 2, 5, std::chrono::seconds(1));
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("no node 'NOBODY'"));
  REQUIRE_FALSE(AdminQueue::Wait(asked, 2, 6, std::chrono::seconds(1)).ok());
  for (unsigned i = 0; i < cluster.size(); ++i) {
    Database& db = cluster.machine(i).db();
    auto undone = db.QueryInt(
        "SELECT (SELECT count(*) FROM nodes WHERE id = 'NCP-ZZ') + "
        "(SELECT count(*) FROM audit WHERE node = 'NCP-ZZ')");
    REQUIRE(undone.ok());
    CHECK(**undone == 0);
  }
}

TEST_CASE(
    "A registry change nobody takes is withdrawn, one taken is refused when leadership is "
    "lost",
    "[hub][cluster]") {
  TempDir dir;
  Database db = CreateHubDb(dir);
  AdminChange revoke;
  revoke.op = AdminChange::Op::kRevoke;
  revoke.node = "RILO-WE";
  auto id = AdminQueue::Request(db, 1, revoke);
  REQUIRE(id.ok());
  auto waited = AdminQueue::Wait(db, 1, *id, std::chrono::milliseconds(200));
  REQUIRE_FALSE(waited.ok());
  CHECK(waited.status().code() == cen::common::StatusCode::kUnavailable);
  auto left = db.QueryInt("SELECT count(*) FROM admin_requests");
  REQUIRE(left.ok());
  CHECK(**left == 0);  // withdrawn: no hub takes it later

  id = AdminQueue::Request(db, 1, revoke);
  REQUIRE(id.ok());
  auto taken = AdminQueue::Take(db, 1);
  REQUIRE(taken.ok());
  REQUIRE(taken->size() == 1);
  CHECK((*taken)[0].change.node == "RILO-WE");
  auto again = AdminQueue::Take(db, 1);
  REQUIRE(again.ok());
  CHECK(again->empty());  // taken once
  RequireOk(AdminQueue::Refuse(db, 1, *id, "this member lost the leadership"));
  waited = AdminQueue::Wait(db, 1, *id, std::chrono::milliseconds(200));
  REQUIRE_FALSE(waited.ok());
  CHECK_THAT(waited.status().message(), Catch::Contains("lost the leadership"));
}
