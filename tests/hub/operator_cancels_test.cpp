// The hub operator's alert cancels on a real hub.db: one whose alert is not
// in the journal (a hub restored from a backup older than the alert) waits
// for the alert's origin to offer it again, and is refused only after a week.
#include "hub/operator_cancels.h"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/instance_lock.h"
#include "common/record_validator.h"
#include "common/state_file.h"
#include "common/uuid7.h"
#include "hub/hub_config.h"
#include "hub/journal.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/keys.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Clock;
using cen::common::Database;
using cen::common::RecordValidator;
using cen::common::Uuid7;
using cen::hub::Journal;
using cen::hub::OperatorCancels;
using cen::test::RequireOk;
using cen::test::TempDir;

namespace {

// Alert `uuid` of node n1 as the hub journals an original alert.
nlohmann::json OriginalAlert(const std::string& ref, const std::string& uuid) {
  nlohmann::json record = cen::test::WireAlert(ref, uuid);
  record["scope"] = "global";
  record["handling"] = "H0";
  record["msg_type"] = "alert";
  return record;
}

// `records` of node n1 journaled in one batch; the journal's outcomes.
std::vector<Journal::Outcome> JournalFromN1(Database& db,
                                            const std::vector<nlohmann::json>& records) {
  Journal journal(&db);
  RequireOk(journal.Load());
  std::vector<Journal::Candidate> batch;
  for (const nlohmann::json& record : records) batch.emplace_back("n1", record);
  std::vector<Journal::Outcome> outcomes;
  RequireOk(journal.Append(batch, &outcomes));
  return outcomes;
}

}  // namespace

TEST_CASE("An operator cancel waits for its alert to be journaled, a week at most",
          "[hub][cancels]") {
  TempDir tmp;
  Database db = cen::test::CreateHubDb(tmp);
  const RecordValidator validator(cen::common::KeyPolicy::kKeepUnknown);
  const std::string alert = Uuid7::Generate();
  const long long now = Clock::NowMillis();
  // Queued as `cen-hub restore` queues a cancel made after the backup.
  auto queue = db.Prepare(
      "INSERT INTO operator_cancels(at, os_user, alert, reason) VALUES (?, 'op', ?, 'sent in "
      "error')");
  REQUIRE(queue.ok());
  RequireOk(queue->Bind(1, Clock::Rfc3339(now)).Bind(2, alert).Run());

  auto before = OperatorCancels::Take(db, validator, now + 1000);
  REQUIRE(before.ok());
  CHECK(before->empty());  // the alert is not in the journal yet: it waits

  SECTION("its alert arrives: the cancel is taken, referencing it") {
    (void)JournalFromN1(db, {OriginalAlert("A-1", alert)});
    auto after = OperatorCancels::Take(db, validator, now + 2000);
    REQUIRE(after.ok());
    REQUIRE(after->size() == 1);
    CHECK((*after)[0].alert == alert);
    CHECK((*after)[0].alert_origin == "n1");
    REQUIRE((*after)[0].cancel.has_value());
  }
  SECTION("a week later without its alert: taken, for the journal to refuse") {
    const long long week = 7LL * 24 * 3600 * 1000;
    auto still = OperatorCancels::Take(db, validator, now + week - 1000);
    REQUIRE(still.ok());
    CHECK(still->empty());
    auto late = OperatorCancels::Take(db, validator, now + week + 1000);
    REQUIRE(late.ok());
    REQUIRE(late->size() == 1);
    Journal journal(&db);
    RequireOk(journal.Load());
    std::vector<Journal::Outcome> outcomes;
    std::vector<Journal::Candidate> batch{*(*late)[0].cancel};
    RequireOk(journal.Append(batch, &outcomes));
    REQUIRE(outcomes.size() == 1);
    CHECK(outcomes[0].verdict == Journal::Verdict::kRejected);
  }
}

TEST_CASE("cen-hub cancel-alert refuses an alert cancelled already", "[hub][cancels]") {
  TempDir tmp;
  Database db = cen::test::CreateHubDb(tmp);
  const std::string alert = Uuid7::Generate();
  nlohmann::json record = cen::test::WireAlert("A-1", alert);
  record["scope"] = "global";
  record["handling"] = "H0";
  record["msg_type"] = "alert";
  nlohmann::json cancel = cen::test::WireAlert("A-1-C", Uuid7::Generate());
  cancel["scope"] = "global";
  cancel["handling"] = "H0";
  cancel["msg_type"] = "cancel";
  cancel["references"] = {alert};
  Journal journal(&db);
  RequireOk(journal.Load());
  std::vector<Journal::Outcome> outcomes;
  std::vector<Journal::Candidate> batch;
  batch.emplace_back("n1", record);
  batch.emplace_back("n1", cancel);
  RequireOk(journal.Append(batch, &outcomes));
  INFO(outcomes[1].reason);
  REQUIRE(outcomes[1].verdict == Journal::Verdict::kNew);

  std::ostringstream out;
  const auto s = OperatorCancels::Request(tmp.path(), alert, "sent in error", out);
  CHECK(s.code() == cen::common::StatusCode::kAlreadyExists);
  CHECK_THAT(s.message(), Catch::Contains("alert " + alert + " was cancelled (gseq " +
                                          std::to_string(outcomes[1].gseq) + ")"));
  CHECK(cen::test::CountRows(db, "operator_cancels") == 0);

  // An alert in force: one cancel queued, a second refused until the hub
  // has journaled the first (it would refuse it then).
  const std::string other = Uuid7::Generate();
  record["uuid"] = other;
  record["ref"] = "A-2";
  batch.clear();
  batch.emplace_back("n1", record);
  RequireOk(journal.Append(batch, &outcomes));
  RequireOk(OperatorCancels::Request(tmp.path(), other, "sent in error", out));
  // No hub runs on this directory: it says when the cancel goes out.
  CHECK_THAT(out.str(), Catch::Contains("no hub runs on " + tmp.path()) &&
                            Catch::Contains("journaled when cen-hub run starts"));
  const auto again = OperatorCancels::Request(tmp.path(), other, "again", out);
  CHECK(again.code() == cen::common::StatusCode::kAlreadyExists);
  CHECK_THAT(again.message(), Catch::Contains("a cancel of alert " + other + " is queued already"));
  CHECK(cen::test::CountRows(db, "operator_cancels") == 1);
}

TEST_CASE("Operator cancels asked on two cluster members do not collide", "[hub][cancels]") {
  // Each member numbers the requests made on it from 1: the cancel's ref
  // was "operator-cancel-<that number>", so the second member's first cancel
  // was refused ("ref ... is already used") and its alert stayed in force.
  TempDir tmp;
  Database db = cen::test::CreateHubDb(tmp);
  const RecordValidator validator(cen::common::KeyPolicy::kKeepUnknown);
  const std::vector<std::string> alerts{Uuid7::Generate(), Uuid7::Generate()};
  (void)JournalFromN1(db, {OriginalAlert("A-1", alerts[0]), OriginalAlert("A-2", alerts[1])});

  const auto cancel_on_a_member = [&](const std::string& alert) {
    // A member's own request table, where this request is its first.
    RequireOk(db.Exec("DELETE FROM operator_cancels"));
    auto queue = db.Prepare(
        "INSERT INTO operator_cancels(id, at, os_user, alert, reason) VALUES (1, ?, 'op', ?, "
        "'sent in error')");
    REQUIRE(queue.ok());
    RequireOk(queue->Bind(1, Clock::NowRfc3339()).Bind(2, alert).Run());
    auto taken = OperatorCancels::Take(db, validator, Clock::NowMillis());
    REQUIRE(taken.ok());
    REQUIRE(taken->size() == 1);
    Journal journal(&db);
    RequireOk(journal.Load());
    std::vector<Journal::Candidate> cancels{*(*taken)[0].cancel};
    std::vector<Journal::Outcome> done;
    RequireOk(journal.Append(cancels, &done));
    REQUIRE(done.size() == 1);
    return done[0];
  };
  const Journal::Outcome first = cancel_on_a_member(alerts[0]);
  CHECK(first.verdict == Journal::Verdict::kNew);
  const Journal::Outcome second = cancel_on_a_member(alerts[1]);
  INFO(second.reason);
  CHECK(second.verdict == Journal::Verdict::kNew);
}

TEST_CASE("cen-hub cancel-alert on a cluster member is queued only where it leads",
          "[hub][cancels][cluster]") {
  // It said "the running hub journals it within a second" on a follower,
  // where nothing happened (user trial); then it queued there, exit 0, and
  // fired whenever that member came to lead (another trial). Now a member
  // that does not run and lead refuses, naming the leader, as allow does.
  TempDir tmp;
  Database db = cen::test::CreateHubDb(tmp);
  cen::hub::HubConfig config;
  config.cluster_member = 2;
  for (int64_t id = 1; id <= 3; ++id) {
    config.cluster_members.push_back({id, "tcp://10.0.0." + std::to_string(id) + ":7703",
                                      "tcp://10.0.0." + std::to_string(id) + ":7701",
                                      cen::test::NewKeys().public_key()});
  }
  RequireOk(config.Save(tmp.path()));
  const std::string alert = Uuid7::Generate();
  (void)JournalFromN1(db, {OriginalAlert("A-1", alert)});
  std::ostringstream out;

  // Not running.
  auto stopped = OperatorCancels::Request(tmp.path(), alert, "sent in error", out);
  CHECK(stopped.ExitCode() == 2);
  CHECK_THAT(stopped.message(),
             Catch::Contains("not running") && Catch::Contains("nothing was queued"));

  // Running as a follower of member 3.
  auto lock = cen::common::InstanceLock::Acquire(tmp.path(), cen::common::InstanceLock::kHub);
  REQUIRE(lock.ok());
  auto state = cen::common::StateFile::Create(tmp.path() + "/hub.state");
  REQUIRE(state.ok());
  nlohmann::json cluster = {{"member", 2},
                            {"role", "follower"},
                            {"leader", 3},
                            {"members", {{{"member", 3}, {"ingest", "tcp://10.0.0.3:7701"}}}}};
  RequireOk(state->Write({{"updated_at", Clock::NowRfc3339()}, {"cluster", cluster}}));
  auto follower = OperatorCancels::Request(tmp.path(), alert, "sent in error", out);
  CHECK(follower.ExitCode() == 2);
  CHECK_THAT(follower.message(), Catch::Contains("run the command on member 3's data directory") &&
                                     Catch::Contains("tcp://10.0.0.3:7701"));
  CHECK(cen::test::CountRows(db, "operator_cancels") == 0);

  // Leading: queued and waited for. This member stops leading before it
  // journals the cancel: it closes the request (the running hub does so on a
  // member that does not lead), and the command says to ask the new leader
  // (it would have fired when this member next led: a trial).
  cluster["role"] = "leader";
  cluster["leader"] = 2;
  RequireOk(state->Write({{"updated_at", Clock::NowRfc3339()}, {"cluster", cluster}}));
  // Catch's checks run on this thread alone: the other one only records.
  std::vector<std::string> closed_there;
  std::string close_error;
  std::thread steps_down([&] {
    Database own = cen::test::ReopenHubDb(tmp);
    for (int i = 0; i < 100 && closed_there.empty() && close_error.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      auto closed = OperatorCancels::Close(own);
      if (!closed.ok()) close_error = closed.status().ToString();
      if (closed.ok()) closed_there = *closed;
    }
  });
  const auto lost = OperatorCancels::Request(tmp.path(), alert, "sent in error", out);
  steps_down.join();
  CHECK(close_error.empty());
  CHECK(closed_there == std::vector<std::string>{alert});
  CHECK(lost.code() == cen::common::StatusCode::kUnavailable);
  CHECK_THAT(lost.message(), Catch::Contains("stopped leading first") &&
                                 Catch::Contains("run cen-hub cancel-alert on the leader"));
  CHECK(cen::test::CountRows(db, "operator_cancels") == 1);
  auto closed = OperatorCancels::Close(db);
  REQUIRE(closed.ok());
  CHECK(closed->empty());  // closed once
}
