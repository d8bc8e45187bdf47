// Fresh CURVE key pairs for tests that need a node's or a hub's key.
//
//   const std::string key = cen::test::NewPublicKey();
//
// Each helper REQUIREs success, so use them inside a Catch2 test.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "common/curve_keys.h"

namespace cen::test {

// A new key pair.
inline common::CurveKeys NewKeys() {
  auto keys = common::CurveKeys::Generate();
  REQUIRE(keys.ok());
  return *keys;
}

// The public half of a new key pair, in Z85.
inline std::string NewPublicKey() { return NewKeys().public_key(); }

}  // namespace cen::test
