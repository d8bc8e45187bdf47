// A ZeroMQ TCP endpoint as the hub and the nodes name one in their settings.
#pragma once

#include <string_view>

namespace cen::common {

// tcp://HOST:PORT with a host and a port 1..65535, and no blank anywhere
// (a cluster's configuration joins endpoints and keys with blanks).
bool IsTcpEndpoint(std::string_view endpoint);

}  // namespace cen::common
