#include "tests/e2e/replica_check.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <set>

namespace cen::e2e {
namespace {

// Keeps messages readable when a replica is far off: the first few of a kind.
class ProblemList {
 public:
  explicit ProblemList(std::vector<std::string>& out) : out_(out) {}
  void Add(const std::string& replica, const std::string& kind, const std::string& detail) {
    const int seen = ++count_[replica + "/" + kind];
    if (seen <= kPerKind) out_.push_back(replica + ": " + kind + ": " + detail);
  }
  void Summarise() {
    for (const auto& [key, count] : count_) {
      if (count > kPerKind) {
        out_.push_back(key + ": " + std::to_string(count - kPerKind) + " more not shown (" +
                       std::to_string(count) + " in all)");
      }
    }
  }

 private:
  static constexpr int kPerKind = 5;
  std::vector<std::string>& out_;
  std::map<std::string, int> count_;
};

std::string Short(const nlohmann::json& value) {
  std::string text = value.dump();
  if (text.size() > 300) text = text.substr(0, 300) + "...";
  return text;
}

}  // namespace

void AddAccepted(AcceptedRecords& accepted, std::string_view origin,
                 const std::vector<std::string>& lines, const std::vector<std::string>& uuids) {
  assert(lines.size() == uuids.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    nlohmann::json content = nlohmann::json::parse(lines[i]);
    const auto [it, inserted] =
        accepted.try_emplace(uuids[i], AcceptedRecord{std::string(origin), content, 1});
    if (!inserted && it->second.submitted != content) {
      it->second.submitted = std::move(content);
      ++it->second.version;
    }
  }
}

std::vector<std::string> FindReplicaProblems(
    const AcceptedRecords& accepted,
    const std::map<std::string, std::vector<nlohmann::json>>& replicas,
    const std::set<std::int64_t>& receipt_gseqs) {
  std::vector<std::string> out;
  ProblemList problems(out);
  // uuid -> (first replica that holds it, its object there)
  std::map<std::string, std::pair<std::string, nlohmann::json>> reference;

  for (const auto& [node, records] : replicas) {
    std::map<std::string, int> copies;
    std::vector<std::int64_t> gseqs;
    for (const auto& record : records) {
      if (!record.is_object() || !record.contains("uuid") || !record["uuid"].is_string()) {
        problems.Add(node, "record without a string uuid", Short(record));
        continue;
      }
      const std::string uuid = record["uuid"].get<std::string>();
      if (++copies[uuid] > 1) {
        problems.Add(node, "uuid present more than once", uuid);
        continue;
      }
      if (record.contains("gseq") && record["gseq"].is_number_integer()) {
        gseqs.push_back(record["gseq"].get<std::int64_t>());
      } else {
        problems.Add(node, "no integer gseq", Short(record));
      }
      const auto it = accepted.find(uuid);
      if (it == accepted.end()) {
        problems.Add(node, "record that was never accepted (or not for this replica)",
                     Short(record));
        continue;
      }
      const AcceptedRecord& expected = it->second;
      if (record.value("origin", nlohmann::json()) != expected.origin) {
        problems.Add(node, "wrong origin",
                     uuid + " has " + record.value("origin", nlohmann::json()).dump() +
                         ", submitted by " + expected.origin);
      }
      if (record.value("version", nlohmann::json()) != expected.version) {
        problems.Add(node, "wrong version",
                     uuid + " has " + record.value("version", nlohmann::json()).dump() +
                         ", expected " + std::to_string(expected.version));
      }
      for (const auto& [field, value] : expected.submitted.items()) {
        if (!record.contains(field) || record[field] != value) {
          problems.Add(node, "field changed on the way",
                       uuid + " ." + field + ": submitted " + Short(value) + ", replica has " +
                           (record.contains(field) ? Short(record[field]) : "nothing"));
        }
      }
      const auto [ref, inserted] = reference.try_emplace(uuid, node, record);
      if (!inserted && ref->second.second != record) {
        problems.Add(node, "content differs between replicas",
                     uuid + ": " + ref->second.first + " has " + Short(ref->second.second) + "; " +
                         node + " has " + Short(record) + "; diff " +
                         Short(nlohmann::json::diff(ref->second.second, record)));
      }
    }
    for (const auto& [uuid, want] : accepted) {
      if (copies.count(uuid) == 0) {
        problems.Add(node, "accepted record missing",
                     uuid + " from " + want.origin + " ref " + want.submitted.value("ref", ""));
      }
    }
    std::sort(gseqs.begin(), gseqs.end());
    const std::set<std::int64_t> distinct(gseqs.begin(), gseqs.end());
    if (distinct.size() != gseqs.size()) {
      problems.Add(node, "gseq not unique",
                   std::to_string(gseqs.size() - distinct.size()) + " duplicate values");
    }
    // Each replica sees the whole journal: J entries, one per version.
    std::int64_t journal = static_cast<std::int64_t>(receipt_gseqs.size());
    for (const auto& [uuid, want] : accepted) journal += want.version;
    const bool amended =
        journal != static_cast<std::int64_t>(accepted.size() + receipt_gseqs.size());
    if (!distinct.empty() && (*distinct.begin() < 1 || *distinct.rbegin() > journal)) {
      problems.Add(node, "gseq out of range",
                   "seen " + std::to_string(*distinct.begin()) + ".." +
                       std::to_string(*distinct.rbegin()) + ", journal 1.." +
                       std::to_string(journal));
    }
    if (!amended) {
      std::int64_t contiguous = 0;  // 1..contiguous are all present
      while (contiguous < journal &&
             (distinct.count(contiguous + 1) != 0 || receipt_gseqs.count(contiguous + 1) != 0))
        ++contiguous;
      if (contiguous != journal) {
        problems.Add(node, "gseq not dense 1..N",
                     "N = " + std::to_string(journal) + "; 1.." + std::to_string(contiguous) +
                         " present, gap at " + std::to_string(contiguous + 1));
      }
    }
  }
  problems.Summarise();
  return out;
}

}  // namespace cen::e2e
