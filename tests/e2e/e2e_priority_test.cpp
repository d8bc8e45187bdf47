// End-to-end: urgent alerts overtake a national export. One office drops a
// large export (200,000 seizures by default; CEN_E2E_EXPORT_ROWS overrides it,
// the sanitizer run uses fewer); while it flows, a second office submits
// urgent alerts and a third must show each of them before its replica has
// applied the backlog ahead of it in gseq order, exactly once, with the hub
// and the receiving agent killed (-9) on the way. Then everything converges:
// every record in every replica once, the cursor at the hub's head.
// No sleeps as synchronisation: every wait polls with a deadline.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/sqlite_db.h"
#include "tests/e2e/cluster.h"

namespace cen::e2e {
namespace {

namespace fs = std::filesystem;
constexpr auto kAlertTimeout = std::chrono::seconds(60);
constexpr auto kPriorityConvergeTimeout = std::chrono::seconds(240);
// More records than an agent buffers ahead of its cursor (50,000).
constexpr int kBeyondBuffer = 60000;

int ExportRows() {
  const char* rows = std::getenv("CEN_E2E_EXPORT_ROWS");
  return rows != nullptr && std::atoi(rows) > 0 ? std::atoi(rows) : 200000;
}

// A CSV export of seizures EXP-`first` .. EXP-`first + count - 1`, varied in
// country, date, language and length.
void WriteExport(const fs::path& path, int first, int count) {
  static const char* kCountries[] = {"FR", "RU", "ES", "NL", "EC", "NG", "TH", "BR", "DE", "KZ"};
  static const char* kTexts[] = {
      "Cocaine in a reefer container of bananas, lot ",
      "Гашиш в запасном колесе грузовика, партия ",
      "Cigarrillos ocultos en muebles desmontados, lote ",
      "Cannabis dans un double fond de valise, lot ",
      ("Heroin in the false bottom of a suitcase, checked at the airport after a profile hit, "
       "lot ")};
  std::ofstream out(path, std::ios::binary);
  out << "kind,ref,seizure_date,reporting_country,commodity,description,quantity,unit\n";
  for (int i = first; i < first + count; ++i) {
    const int month = 1 + i % 12;
    const int day = 1 + (i / 12) % 28;
    out << "seizure,EXP-" << i << ",20" << (18 + i % 8) << "-" << (month < 10 ? "0" : "") << month
        << "-" << (day < 10 ? "0" : "") << day << "," << kCountries[i % 10] << ",drugs,\""
        << kTexts[i % 5] << i << "\"," << (1 + i % 997) << ",KGM\n";
  }
}

std::string UrgentAlert(int n, std::string_view body) {
  return nlohmann::json{{"kind", "alert"},
                        {"ref", "URGENT-" + std::to_string(n)},
                        {"title", "Reefer containers from Guayaquil, alert " + std::to_string(n)},
                        {"body", body},
                        {"priority", "urgent"}}
      .dump();
}

std::vector<nlohmann::json> PriorityJsonLines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line, nullptr, false));
  }
  return out;
}

std::int64_t PriorityIntField(const nlohmann::json& object, const char* key) {
  return object.contains(key) && object[key].is_number_integer() ? object[key].get<std::int64_t>()
                                                                 : -1;
}

// The replicated alert with `uuid` at node `id`, or null.
nlohmann::json FindAlert(Cluster& cluster, std::string_view id, const std::string& uuid) {
  nlohmann::json found;
  int copies = 0;
  for (auto& record : cluster.Query(id, "alert")) {
    if (record.value("uuid", "") == uuid) {
      found = std::move(record);
      ++copies;
    }
  }
  CHECK(copies <= 1);
  return found;
}

std::int64_t CountFrom(Cluster& cluster, std::string_view id, std::string_view origin) {
  const RunResult r = cluster.RunQuery({"--data", cluster.node_dir(id).string(), "--origin",
                                        std::string(origin), "--count", "--include-restricted"});
  if (r.exit_code != 0) return -1;
  try {
    return std::stoll(r.out);
  } catch (const std::exception&) {
    return -1;
  }
}

// BULK drops seizures EXP-`exported` .. EXP-`exported + count - 1` as a
// national export; waits until the hub has journaled every one of them.
void DropExport(Cluster& cluster, int& exported, int count) {
  const fs::path file = cluster.dir() / ("national-export-" + std::to_string(exported) + ".csv");
  WriteExport(file, exported, count);
  const RunResult drop =
      cluster.RunNode({"drop", "--data", cluster.node_dir("BULK").string(), file.string()});
  INFO(drop.out << drop.err);
  REQUIRE(drop.exit_code == 0);
  exported += count;
  cluster.WaitUntil(
      [&](std::string& observed) {
        const std::int64_t journaled = cluster.HubQuery(
            "SELECT count(*) FROM journal WHERE origin = 'BULK' AND kind = 'seizure'");
        observed = "hub journal holds " + std::to_string(journaled) + " exported seizures";
        return journaled == exported;
      },
      kPriorityConvergeTimeout, "the export at the hub");
}

// The hub's head: read before an alert is sent, what WATCH must not have
// applied yet when the alert shows.
std::int64_t HubHead(Cluster& cluster) { return cluster.HubQuery("SELECT max(gseq) FROM journal"); }

// Whether WATCH's replica is at least `backlog` records behind the hub's head.
bool HasBacklog(Cluster& cluster, std::int64_t backlog) {
  const std::int64_t cursor = PriorityIntField(cluster.Status("WATCH"), "replica_gseq");
  return HubHead(cluster) - cursor >= backlog;
}

// An alert shows it overtook only if WATCH still has a backlog when it comes.
// A fast machine (or the sanitizer run's small export) lets WATCH catch up
// between steps: then WATCH is stopped, BULK exports `refill` more seizures,
// and WATCH starts again with them all to apply (no waiting: a fast machine
// applies them in a fraction of a second).
void EnsureBacklog(Cluster& cluster, int& exported, std::int64_t backlog, int refill) {
  if (HasBacklog(cluster, backlog)) return;
  cluster.StopNode("WATCH");
  DropExport(cluster, exported, refill);
  cluster.StartNode("WATCH");
}

// WATCH's replica in one read snapshot: its cursor, and the gseq and
// version of one record there (-1 when it is not).
struct WatchSnapshot {
  std::int64_t cursor = -1;
  std::int64_t gseq = -1;
  std::int64_t version = -1;
};

// Waits until `uuid` (version `version`) is applied at WATCH and CHECKs that
// it was there while WATCH's cursor was still below `head_before`, the hub's
// head before the alert was sent: it overtook records journaled before it
// (an alert applied early a moment before its own bulk range would not
// show that). The replica is read directly, cursor and record in one
// snapshot, every 2 ms: a spawned `cen-query` and `cen-node status` take
// long enough for a fast machine to apply the rest of the backlog between
// them. Then an analyst's `cen-query` shows that version.
void RequireOvertook(Cluster& cluster, const std::string& uuid, std::int64_t version,
                     std::int64_t head_before) {
  auto db = common::Database::Open((cluster.node_dir("WATCH") / "node.db").string(),
                                   common::Database::Mode::kReadOnly);
  REQUIRE(db.ok());
  auto read = db->Prepare(
      "SELECT c.gseq, coalesce(r.gseq, -1), coalesce(r.version, -1) "
      "FROM cursor c LEFT JOIN records r ON r.uuid = ? WHERE c.id = 1");
  REQUIRE(read.ok());
  WatchSnapshot seen;
  const auto deadline = std::chrono::steady_clock::now() + kAlertTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto row = read->Bind(1, uuid).Step();
    if (row.ok() && *row) seen = {read->ColumnInt(0), read->ColumnInt(1), read->ColumnInt(2)};
    read->Reset();  // ends the read snapshot (and clears the binding)
    if (seen.version == version) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  INFO("alert " << uuid << " v" << version << ": WATCH holds v" << seen.version << " at gseq "
                << seen.gseq << ", its cursor " << seen.cursor << "; the hub's head before it "
                << head_before);
  REQUIRE(seen.version == version);
  CHECK(seen.cursor < head_before);
  CHECK(head_before < seen.gseq);
  const nlohmann::json shown = FindAlert(cluster, "WATCH", uuid);
  CHECK(PriorityIntField(shown, "version") == version);
}

}  // namespace

TEST_CASE("Urgent alerts overtake a national export at every office, exactly once, through kills",
          "[e2e][priority][crash]") {
  Cluster cluster({{"BULK", "EU"}, {"ALERT", "AF"}, {"WATCH", "AS"}});
  // WATCH starts once the export is at the hub, so it has the whole export
  // to apply whatever the machine's speed (a sanitizer build is slow enough
  // for a replica to keep up with a live flow).
  cluster.StartHub();
  cluster.StartNode("BULK");
  cluster.StartNode("ALERT");
  const int rows = ExportRows();
  int exported = 0;
  DropExport(cluster, exported, rows);
  cluster.StartNode("WATCH");
  // The export flows into WATCH, which has all of it to apply.
  const std::int64_t backlog = std::min(20000, rows / 2);
  const int refill = rows / 2;

  AcceptedRecords alerts;
  {
    // 1. An urgent alert into a busy network.
    std::int64_t head = HubHead(cluster);
    auto uuids = cluster.Submit("ALERT", {UrgentAlert(1, "First sighting.")}, alerts);
    RequireOvertook(cluster, uuids[0], 1, head);

    // 2. The hub killed mid-flow; the alert is submitted while it is down.
    // WATCH goes on applying what it holds in memory meanwhile (up to
    // 50,000 records ahead of its cursor, FetchPlanner's max_buffered), so
    // its backlog must be larger for the alert to overtake anything.
    EnsureBacklog(cluster, exported, kBeyondBuffer, kBeyondBuffer);
    head = HubHead(cluster);
    cluster.KillHub();
    uuids = cluster.Submit("ALERT", {UrgentAlert(2, "Submitted while the hub was down.")}, alerts);
    cluster.StartHub();
    RequireOvertook(cluster, uuids[0], 1, head);

    // 3. WATCH's agent killed; the alert arrives while it is down and is
    // fetched through the priority lane when it comes back.
    EnsureBacklog(cluster, exported, backlog, refill);
    head = HubHead(cluster);
    cluster.KillNode("WATCH");
    uuids = cluster.Submit("ALERT", {UrgentAlert(3, "Sent while WATCH was down.")}, alerts);
    cluster.StartNode("WATCH");
    RequireOvertook(cluster, uuids[0], 1, head);

    // 4. An alert and its amendment in quick succession: the newer version
    // stays, whatever order the lanes bring them in.
    EnsureBacklog(cluster, exported, backlog, refill);
    head = HubHead(cluster);
    uuids = cluster.Submit("ALERT", {UrgentAlert(4, "Initial text.")}, alerts);
    const auto amended = cluster.Submit(
        "ALERT", {UrgentAlert(4, "Amended: vessel changed to MSC Example.")}, alerts);
    REQUIRE(amended[0] == uuids[0]);
    RequireOvertook(cluster, uuids[0], 2, head);
  }

  // 5. A normal alert travels in the bulk lane, behind WATCH's backlog; its
  // urgent update and cancel overtake it. When it arrives, late and older,
  // it does not undo them: it shows cancelled, with the update's title.
  // WATCH is stopped while the normal alert is journaled, so that it is
  // behind the backlog (a fast machine could apply it all meanwhile).
  AcceptedRecords life_cycle;
  cluster.StopNode("WATCH");
  if (!HasBacklog(cluster, backlog)) DropExport(cluster, exported, refill);
  const std::string normal = cluster.Submit("ALERT",
                                            {nlohmann::json{{"kind", "alert"},
                                                            {"ref", "NORMAL-1"},
                                                            {"title", "Original title"},
                                                            {"body", "Routine alert, bulk lane."},
                                                            {"priority", "normal"}}
                                                 .dump()},
                                            life_cycle)[0];
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed =
            "NORMAL-1 at the hub: " +
            std::to_string(cluster.HubQuery("SELECT count(*) FROM journal WHERE ref = 'NORMAL-1'"));
        return observed.back() == '1';
      },
      kAlertTimeout, "the normal alert journaled");
  const std::int64_t head_before_changes = HubHead(cluster);
  cluster.StartNode("WATCH");
  const auto changes = cluster.Submit("ALERT",
                                      {nlohmann::json{{"kind", "alert"},
                                                      {"ref", "NORMAL-1-U"},
                                                      {"title", "Updated title"},
                                                      {"body", "Urgent update."},
                                                      {"priority", "urgent"},
                                                      {"msg_type", "update"},
                                                      {"references", {normal}}}
                                           .dump(),
                                       nlohmann::json{{"kind", "alert"},
                                                      {"ref", "NORMAL-1-C"},
                                                      {"title", "Cancelled"},
                                                      {"body", "Urgent cancel."},
                                                      {"priority", "urgent"},
                                                      {"msg_type", "cancel"},
                                                      {"references", {normal}}}
                                           .dump()},
                                      life_cycle);
  RequireOvertook(cluster, changes[1], 1, head_before_changes);

  // Everything converges: the whole export and each alert once, everywhere.
  // The export, four alerts, one amendment, and the normal alert's life cycle.
  const std::int64_t journal = exported + 8;
  cluster.WaitUntil(
      [&](std::string& observed) {
        bool done =
            cluster.HubQuery("SELECT count(*) FROM journal WHERE kind != 'receipt'") == journal;
        // Receipts of the alerts are journaled too; every replica reaches the head.
        const std::int64_t head = cluster.HubQuery("SELECT max(gseq) FROM journal");
        observed = "hub journal " + std::to_string(cluster.HubQuery(
                                        "SELECT count(*) FROM journal WHERE kind != 'receipt'"));
        for (const std::string id : {"BULK", "ALERT", "WATCH"}) {
          const nlohmann::json status = cluster.Status(id);
          const std::int64_t cursor = PriorityIntField(status, "replica_gseq");
          observed += ", " + id + " at " + std::to_string(cursor) + " outbox " +
                      std::to_string(PriorityIntField(status, "outbox"));
          done = done && cursor == head && PriorityIntField(status, "outbox") == 0;
        }
        return done;
      },
      kPriorityConvergeTimeout, "every replica at the hub's head");
  for (const std::string id : {"ALERT", "WATCH"}) {
    CHECK(CountFrom(cluster, id, "BULK") == exported);
  }
  for (const auto& [uuid, accepted] : alerts) {
    for (const std::string id : {"BULK", "WATCH"}) {
      const nlohmann::json alert = FindAlert(cluster, id, uuid);
      INFO(id << " " << uuid);
      REQUIRE_FALSE(alert.is_null());
      CHECK(PriorityIntField(alert, "version") == accepted.version);
      CHECK(alert.value("body", "") == accepted.submitted.value("body", ""));
    }
  }
  CHECK(cluster.HubQuery("SELECT count(DISTINCT uuid) FROM journal WHERE kind != 'receipt'") ==
        exported + 7);
  // The normal alert arrived after its update and cancel, and did not undo them.
  bool listed = false;
  const RunResult all = cluster.RunQuery(
      {"--data", cluster.node_dir("WATCH").string(), "--format", "json", "alerts", "--all"});
  for (const auto& line : PriorityJsonLines(all.out)) {
    if (line.value("uuid", "") != normal) continue;
    listed = true;
    CHECK(line.value("state", "") == "cancelled");
    CHECK(line["alert"].value("title", "") == "Updated title");
  }
  CHECK(listed);
  // WATCH told ALERT once of each alert it received in force: the four
  // urgent ones, not the normal one, cancelled before it arrived.
  CHECK(cluster.HubQuery("SELECT count(*) FROM journal WHERE kind = 'receipt' AND ref LIKE "
                         "'delivered:%' AND origin = 'WATCH'") == 4);
}

TEST_CASE("Without a real-time priority an urgent alert still overtakes the export",
          "[e2e][priority]") {
  // rt_priority 0: no watcher thread; the loops look for urgent alerts on
  // their own, as on a machine that grants no real-time priority.
  Cluster cluster({{"BULK", "EU"}, {"ALERT", "AF"}, {"WATCH", "AS"}});
  cluster.set_run_args({"--rt-priority", "0"});
  cluster.StartHub();
  cluster.StartNode("BULK");
  cluster.StartNode("ALERT");
  int exported = 0;
  DropExport(cluster, exported, ExportRows());
  cluster.StartNode("WATCH");
  EnsureBacklog(cluster, exported, std::min(20000, ExportRows() / 2), ExportRows() / 2);
  AcceptedRecords alerts;
  const std::int64_t head = HubHead(cluster);
  const auto uuids = cluster.Submit("ALERT", {UrgentAlert(1, "No watcher here.")}, alerts);
  RequireOvertook(cluster, uuids[0], 1, head);
  CHECK_THAT(cluster.NodeLog("WATCH"), Catch::Contains("urgent lane: no real-time priority"));
}

TEST_CASE("An urgent alert does not wait for the drop file its office is importing",
          "[e2e][priority][drop]") {
  // A drop file is one transaction holding node.db's write lock (about 2 s
  // for 200,000 rows here): the alert is applied while it is under way, and
  // the file, read again, imports every row once.
  constexpr int kRows = 200000;
  Cluster cluster({{"DROPS", "EU"}, {"ALERT", "AF"}});
  const fs::path drops = cluster.UseDropFolder("DROPS");
  cluster.StartAll();
  cluster.WaitForDropFolder("DROPS", kAlertTimeout);
  WriteExport(drops / ".export.csv", 0, kRows);
  fs::rename(drops / ".export.csv", drops / "export.csv");
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed = "DROPS has not logged the import's start";
        return cluster.NodeLog("DROPS").find("drop folder: importing export.csv") !=
               std::string::npos;
      },
      kAlertTimeout, "the import starts");

  const auto uuid = cluster.Submit("ALERT", {UrgentAlert(1, "Sent while DROPS imports.")})[0];
  // The alert and the file's rows at DROPS, in one read snapshot: the file
  // commits all its rows at once, so none is there yet if the alert went first.
  constexpr std::int64_t kScale = 10000000;
  std::int64_t rows_then = -1;
  cluster.WaitUntil(
      [&](std::string& observed) {
        const std::int64_t both = cluster.NodeQuery(
            "DROPS", "SELECT (SELECT count(*) FROM records WHERE uuid = '" + uuid + "') * " +
                         std::to_string(kScale) +
                         " + (SELECT count(*) FROM own_records WHERE kind = 'seizure')");
        rows_then = both % kScale;
        observed = "alert at DROPS: " + std::to_string(both / kScale) + ", file rows " +
                   std::to_string(rows_then);
        return both / kScale == 1;
      },
      kAlertTimeout, "the alert at DROPS");
  CHECK(rows_then == 0);  // applied while the file was still importing
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed = "export.csv not in done/";
        return fs::exists(drops / "done" / "export.csv");
      },
      kPriorityConvergeTimeout, "the file imported");
  CHECK_THAT(cluster.NodeLog("DROPS"), Catch::Contains("export.csv gave way"));
  CHECK(cluster.NodeQuery("DROPS",
                          "SELECT count(DISTINCT ref) FROM own_records WHERE ref LIKE "
                          "'EXP-%'") == kRows);
  CHECK(cluster.NodeQuery("DROPS", "SELECT count(*) FROM own_records WHERE kind = 'seizure'") ==
        kRows);
}

}  // namespace cen::e2e
