// Counts failed Catch2 assertions, so a fixture can tell in its destructor
// whether the test that used it failed (and keep its files for a post-mortem).
//
//   const int before = FailedAssertionCount();
//   ...
//   const bool failed = FailedAssertionCount() > before || std::uncaught_exceptions() > 0;
#pragma once

namespace cen::e2e {

// Failed assertions (CHECK and REQUIRE alike) since the test run started.
int FailedAssertionCount();

}  // namespace cen::e2e
