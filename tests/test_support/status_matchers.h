// Assertions on a cen::common::Status that print the status when they fail.
//
//   cen::test::RequireOk(HubSchema::Create(db));
//
// Use inside a Catch2 test (or a helper it calls); a failure stops the test.
#pragma once

#include <catch2/catch.hpp>

#include "common/status.h"

namespace cen::test {

// REQUIREs `s.ok()`, with `s.ToString()` in the failure message.
inline void RequireOk(const common::Status& s) {
  INFO(s.ToString());
  REQUIRE(s.ok());
}

}  // namespace cen::test
