// Need-to-know on the feed and by FETCH: a node receives exactly the records
// whose scope lets it see them, even when node ids share a prefix.
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/cluster.h"

namespace cen::e2e {
namespace {

std::string Seizure(const std::string& ref, const std::string& scope) {
  return nlohmann::json{{"kind", "seizure"},
                        {"ref", ref},
                        {"scope", scope},
                        {"seizure_date", "2026-03-14"},
                        {"reporting_country", "FR"},
                        {"commodity", "drugs"},
                        {"description", "scope test " + ref},
                        {"quantity", 1.5},
                        {"unit", "KGM"}}
      .dump();
}

std::set<std::string> Refs(Cluster& cluster, const std::string& id) {
  std::set<std::string> refs;
  for (const auto& r : cluster.Query(id)) refs.insert(r.value("ref", ""));
  return refs;
}

void WaitAllCaughtUp(Cluster& cluster, int64_t head) {
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed.clear();
        bool all = true;
        for (const auto& id : cluster.node_ids()) {
          const auto s = cluster.Status(id);
          observed += id + ": replica_gseq " + std::to_string(s.value("replica_gseq", 0)) +
                      ", outbox " + std::to_string(s.value("outbox", 0)) + "; ";
          all = all && s.value("replica_gseq", 0) >= head && s.value("outbox", 0) == 0;
        }
        return all;
      },
      std::chrono::seconds(60), "every replica at gseq " + std::to_string(head));
}

}  // namespace

TEST_CASE("Each node receives exactly the records its scope allows, ids sharing a prefix",
          "[e2e][scope]") {
  Cluster cluster({{"RILO-A", "EU"}, {"RILO-AP", "AS"}, {"RILO-B", "AF"}});
  cluster.StartAll();
  // Live feed: all three agents run while RILO-AP publishes, many records per
  // commit so that feed batches for different nodes arrive back to back.
  const std::vector<std::string> scopes = {"global", "region:AS", "nodes:RILO-A",
                                           "nodes:RILO-B,RILO-AP"};
  std::map<std::string, std::set<std::string>> expected;
  for (int round = 0; round < 3; ++round) {
    std::vector<std::string> lines;
    for (int i = 0; i < 200; ++i) {
      const std::string& scope = scopes[static_cast<size_t>(i) % scopes.size()];
      const std::string ref = "AP-" + std::to_string(round) + "-" + std::to_string(i);
      lines.push_back(Seizure(ref, scope));
      expected["RILO-AP"].insert(ref);
      if (scope == "global" || scope == "nodes:RILO-A") expected["RILO-A"].insert(ref);
      if (scope == "global" || scope == "nodes:RILO-B,RILO-AP") expected["RILO-B"].insert(ref);
    }
    cluster.Submit("RILO-AP", lines);
  }
  WaitAllCaughtUp(cluster, 600);
  for (const auto& id : cluster.node_ids()) {
    INFO("replica of " << id);
    CHECK(Refs(cluster, id) == expected[id]);
  }

  // Catch-up by FETCH: RILO-A is stopped while RILO-B publishes.
  cluster.StopNode("RILO-A");
  cluster.Submit("RILO-B", {Seizure("B-R", "region:AF"), Seizure("B-N", "nodes:RILO-A"),
                            Seizure("B-G", "global")});
  cluster.StartNode("RILO-A");
  WaitAllCaughtUp(cluster, 603);
  expected["RILO-A"].insert({"B-N", "B-G"});
  expected["RILO-AP"].insert("B-G");
  expected["RILO-B"].insert({"B-R", "B-N", "B-G"});
  for (const auto& id : cluster.node_ids()) {
    INFO("replica of " << id);
    CHECK(Refs(cluster, id) == expected[id]);
  }
}

}  // namespace cen::e2e
