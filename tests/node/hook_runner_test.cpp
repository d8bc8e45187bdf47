#include "node/agent/hook_runner.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "common/sqlite_db.h"
#include "node/store/node_schema.h"
#include "tests/test_support/files.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::Database;
using cen::node::HookRunner;
using cen::test::RequireOk;
using cen::test::TempDir;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

using SteadyClock = std::chrono::steady_clock;

Database OpenNodeDb(const TempDir& tmp) {
  auto db = Database::Open(tmp.File("node.db"), Database::Mode::kReadWriteCreate);
  REQUIRE(db.ok());
  RequireOk(db->Exec(cen::node::NodeSchema::kHookEventsSql));
  RequireOk(db->Exec(cen::node::NodeSchema::kHookAlertsIndexSql));
  return std::move(*db);
}

int64_t HookRunnerEnqueue(Database& db, std::string_view hook, const json& event) {
  RequireOk(HookRunner::Enqueue(db, hook, event));
  return db.LastInsertRowId();
}

int64_t PendingOf(const HookRunner& runner) {
  auto pending = runner.Pending();
  REQUIRE(pending.ok());
  return *pending;
}

// Polls the way the agent does until `done()` holds, for at most 30 s. Every
// Poll must succeed and return well before a blocking hook (`sleep 30`)
// would let it: the agent is never blocked. (Poll settles outcomes with
// synced commits: on a loaded disk one can take a second.)
template <typename Done>
void PollUntil(HookRunner& runner, Done done) {
  const auto deadline = SteadyClock::now() + 30s;
  for (;;) {
    const auto before = SteadyClock::now();
    RequireOk(runner.Poll(before));
    REQUIRE(SteadyClock::now() - before < 5s);
    if (done()) return;
    REQUIRE(SteadyClock::now() < deadline);
    std::this_thread::sleep_for(10ms);
  }
}

// Until every event is settled and no hook runs.
void PollUntilIdle(HookRunner& runner) {
  PollUntil(runner, [&] { return runner.Running() == 0 && PendingOf(runner) == 0; });
}

struct EventRow {
  std::string state;
  int64_t attempts;
  std::optional<std::string> last_error;
};

EventRow RowOf(Database& db, int64_t id) {
  auto select = db.Prepare("SELECT state, attempts, last_error FROM hook_events WHERE id = ?");
  REQUIRE(select.ok());
  select->Bind(1, id);
  auto row = select->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return {select->ColumnText(0), select->ColumnInt(1),
          select->ColumnIsNull(2) ? std::nullopt : std::optional(select->ColumnText(2))};
}

std::string Quoted(const std::string& path) { return "'" + path + "'"; }

// SIGPIPE at its default (fatal) disposition for the test's duration.
class DefaultSigpipe {
 public:
  DefaultSigpipe() : old_(std::signal(SIGPIPE, SIG_DFL)) {}
  DefaultSigpipe(const DefaultSigpipe&) = delete;
  DefaultSigpipe& operator=(const DefaultSigpipe&) = delete;
  ~DefaultSigpipe() { std::signal(SIGPIPE, old_); }

 private:
  void (*old_)(int);
};

}  // namespace

TEST_CASE("HookRunner passes each event as one JSON line on stdin, in order",
          "[node][hook_runner]") {
  TempDir tmp;
  Database db = OpenNodeDb(tmp);
  const std::string alerts = tmp.File("alerts.ndjson");
  const std::string hits = tmp.File("hits.txt");
  HookRunner runner(&db,
                    {"cat >> " + Quoted(alerts),
                     "printf '%s ' \"$CEN_HOOK\" >> " + Quoted(hits) + "; cat >> " + Quoted(hits)},
                    {.max_running = 1});

  const json first = {{"uuid", "a1"}, {"note", "two\nlines"}, {"severity", "urgent"}};
  const json hit = {{"indicator", "container MSCU1234565"}};
  const json second = {{"uuid", "a2"}, {"place", "Zürich"}};
  const json third = {{"uuid", "a3"}};
  const int64_t ids[] = {HookRunnerEnqueue(db, HookRunner::kAlert, first),
                         HookRunnerEnqueue(db, HookRunner::kHit, hit),
                         HookRunnerEnqueue(db, HookRunner::kAlert, second),
                         HookRunnerEnqueue(db, HookRunner::kAlert, third)};
  CHECK(PendingOf(runner) == 4);

  PollUntilIdle(runner);
  CHECK(cen::test::ReadFile(alerts) ==
        first.dump() + "\n" + second.dump() + "\n" + third.dump() + "\n");
  CHECK(cen::test::ReadFile(hits) == "hit " + hit.dump() + "\n");
  for (const int64_t id : ids) {
    const EventRow row = RowOf(db, id);
    CHECK(row.state == "done");
    CHECK(row.attempts == 1);
    CHECK_FALSE(row.last_error.has_value());
  }
}

TEST_CASE("HookRunner retries a failing hook, gives up after max_attempts, runs the next events",
          "[node][hook_runner]") {
  struct HookRunnerCase {
    std::string fail;      // what the hook does with the failing event
    std::string expected;  // in last_error
  };
  const HookRunnerCase c = GENERATE(HookRunnerCase{"exit 3", "exit status 3"},
                                    HookRunnerCase{"exec /nonexistent/cen-hook", "exit status 127"},
                                    HookRunnerCase{"kill -9 $$", "killed by signal 9"});
  INFO(c.fail);
  TempDir tmp;
  Database db = OpenNodeDb(tmp);
  const std::string out = tmp.File("out.ndjson");
  const std::string hook = "read -r line; case \"$line\" in *fail*) " + c.fail +
                           ";; esac; printf '%s\\n' \"$line\" >> " + Quoted(out);
  HookRunner runner(&db, {hook, ""}, {.max_attempts = 3, .first_backoff = 10ms, .max_running = 1});

  const int64_t bad = HookRunnerEnqueue(db, HookRunner::kAlert, {{"fail", true}});
  const json good_event = {{"uuid", "a2"}};
  const int64_t good = HookRunnerEnqueue(db, HookRunner::kAlert, good_event);
  PollUntilIdle(runner);

  const EventRow failed = RowOf(db, bad);
  CHECK(failed.state == "failed");
  CHECK(failed.attempts == 3);
  REQUIRE(failed.last_error.has_value());
  CHECK_THAT(*failed.last_error, Catch::Contains(c.expected));
  CHECK(RowOf(db, good).state == "done");
  CHECK(cen::test::ReadFile(out) == good_event.dump() + "\n");
}

TEST_CASE("HookRunner ends done when a retry succeeds", "[node][hook_runner]") {
  TempDir tmp;
  Database db = OpenNodeDb(tmp);
  const std::string marker = tmp.File("failed-once");
  const std::string out = tmp.File("out.ndjson");
  HookRunner runner(&db,
                    {"", "test -f " + Quoted(marker) + " || { touch " + Quoted(marker) +
                             "; exit 1; }; cat > " + Quoted(out)},
                    {.first_backoff = 10ms});

  const json event = {{"indicator", "seal 0042"}};
  const int64_t id = HookRunnerEnqueue(db, HookRunner::kHit, event);
  PollUntilIdle(runner);

  const EventRow row = RowOf(db, id);
  CHECK(row.state == "done");
  CHECK(row.attempts == 2);
  CHECK(row.last_error == std::optional<std::string>("exit status 1"));  // the failure stays noted
  CHECK(cen::test::ReadFile(out) == event.dump() + "\n");
}

TEST_CASE("HookRunner kills a hook past its timeout without blocking the agent",
          "[node][hook_runner]") {
  TempDir tmp;
  Database db = OpenNodeDb(tmp);
  HookRunner runner(&db, {"sleep 30", ""},
                    {.max_attempts = 2, .timeout = 200ms, .first_backoff = 10ms});

  const int64_t id = HookRunnerEnqueue(db, HookRunner::kAlert, {{"uuid", "slow"}});
  const auto start = SteadyClock::now();
  PollUntilIdle(runner);  // REQUIREs every Poll to return within 1 s
  CHECK(SteadyClock::now() - start < 5s);

  const EventRow row = RowOf(db, id);
  CHECK(row.state == "failed");
  CHECK(row.attempts == 2);
  REQUIRE(row.last_error.has_value());
  CHECK_THAT(*row.last_error, Catch::Contains("timed out after 200 ms"));
}

TEST_CASE("HookRunner runs an alert's hook while hit hooks hang in every other slot",
          "[node][hook_runner]") {
  // Two hanging --on-hit hooks held both slots: an urgent alert's --on-alert
  // waited 3 min 48 s (30 s timeouts, retried) in a user trial.
  TempDir tmp;
  Database db = OpenNodeDb(tmp);
  const std::string alerts = tmp.File("alerts.txt");
  HookRunner runner(&db, {"cat >> " + alerts, "sleep 120"}, {.timeout = 120s});
  for (int i = 0; i < 3; ++i) HookRunnerEnqueue(db, HookRunner::kHit, {{"hit", i}});
  PollUntil(runner, [&] { return runner.Running() >= 1; });
  const int64_t alert = HookRunnerEnqueue(db, HookRunner::kAlert, {{"uuid", "urgent-1"}});
  PollUntil(runner, [&] { return RowOf(db, alert).state == "done"; });
  CHECK_THAT(cen::test::ReadFile(alerts), Catch::Contains("urgent-1"));
  // One hit hook hangs (the other slot is the alerts'); the other two wait.
  CHECK(runner.Running() == 1);
  CHECK(RowOf(db, 1).state == "pending");
}

TEST_CASE("HookRunner survives a hook that does not read a payload larger than the pipe",
          "[node][hook_runner]") {
  const std::string command =
      GENERATE(as<std::string>{}, "sleep 0.3", "exit 0", "head -c 10 > /dev/null; sleep 0.1");
  INFO(command);
  const DefaultSigpipe fatal_sigpipe;  // a SIGPIPE raised by the runner would end the test run
  TempDir tmp;
  Database db = OpenNodeDb(tmp);
  HookRunner runner(&db, {command, ""}, {});

  const int64_t id =
      HookRunnerEnqueue(db, HookRunner::kAlert, {{"blob", std::string(200 * 1024, 'x')}});
  PollUntilIdle(runner);  // REQUIREs every Poll to return within 1 s
  const EventRow row = RowOf(db, id);
  CHECK(row.state == "done");
  CHECK(row.attempts == 1);
}

TEST_CASE("HookRunner events survive a restart of the agent", "[node][hook_runner]") {
  TempDir tmp;
  Database db = OpenNodeDb(tmp);
  const std::string out = tmp.File("out.ndjson");
  const json first = {{"uuid", "a1"}};
  const json second = {{"uuid", "a2"}};
  const int64_t ids[] = {HookRunnerEnqueue(db, HookRunner::kAlert, first),
                         HookRunnerEnqueue(db, HookRunner::kAlert, second)};

  SECTION("stopped before the hooks started") {
    HookRunner stopped(&db, {"cat >> " + Quoted(out), ""}, {});
  }
  SECTION("stopped while the hooks ran: they are killed, their events stay pending") {
    const auto start = SteadyClock::now();
    {
      HookRunner stopped(&db, {"sleep 30", ""}, {});
      RequireOk(stopped.Poll(SteadyClock::now()));
      CHECK(stopped.Running() == 2);
    }
    CHECK(SteadyClock::now() - start < 5s);
    for (const int64_t id : ids) CHECK(RowOf(db, id).attempts == 0);
  }

  HookRunner restarted(&db, {"cat >> " + Quoted(out), ""}, {.max_running = 1});
  CHECK(PendingOf(restarted) == 2);
  PollUntilIdle(restarted);
  CHECK(cen::test::ReadFile(out) == first.dump() + "\n" + second.dump() + "\n");
  for (const int64_t id : ids) {
    const EventRow row = RowOf(db, id);
    CHECK(row.state == "done");
    CHECK(row.attempts == 1);
  }
}

TEST_CASE("HookRunner wants only the hooks that have a command", "[node][hook_runner]") {
  TempDir tmp;
  Database db = OpenNodeDb(tmp);
  HookRunner runner(&db, {"cat > /dev/null", ""}, {});
  CHECK(runner.Wants(HookRunner::kAlert));
  CHECK_FALSE(runner.Wants(HookRunner::kHit));
  CHECK_FALSE(runner.Wants("query"));

  // An event queued for a hook configured no more waits, unrun.
  HookRunnerEnqueue(db, HookRunner::kHit, {{"indicator", "x"}});
  for (int i = 0; i < 3; ++i) {
    RequireOk(runner.Poll(SteadyClock::now()));
    std::this_thread::sleep_for(10ms);
  }
  CHECK(runner.Running() == 0);
  CHECK(PendingOf(runner) == 1);
}

TEST_CASE("HookRunner::Enqueue commits with the caller's transaction", "[node][hook_runner]") {
  TempDir tmp;
  Database db = OpenNodeDb(tmp);
  HookRunner runner(&db, {"cat > /dev/null", ""}, {});

  SECTION("rolled back: no event") {
    auto tx = db.Begin();
    REQUIRE(tx.ok());
    RequireOk(HookRunner::Enqueue(db, HookRunner::kAlert, {{"uuid", "a1"}}));
  }
  CHECK(PendingOf(runner) == 0);

  SECTION("committed, with text that is not UTF-8: valid JSON on one line") {
    auto tx = db.Begin();
    REQUIRE(tx.ok());
    RequireOk(HookRunner::Enqueue(db, HookRunner::kAlert, {{"name", "bad \xff byte\n"}}));
    RequireOk(tx->Commit());
    CHECK(PendingOf(runner) == 1);
    auto payload = db.Prepare("SELECT payload FROM hook_events");
    REQUIRE(payload.ok());
    REQUIRE(*payload->Step());
    const std::string text = payload->ColumnText(0);
    CHECK(text.find('\n') == std::string::npos);
    CHECK(json::parse(text)["name"] == "bad \xef\xbf\xbd byte\n");
  }
  SECTION("an unknown hook or an event that is not an object is refused") {
    CHECK(HookRunner::Enqueue(db, "query", {{"uuid", "a1"}}).code() ==
          cen::common::StatusCode::kInvalidInput);
    CHECK(HookRunner::Enqueue(db, HookRunner::kAlert, json::array({1, 2})).code() ==
          cen::common::StatusCode::kInvalidInput);
  }
}
