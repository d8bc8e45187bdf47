#include "node/agent/replica_reconciler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace cen::node {

common::Status ReplicaReconciler::OnWelcome(const std::string& epoch, int64_t head,
                                            const std::string& region,
                                            const std::optional<std::string>& groups) {
  if (replica_->epoch().empty()) {
    CEN_RETURN_IF_ERROR(replica_->SetEpoch(epoch));
  } else if (epoch != replica_->epoch() || head < replica_->cursor()) {
    if (std::exchange(announced_epoch_, epoch) != epoch)
      spdlog::warn(
          "the hub's epoch is {} (was {}), head {} (replica at {}): the hub was replaced or "
          "restored; rebuilding the replica and offering this node's records again",
          epoch, replica_->epoch(), head, replica_->cursor());
    // Own records first: if this fails the epoch still differs at the next
    // WELCOME and both steps run again (re-queueing twice is harmless).
    auto requeued = outbox_->RequeueAll();
    if (!requeued.ok()) return requeued.status();
    spdlog::info("{} own record versions queued again", *requeued);
    applier_->Clear();
    CEN_RETURN_IF_ERROR(replica_->Reset(epoch));
  }
  auto known = replica_->KnownRegion();
  if (!known.ok()) return known.status();
  auto known_groups = replica_->KnownGroups();
  if (!known_groups.ok()) return known_groups.status();
  // The first region or groups heard of (a new node, or a node.db from
  // before the hub said them) are only remembered, as is anything heard by
  // a replica fetched from the start anyway. A node that left its region or
  // a group sees less from now on, nothing more.
  const bool fetched_from_start = replica_->cursor() == 0;
  const bool moved = *known && !fetched_from_start && !region.empty() && **known != region;
  const std::vector<std::string> joined = groups && *known_groups && !fetched_from_start
                                              ? Joined(**known_groups, *groups)
                                              : std::vector<std::string>{};
  // A hub that does not say them leaves them as heard before, or unknown.
  const std::optional<std::string> groups_now = groups ? groups : *known_groups;
  if (moved || !joined.empty()) {
    std::string why;
    if (moved) why = "moved this node from region '" + **known + "' to region '" + region + "'";
    for (const std::string& name : joined)
      why += (why.empty() ? "added this node to group '" : ", added it to group '") + name + "'";
    spdlog::warn(
        "the hub {}: fetching the journal again from its start for the records it may see now "
        "that were journaled before (the records held stay in queries and are not applied "
        "twice)",
        why);
    applier_->Clear();
    CEN_RETURN_IF_ERROR(replica_->Rewind(region, groups_now));
  } else {
    if (*known != region) CEN_RETURN_IF_ERROR(replica_->SetKnownRegion(region));
    if (groups && *known_groups != *groups) CEN_RETURN_IF_ERROR(replica_->SetKnownGroups(*groups));
  }
  auto lost = outbox_->RequeueAbove(head);
  if (!lost.ok()) return lost.status();
  if (*lost > 0) spdlog::warn("{} acked records are missing at the hub; sending them again", *lost);
  applier_->DropBeyond(head);
  return common::Status::Ok();
}

std::vector<std::string> ReplicaReconciler::Joined(const std::string& before,
                                                   const std::string& now) {
  auto names = [](const std::string& joined) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < joined.size()) {
      const size_t comma = joined.find(',', start);
      const size_t end = comma == std::string::npos ? joined.size() : comma;
      if (end > start) out.push_back(joined.substr(start, end - start));
      start = end + 1;
    }
    return out;
  };
  const std::vector<std::string> had = names(before);
  auto held = [&](std::string_view group) {
    return std::find(had.begin(), had.end(), group) != had.end();
  };
  std::vector<std::string> out;
  for (const std::string& group : names(now)) {
    // NAME@SINCE: a membership; held as such, or as the bare NAME a hub that
    // did not say since when gave (the same membership, heard of before).
    const std::string name = group.substr(0, group.find('@'));
    if (!held(group) && !held(name)) out.push_back(name);
  }
  return out;
}

}  // namespace cen::node
