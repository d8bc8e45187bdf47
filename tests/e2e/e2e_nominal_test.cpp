// End-to-end: nominal details of offenders stay on the node that entered
// them. The test reads every byte the hub stored (hub.db and its WAL) and
// every byte of another office's replica, and finds none of them.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/e2e/cluster.h"

namespace cen::e2e {
namespace {

using nlohmann::json;

constexpr auto kNominalConvergeTimeout = std::chrono::seconds(60);
const char* const kName = "Jan Pieter de Vries-Oostenbrug";
const char* const kDocument = "NXQ8816523";

// The bytes of every file in `dir` whose name starts with `prefix` (the
// database, its -wal and -shm files).
std::string BytesOf(const std::filesystem::path& dir, const std::string& prefix) {
  std::string all;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind(prefix, 0) != 0) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return all;
}

}  // namespace

TEST_CASE("nominal offender details never leave the node that entered them", "[e2e][nominal]") {
  Cluster cluster({{"WE", "EU"}, {"ECE", "EU"}});
  cluster.StartAll();
  const json record = {{"kind", "seizure"},
                       {"ref", "NOM-1"},
                       {"seizure_date", "2026-03-14"},
                       {"reporting_country", "NL"},
                       {"commodity", "drugs"},
                       {"description", "Cocaine in a suitcase"},
                       {"quantity", 4.2},
                       {"unit", "KGM"},
                       {"offenders",
                        {{{"nationality", "NL"},
                          {"gender", "M"},
                          {"age", 38},
                          {"nominal", {{"name", kName}, {"document_number", kDocument}}}}}}};
  AcceptedRecords accepted;
  const std::vector<std::string> uuids = cluster.Submit("WE", {record.dump()}, accepted);
  REQUIRE(uuids.size() == 1);
  // What the replicas should hold: the record without its nominal details.
  accepted.begin()->second.submitted["offenders"][0].erase("nominal");
  cluster.WaitForConvergence(accepted, {"WE", "ECE"}, kNominalConvergeTimeout);
  cluster.RequireConverged(accepted, {"WE", "ECE"});
  cluster.StopAll();

  const std::string hub = BytesOf(cluster.hub_dir(), "hub.db");
  REQUIRE(hub.find("Cocaine in a suitcase") != std::string::npos);  // the record is there
  CHECK(hub.find(kName) == std::string::npos);
  CHECK(hub.find(kDocument) == std::string::npos);
  const std::string other = BytesOf(cluster.node_dir("ECE"), "node.db");
  REQUIRE(other.find("Cocaine in a suitcase") != std::string::npos);
  CHECK(other.find(kName) == std::string::npos);
  CHECK(other.find(kDocument) == std::string::npos);

  // The office that entered them still has them, and shows them.
  const RunResult shown = cluster.RunQuery(
      {"--data", cluster.node_dir("WE").string(), "--format", "table", "show", uuids[0]});
  REQUIRE(shown.exit_code == 0);
  CHECK_THAT(shown.out, Catch::Contains("held on this node only") && Catch::Contains(kName) &&
                            Catch::Contains(kDocument));
  const RunResult elsewhere = cluster.RunQuery(
      {"--data", cluster.node_dir("ECE").string(), "--format", "table", "show", uuids[0]});
  REQUIRE(elsewhere.exit_code == 0);
  CHECK(elsewhere.out.find(kName) == std::string::npos);
}

}  // namespace cen::e2e
