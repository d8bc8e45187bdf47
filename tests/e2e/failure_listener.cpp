#include "tests/e2e/failure_listener.h"

// The listener base classes are only declared with this set.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <atomic>
#include <catch2/catch.hpp>

namespace cen::e2e {
namespace {

std::atomic<int> failed_assertions{0};

class FailureListener : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;

  bool assertionEnded(Catch::AssertionStats const& stats) override {
    if (!stats.assertionResult.isOk()) failed_assertions.fetch_add(1);
    return true;
  }
};

CATCH_REGISTER_LISTENER(FailureListener)

}  // namespace

int FailedAssertionCount() { return failed_assertions.load(); }

}  // namespace cen::e2e
