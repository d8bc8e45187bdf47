// The hub operator's alert cancels on a real hub.db: one whose alert is not
// in the journal (a hub restored from a backup older than the alert) waits
// for the alert's origin to offer it again, and is refused only after a week.
#include "hub/operator_cancels.h"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/record_validator.h"
#include "common/uuid7.h"
#include "hub/journal.h"
#include "tests/test_support/databases.h"
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
    nlohmann::json record = cen::test::WireAlert("A-1", alert);
    record["scope"] = "global";
    record["handling"] = "H0";
    Journal journal(&db);
    RequireOk(journal.Load());
    std::vector<Journal::Outcome> outcomes;
    std::vector<Journal::Candidate> batch;
    batch.emplace_back("n1", record);
    RequireOk(journal.Append(batch, &outcomes));
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
