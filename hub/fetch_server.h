// Answers a node's FETCH from the journal: RECORDS frames (at most 500
// records and about 4 MiB each) holding what the node may see, then one UPTO
// that accounts for every gseq scanned (PROTOCOL.md §5 FETCH). With
// `lane: "priority"` it scans only urgent and high alerts.
//
//   FetchServer fetch(&journal, &policy);
//   Status s = fetch.Answer(node, frame, [&](const std::string& bytes) { Reply(bytes); });
//   // kInvalidInput: ERROR bad_frame with s.message(); other errors: ERROR internal
//
// Not thread-safe: used by the hub's thread.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "hub/journal.h"
#include "hub/node_registry.h"
#include "hub/scope_policy.h"

namespace cen::hub {

class FetchServer {
 public:
  using ReplyFn = std::function<void(const std::string& bytes)>;
  static constexpr int kMaxFetch = 5000;  // gseqs (or priority records) per answer

  FetchServer(Journal* journal, const ScopePolicy* policy) : journal_(journal), policy_(policy) {}

  // Sends the answer to `fetch` (a decoded FETCH frame) through `reply`.
  // On an error nothing was sent.
  common::Status Answer(const NodeInfo& node, const nlohmann::json& fetch,
                        const ReplyFn& reply) const;

 private:
  Journal* journal_;           // not owned
  const ScopePolicy* policy_;  // not owned
};

}  // namespace cen::hub
