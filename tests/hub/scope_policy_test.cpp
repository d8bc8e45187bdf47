#include "hub/scope_policy.h"

#include <catch2/catch.hpp>

using cen::hub::NodeInfo;
using cen::hub::ScopePolicy;

TEST_CASE("ScopePolicy decides who sees a record", "[hub][scope]") {
  const NodeInfo eu{"n-eu", "KEY1", "EU"};
  const NodeInfo xx{"n-xx", "KEY2", "XX"};
  const NodeInfo nowhere{"n-none", "KEY3", ""};
  const NodeInfo euro{"n-euro", "KEY4", "EUROPE"};

  struct Case {
    const char* scope;
    const NodeInfo* node;
    const char* origin;
    bool may_see;
  };
  const Case cases[] = {
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
      // unknown forms fail closed
      {"group:ops", &eu, "other", false},
      {"Global", &eu, "other", false},
      {"global ", &eu, "other", false},
      {"", &eu, "other", false},
      {"region", &eu, "other", false},
      {"EU", &eu, "other", false},
  };
  for (const auto& c : cases) {
    INFO("scope '" << c.scope << "', node " << c.node->id << " (region '" << c.node->region
                   << "'), origin " << c.origin);
    CHECK(ScopePolicy::MaySee(*c.node, c.scope, c.origin) == c.may_see);
  }
}
