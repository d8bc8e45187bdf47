// The filter flags of cen-query (--commodity, --destination, --from, --text,
// ...), also taken by `cen-node accept` to choose the records it accepts.
//
//   QueryFilter filter;
//   FilterFlags::Add(app, filter);  // then app.parse(); filter.Check()
#pragma once

#include <CLI/CLI.hpp>

#include "node/query/query_filter.h"

namespace cen::node {

class FilterFlags {
 public:
  // Adds every filter flag to `app`, in the group "Filters", writing to `f`.
  static void Add(CLI::App& app, QueryFilter& f);
};

}  // namespace cen::node
