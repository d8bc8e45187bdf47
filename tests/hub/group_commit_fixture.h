// What a hub's group commit works with, for real: hub.db in a temporary
// directory, its journal, three registered offices (eu, af, ap), scopes,
// the validator and the audit queue.
#pragma once

#include "common/record_validator.h"
#include "hub/audit_trail.h"
#include "hub/group_commit.h"
#include "hub/group_registry.h"
#include "hub/journal.h"
#include "hub/node_registry.h"
#include "hub/scope_policy.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/keys.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

namespace cen::test {

struct GroupCommitFixture {
  TempDir tmp;
  common::Database db = CreateHubDb(tmp);
  hub::Journal journal{&db};
  hub::NodeRegistry registry{&db};
  hub::GroupRegistry groups{&db};
  hub::ScopePolicy policy{&groups};
  common::RecordValidator validator{common::KeyPolicy::kKeepUnknown};
  hub::AuditTrail audit;
  GroupCommitFixture() {
    RequireOk(journal.Load());
    RequireOk(registry.Refresh());
    for (const char* id : {"eu", "af", "ap"}) RequireOk(registry.Allow({id, NewPublicKey(), ""}));
    RequireOk(groups.Refresh());
  }
  hub::GroupCommit::Parts Parts() {
    return {&journal, &audit, &validator, &policy, &registry, &db};
  }
};

}  // namespace cen::test
