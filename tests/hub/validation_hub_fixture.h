// A hub.db with three offices and a journal that asks the registry who
// validates whom and who may see what (validation_test, reach_history_test).
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/uuid7.h"
#include "hub/group_registry.h"
#include "hub/journal.h"
#include "hub/node_registry.h"
#include "hub/scope_policy.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/keys.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

namespace cen::test {

// A RILO's decision on version `version` of an NCP's record.
inline nlohmann::json Decision(const std::string& decision, const std::string& record,
                               int64_t version, const std::string& ncp = "NCP-FR") {
  nlohmann::json d = {{"kind", "decision"},
                      {"uuid", common::Uuid7::Generate()},
                      {"version", 1},
                      {"ref", decision + ":" + record + ":" + std::to_string(version)},
                      {"scope", "nodes:" + ncp},
                      {"decision", decision},
                      {"record", record},
                      {"record_version", version},
                      {"handling", "H0"}};
  if (decision == "return") d["reason"] = "quantity in grams";
  return d;
}

// A hub.db with RILO-WE, its NCP NCP-FR, another RILO RILO-AP (region AS),
// and a journal that asks the registry who validates whom.
struct ValidationHub {
  TempDir tmp;
  common::Database db = CreateHubDb(tmp);
  hub::NodeRegistry registry{&db};
  hub::GroupRegistry groups{&db};
  hub::ScopePolicy policy{&groups};
  hub::Journal journal{&db};

  ValidationHub() {
    RequireOk(registry.Allow({"RILO-WE", NewPublicKey(), "EU"}));
    RequireOk(registry.Allow({"NCP-FR", NewPublicKey(), "EU"}));
    RequireOk(registry.Allow({"RILO-AP", NewPublicKey(), "AS"}));
    RequireOk(registry.SetRole("NCP-FR", hub::NodeRole::kNcp, "RILO-WE"));
    journal.set_visibility(
        [this](std::string_view node, std::string_view scope, std::string_view origin) {
          const hub::NodeInfo* info = registry.FindActive(std::string(node));
          return info != nullptr && policy.MaySee(*info, scope, origin);
        });
    journal.set_validator_of(
        [this](std::string_view origin) { return registry.ValidatorOf(origin); });
    journal.set_audience([this](std::string_view scope, std::string_view origin) {
      return policy.Audience(registry, scope, origin);
    });
    RequireOk(journal.Load());
  }

  hub::Journal::Outcome Append(const std::string& origin, const nlohmann::json& record) {
    std::vector<hub::Journal::Candidate> batch = {{origin, record}};
    std::vector<hub::Journal::Outcome> outcomes;
    RequireOk(journal.Append(batch, &outcomes));
    REQUIRE(outcomes.size() == 1);
    return outcomes[0];
  }

  bool MaySee(const std::string& node, const hub::Journal::Outcome& o, const std::string& origin) {
    return policy.MaySee(*registry.Find(node), o.scope, origin);
  }
};

}  // namespace cen::test
