// `cen-node drop --template seizure|alert`: a CSV header with every column a
// record of that kind may have, and one example row that a drop accepts.
//
//   CEN_RETURN_IF_ERROR(DropTemplate::Write("seizure", std::cout));
//
// Thread-safe (no state).
#pragma once

#include <ostream>
#include <string_view>

#include "common/status.h"

namespace cen::node {

class DropTemplate {
 public:
  // kUsage for a kind other than seizure or alert.
  static common::Status Write(std::string_view kind, std::ostream& out);
};

}  // namespace cen::node
