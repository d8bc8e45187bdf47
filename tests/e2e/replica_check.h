// The guarantee every end-to-end case defends: each accepted record is in every
// authorised replica exactly once, with identical content everywhere.
//
//   AcceptedRecords accepted;
//   AddAccepted(accepted, "EU", lines, uuids);          // what `cen-node submit` accepted
//   std::vector<std::string> problems =
//       FindReplicaProblems(accepted, {{"EU", cluster.Query("EU")}, {"AF", ...}});
//   REQUIRE(problems.empty());
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cen::e2e {

struct AcceptedRecord {
  std::string origin;        // id of the node that submitted it
  nlohmann::json submitted;  // the latest content handed to `cen-node submit`
  int version = 1;           // 1 + the amendments (changed content) submitted since
};

// By uuid.
using AcceptedRecords = std::map<std::string, AcceptedRecord>;

// Records that `origin` submitted `lines` and got `uuids` back, line by line.
// A uuid seen before with different content is an amendment: its version goes
// up by one; the same content again changes nothing.
// REQUIRES: lines.size() == uuids.size(); every line is a JSON object.
void AddAccepted(AcceptedRecords& accepted, std::string_view origin,
                 const std::vector<std::string>& lines, const std::vector<std::string>& uuids);

// Checks replicas (node id -> the objects `cen-query --format json` printed)
// against `accepted`, assuming every record is global (each replica sees the
// whole journal):
//  - every accepted uuid is present exactly once, and nothing else is;
//  - `origin` is the submitting node, `version` the latest one; every field of
//    the latest submitted content is kept unchanged;
//  - gseq values are unique, within 1..J where J (the journal's length) is the
//    sum of the versions plus the receipts, and, with `receipt_gseqs` (the
//    gseqs of receipts, which reach only an alert's origin and are never
//    listed), dense 1..J when nothing was amended;
//  - a uuid's whole object is identical in every replica.
// Returns one line per problem found; empty means the replicas converged.
std::vector<std::string> FindReplicaProblems(
    const AcceptedRecords& accepted,
    const std::map<std::string, std::vector<nlohmann::json>>& replicas,
    const std::set<std::int64_t>& receipt_gseqs = {});

}  // namespace cen::e2e
