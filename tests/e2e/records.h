// Valid records for end-to-end tests, as the NDJSON lines `cen-node submit` reads.
//
//   std::vector<std::string> lines = MakeRecords("EU", 0, 50);   // refs EU-S-00000 ...
//   cluster.Submit("EU", lines, accepted);
//
// Record i is an alert when i % 4 == 3, a seizure otherwise; every third record
// carries Cyrillic text. Refs embed the node id, the kind and the index, so the
// same (node, index) always yields the same record and distinct indexes never
// collide: a test that wants new records advances `first_index`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cen::e2e {

std::vector<std::string> MakeRecords(std::string_view node_id, int first_index, int count);
// One seizure of ref `ref` scoped `scope`, as an NDJSON line.
std::string ScopedSeizure(const std::string& ref, const std::string& scope);

}  // namespace cen::e2e
