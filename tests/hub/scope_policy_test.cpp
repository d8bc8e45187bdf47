#include "hub/scope_policy.h"

#include <catch2/catch.hpp>

#include "hub/group_registry.h"
#include "hub/node_registry.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/keys.h"

using cen::hub::GroupRegistry;
using cen::hub::NodeInfo;
using cen::hub::ScopePolicy;
using cen::test::RequireOk;

TEST_CASE("ScopePolicy decides who sees a record", "[hub][scope]") {
  cen::test::TempDir tmp;
  cen::common::Database db = cen::test::CreateHubDb(tmp);
  cen::hub::NodeRegistry registry(&db);
  for (const char* id : {"n-eu", "n-xx"}) {
    RequireOk(registry.Allow({id, cen::test::NewPublicKey(), ""}));
  }
  GroupRegistry groups(&db);
  RequireOk(groups.Create("ops", ""));
  RequireOk(groups.Add("ops", "n-eu"));
  RequireOk(groups.Create("old-op", "2020-01-31"));
  RequireOk(groups.Add("old-op", "n-eu"));
  RequireOk(groups.Create("far-op", "2999-12-31"));
  RequireOk(groups.Add("far-op", "n-xx"));
  RequireOk(groups.Refresh());
  const ScopePolicy policy(&groups);

  const NodeInfo eu{"n-eu", "KEY1", "EU"};
  const NodeInfo xx{"n-xx", "KEY2", "XX"};
  const NodeInfo nowhere{"n-none", "KEY3", ""};
  const NodeInfo euro{"n-euro", "KEY4", "EUROPE"};

  struct ScopePolicyCase {
    const char* scope;
    const NodeInfo* node;
    const char* origin;
    bool may_see;
  };
  const ScopePolicyCase cases[] = {
      // global: every registered node
      {"global", &eu, "other", true},
      {"global", &nowhere, "other", true},
      // region:CODE: nodes registered in that region, exactly
      {"region:EU", &eu, "other", true},
      {"region:EU", &xx, "other", false},
      {"region:EU", &euro, "other", false},  // no prefix match
      {"region:EUROPE", &eu, "other", false},
      {"region:eu", &eu, "other", false},  // codes are case-sensitive
      {"region:EU", &nowhere, "other", false},
      {"region:", &nowhere, "other", false},  // empty region never matches empty
      {"region:", &eu, "other", false},
      // nodes:A,B: the listed nodes
      {"nodes:n-eu", &eu, "other", true},
      {"nodes:n-xx,n-eu", &eu, "other", true},
      {"nodes:n-eu,n-xx", &xx, "other", true},
      {"nodes:n-xx", &eu, "other", false},
      {"nodes:n-e", &eu, "other", false},  // no prefix match
      {"nodes:n-eu2", &eu, "other", false},
      {"nodes:n-eu-x,n-x", &eu, "other", false},
      {"nodes:", &eu, "other", false},
      {"nodes:,", &eu, "other", false},
      // the origin always sees its own records
      {"region:XX", &eu, "n-eu", true},
      {"nodes:n-xx", &eu, "n-eu", true},
      {"bogus", &eu, "n-eu", true},
      // group:NAME: members of a group in force
      {"group:ops", &eu, "other", true},
      {"group:ops", &xx, "other", false},
      {"group:op", &eu, "other", false},  // no prefix match
      {"group:far-op", &xx, "other", true},
      {"group:old-op", &eu, "other", false},  // expired: members lose access
      {"group:old-op", &eu, "n-eu", true},    // but the origin keeps its own
      {"group:nope", &eu, "other", false},
      {"group:", &eu, "other", false},
      // unknown forms fail closed
      {"Global", &eu, "other", false},
      {"global ", &eu, "other", false},
      {"", &eu, "other", false},
      {"region", &eu, "other", false},
      {"EU", &eu, "other", false},
  };
  for (const auto& c : cases) {
    INFO("scope '" << c.scope << "', node " << c.node->id << " (region '" << c.node->region
                   << "'), origin " << c.origin);
    CHECK(policy.MaySee(*c.node, c.scope, c.origin) == c.may_see);
  }
}
