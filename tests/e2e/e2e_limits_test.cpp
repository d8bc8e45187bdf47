// Records whose total size is far beyond one message: the agent must split its
// outbox into PUBLISH frames below the hub's 16 MiB message limit, or the hub
// drops the connection at every resend and nothing ever arrives.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/e2e/cluster.h"

namespace cen::e2e {

TEST_CASE("An outbox larger than the hub's message limit arrives in bounded frames",
          "[e2e][limits]") {
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}});
  cluster.StartAll();

  // 600 alerts of 15,996 characters, mostly Cyrillic (30.7 KB each): 18.4 MB,
  // all within one PUBLISH batch by count (1,024 records).
  std::string body;
  for (int i = 0; i < 1333; ++i) body += "Контрабанда ";
  std::vector<std::string> lines;
  for (int i = 0; i < 600; ++i) {
    lines.push_back(nlohmann::json{
        {"kind", "alert"},
        {"ref", "BIG-" + std::to_string(i)},
        {"title", "Крупное оповещение " + std::to_string(i)},
        {"body", body},
        {"priority",
         "normal"}}.dump());
  }
  AcceptedRecords accepted;
  cluster.Submit("EU", lines, accepted);
  REQUIRE(accepted.size() == 600);

  cluster.WaitForConvergence(accepted, cluster.node_ids(), std::chrono::seconds(90));
  cluster.RequireConverged(accepted, cluster.node_ids());
}

}  // namespace cen::e2e
