// What the hub puts on the feed after a commit: for every active node, one
// BATCH per run of at most 1000 new gseqs (and about 4 MiB) holding the
// records that node may see — the range still covers the others, so the node
// tells a withheld record from a lost one — and, before them, the commit's
// urgent and high alerts it may see on its priority topic (PRIORITY).
// Nodes that may see the same records get the same frame: it is encoded once
// and shared, not copied per node (most records are global).
//
//   FeedFanout fanout(&registry, &policy, &journal.reaches(), [&](const std::string& topic,
//                                             const FeedFanout::Frame& bytes) { Send(topic, bytes);
//                                             });
//   fanout.Commit(epoch, candidates, outcomes);  // after the journal commit
//   fanout.Heads(epoch, head);                   // the heartbeat
//
// Not thread-safe: used by the hub's thread.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hub/journal.h"
#include "hub/node_registry.h"
#include "hub/scope_policy.h"

namespace cen::hub {

class FeedFanout {
 public:
  // An encoded feed frame, shared by every topic it goes to.
  using Frame = std::shared_ptr<const std::string>;
  using PublishFn = std::function<void(const std::string& topic, const Frame& bytes)>;

  // `reaches`: the journal's (Journal::reaches()), read at each commit.
  FeedFanout(const NodeRegistry* registry, const ScopePolicy* policy, const ReachHistory* reaches,
             PublishFn publish)
      : registry_(registry), policy_(policy), reaches_(reaches), publish_(std::move(publish)) {}

  // `outcomes[i]` is the journal's verdict on `candidates[i]`; only kNew ones
  // go out: Priority(), then Batches().
  void Commit(std::string_view epoch, std::span<const Journal::Candidate> candidates,
              std::span<const Journal::Outcome> outcomes) const;
  // The commit's urgent and high alerts on each node's priority topic
  // (PRIORITY), urgent first. They may go ahead of bulk commits fanned out
  // later: a node applies them ahead of its cursor.
  void Priority(std::string_view epoch, std::span<const Journal::Candidate> candidates,
                std::span<const Journal::Outcome> outcomes) const;
  // The commit's gseqs on each node's bulk topic (BATCH), in order: after
  // the BATCHes of every commit journaled before it.
  void Batches(std::string_view epoch, std::span<const Journal::Candidate> candidates,
               std::span<const Journal::Outcome> outcomes) const;
  // A HEAD with the journal's head on every active node's feed topic.
  void Heads(std::string_view epoch, int64_t head) const;
  // The HEAD frame itself (also sent when a subscription is granted).
  static std::string HeadFrame(std::string_view epoch, int64_t head);

 private:
  // For each active node, what it gets of the records among `among` (each
  // as ReachHistory::ServeTo says; withdrawals only when `withdrawals`), and
  // `encode(those bodies)`, called once per distinct set.
  void ForEachNode(std::span<const Journal::Candidate> candidates,
                   std::span<const Journal::Outcome> outcomes, const std::vector<size_t>& among,
                   bool withdrawals,
                   const std::function<std::string(const std::vector<std::string_view>&)>& encode,
                   const std::function<void(const std::string& id, const Frame&)>& send) const;

  const NodeRegistry* registry_;  // not owned
  const ScopePolicy* policy_;     // not owned
  const ReachHistory* reaches_;   // not owned
  PublishFn publish_;
};

}  // namespace cen::hub
