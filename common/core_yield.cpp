#include "common/core_yield.h"

#include <sched.h>

namespace cen::common {

void YieldCore() { sched_yield(); }

}  // namespace cen::common
