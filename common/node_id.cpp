#include "common/node_id.h"

#include <algorithm>
#include <cctype>

namespace cen::common {

bool NodeId::IsValid(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

bool NodeId::IsReserved(std::string_view id) {
  return id.size() == kHubOperator.size() &&
         std::equal(id.begin(), id.end(), kHubOperator.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

}  // namespace cen::common
