// End-to-end: data drops with real processes. A drop is durable in the outbox
// when `cen-node drop` exits 0, whether the agent or the hub runs or not, and
// reaches the other nodes' replicas; the agent's drop folder takes files that
// are renamed into it and files them in done/ or failed/ with the reasons.
// No sleeps as synchronisation: every wait polls with a deadline.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/cluster.h"

namespace cen::e2e {
namespace {

namespace fs = std::filesystem;
constexpr auto kDropTimeout = std::chrono::seconds(60);

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A CSV drop of `count` seizures with refs PREFIX-0 ... (Cyrillic in every other one).
std::string SeizureCsv(const std::string& prefix, int count) {
  std::string csv =
      "kind,ref,seizure_date,reporting_country,commodity,description,quantity,unit,lang\n";
  for (int i = 0; i < count; ++i) {
    const bool russian = i % 2 == 1;
    csv += "seizure," + prefix + "-" + std::to_string(i) + ",2026-03-14," +
           (russian ? "RU" : "FR") + ",drugs," +
           (russian ? "\"Гашиш в запасном колесе, партия " : "\"Cannabis in a spare tyre, lot ") +
           std::to_string(i) + "\"," + std::to_string(i + 1) + ",KGM," + (russian ? "ru" : "en") +
           "\n";
  }
  return csv;
}

// Records in `id`'s replica whose ref starts with `prefix`.
size_t CountRefs(Cluster& cluster, std::string_view id, const std::string& prefix) {
  size_t n = 0;
  for (const auto& record : cluster.Query(id)) {
    if (record.value("ref", "").starts_with(prefix)) ++n;
  }
  return n;
}

void WaitForRefs(Cluster& cluster, std::string_view id, const std::string& prefix, size_t count) {
  cluster.WaitUntil(
      [&](std::string& observed) {
        const size_t n = CountRefs(cluster, id, prefix);
        observed = std::string(id) + " holds " + std::to_string(n) + " " + prefix + " records";
        return n == count;
      },
      kDropTimeout, std::to_string(count) + " " + prefix + " records at " + std::string(id));
}

nlohmann::json DropJson(Cluster& cluster, std::string_view id, const fs::path& file) {
  const RunResult r =
      cluster.RunNode({"drop", "--data", cluster.node_dir(id).string(), "--json", file.string()});
  INFO(r.command << "\n" << r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

// Data rows of the CBP sample whose quantity is not 0 lb (the converter skips those).
size_t CbpSourceRows(const fs::path& raw) {
  std::ifstream in(raw);
  std::string line;
  std::getline(in, line);  // header
  size_t rows = 0;
  while (std::getline(in, line)) {
    const std::string pounds = line.substr(line.rfind(',') + 1);
    if (!pounds.empty() && std::stod(pounds) > 0) ++rows;
  }
  return rows;
}

}  // namespace

TEST_CASE("Real CBP seizure statistics dropped at one node reach another", "[e2e][drop]") {
  const fs::path data = CEN_TEST_DATA_DIR;
  const size_t source_rows = CbpSourceRows(data / "cbp" / "nationwide-drugs-sample.csv");
  REQUIRE(source_rows >= 200);

  Cluster cluster({{"US", "AM"}, {"EU", "EU"}});
  cluster.StartAll();
  const fs::path drop = data / "cbp" / "nationwide-drugs-sample.drop.csv";
  const nlohmann::json first = DropJson(cluster, "US", drop);
  CHECK(first["new"] == source_rows);
  CHECK(first["rejected"] == 0);

  WaitForRefs(cluster, "EU", "CBP-", source_rows);
  for (const auto& record : cluster.Query("EU")) {
    CHECK(record["origin"] == "US");
    CHECK(record["unit"] == "LBR");
  }

  // The same file again adds nothing: no new version reaches the hub.
  const nlohmann::json again = DropJson(cluster, "US", drop);
  CHECK(again["new"] == 0);
  CHECK(again["unchanged"] == source_rows);
  // US's outbox empties as the hub's acks come in.
  cluster.WaitUntil(
      [&](std::string& observed) {
        const nlohmann::json status = cluster.Status("US");
        observed = "US: " + status.dump();
        return status["outbox"] == 0;
      },
      kDropTimeout, "an empty outbox at US");
  CHECK(cluster.HubStatus()["head"] == source_rows);
}

TEST_CASE("The drop folder takes files renamed in while the agent runs", "[e2e][drop]") {
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}});
  const fs::path drops = cluster.UseDropFolder("EU");
  cluster.StartAll();
  cluster.WaitForDropFolder("EU", kDropTimeout);

  // A file being written under a temporary name is never read half-way: while
  // it is half-written, a complete file dropped beside it is taken and it is not.
  const std::string csv = SeizureCsv("EU-DROP", 40);
  {
    std::ofstream part(drops / "cases.csv.part", std::ios::binary);
    part << csv.substr(0, csv.size() / 2) << std::flush;
    std::ofstream(drops / ".marker.csv", std::ios::binary) << SeizureCsv("EU-MARK", 1);
    fs::rename(drops / ".marker.csv", drops / "marker.csv");
    cluster.WaitUntil(
        [&](std::string& observed) {
          observed = "marker.csv not in done/";
          return fs::exists(drops / "done" / "marker.csv");
        },
        kDropTimeout, "the agent takes marker.csv");
    CHECK(fs::exists(drops / "cases.csv.part"));
    part << csv.substr(csv.size() / 2);
  }
  fs::rename(drops / "cases.csv.part", drops / "cases.csv");
  std::ofstream(drops / ".bad.csv", std::ios::binary)
      << "kind,ref,seizure_date,reporting_country,commodity,description,quantity,unit\n"
         "seizure,EU-BAD-1,2026-03-14,FR,drugs,x,1,KGM\n"
         "seizure,EU-BAD-2,2026-03-14,FR,drugs,y,0,KGM\n";
  fs::rename(drops / ".bad.csv", drops / "bad.csv");

  cluster.WaitUntil(
      [&](std::string& observed) {
        observed = "done/cases.csv " + std::to_string(fs::exists(drops / "done" / "cases.csv")) +
                   ", failed/bad.csv.errors " +
                   std::to_string(fs::exists(drops / "failed" / "bad.csv.errors"));
        return fs::exists(drops / "done" / "cases.csv") &&
               fs::exists(drops / "failed" / "bad.csv.errors");
      },
      kDropTimeout, "the agent files both drops");
  CHECK(fs::exists(drops / "failed" / "bad.csv"));
  CHECK_THAT(ReadText(drops / "failed" / "bad.csv.errors"),
             Catch::Contains("bad.csv:3:7: quantity: must be a number greater than 0"));
  WaitForRefs(cluster, "AF", "EU-DROP", 40);
  CHECK(CountRefs(cluster, "AF", "EU-BAD") == 0);
}

TEST_CASE(
    "An agent stopped while its drop folder imports a file keeps none of it until the next run",
    "[e2e][drop][offline]") {
  // A file is one transaction: a stop rolls it back, the file stays in the
  // folder (not in done/ or failed/), and the next run imports it whole.
  // 400,000 rows: about 5 s here, well beyond the submit and the journaling
  // that come before the stop.
  constexpr int kRows = 400000;
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}});
  const fs::path drops = cluster.UseDropFolder("EU");
  cluster.StartAll();
  cluster.WaitForDropFolder("EU", kDropTimeout);
  std::ofstream(drops / ".big.csv", std::ios::binary) << SeizureCsv("EU-BIG", kRows);
  fs::rename(drops / ".big.csv", drops / "big.csv");
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed = "EU has not logged the import's start";
        return cluster.NodeLog("EU").find("drop folder: importing big.csv") != std::string::npos;
      },
      kDropTimeout, "the import starts");

  // A record from AF that EU's agent must write meanwhile: its write waits
  // for the file's lock when the stop comes.
  cluster.Submit("AF", {R"({"kind":"seizure","ref":"AF-1","seizure_date":"2026-03-14",)"
                        R"("reporting_country":"NG","commodity":"drugs","description":"x",)"
                        R"("quantity":1,"unit":"KGM"})"});
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed = "hub head " + cluster.HubStatus().dump();
        return cluster.HubStatus().value("head", 0) >= 1;
      },
      kDropTimeout, "AF's record journaled");
  cluster.StopNode("EU");  // SIGTERM; fails the test unless it exits 0 within 15 s
  CHECK_THAT(cluster.NodeLog("EU"),
             Catch::Contains("drop folder: big.csv: stopped before its end; nothing of it is "
                             "kept, it is imported again on the next run"));
  CHECK(fs::exists(drops / "big.csv"));
  CHECK_FALSE(fs::exists(drops / "done" / "big.csv"));
  CHECK_FALSE(fs::exists(drops / "failed" / "big.csv"));
  CHECK(cluster.NodeQuery("EU", "SELECT count(*) FROM own_records WHERE ref LIKE 'EU-BIG-%'") == 0);
  CHECK(cluster.NodeQuery("EU", "SELECT count(*) FROM outbox") == 0);

  cluster.StartNode("EU");
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed = "big.csv not in done/";
        return fs::exists(drops / "done" / "big.csv");
      },
      kDropTimeout, "the next run imports big.csv");
  CHECK(cluster.NodeQuery("EU",
                          "SELECT count(DISTINCT ref) FROM own_records WHERE ref LIKE "
                          "'EU-BIG-%'") == kRows);
  CHECK(cluster.NodeQuery("EU", "SELECT count(*) FROM own_records WHERE ref LIKE 'EU-BIG-%'") ==
        kRows);
}

TEST_CASE("Drops made while the agent or the hub is down arrive once both run",
          "[e2e][drop][offline]") {
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}});
  const fs::path dir = cluster.dir();
  std::ofstream(dir / "first.csv", std::ios::binary) << SeizureCsv("EU-OFF", 30);
  std::ofstream(dir / "second.csv", std::ios::binary) << SeizureCsv("EU-ON", 20);

  // Nothing runs: the outbox is the hand-over.
  CHECK(DropJson(cluster, "EU", dir / "first.csv")["new"] == 30);
  CHECK(cluster.Status("EU")["outbox"] == 30);
  // The agent runs, the hub does not yet.
  cluster.StartNode("EU");
  cluster.StartNode("AF");
  CHECK(DropJson(cluster, "EU", dir / "second.csv")["new"] == 20);
  CHECK(cluster.Status("EU")["outbox"] == 50);

  cluster.StartHub();
  WaitForRefs(cluster, "AF", "EU-OFF", 30);
  WaitForRefs(cluster, "AF", "EU-ON", 20);
}

}  // namespace cen::e2e
