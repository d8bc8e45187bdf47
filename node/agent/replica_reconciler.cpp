#include "node/agent/replica_reconciler.h"

#include <spdlog/spdlog.h>

namespace cen::node {

common::Status ReplicaReconciler::OnWelcome(const std::string& epoch, int64_t head,
                                            const std::string& region) {
  if (replica_->epoch().empty()) {
    CEN_RETURN_IF_ERROR(replica_->SetEpoch(epoch));
  } else if (epoch != replica_->epoch() || head < replica_->cursor()) {
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
  if (!*known || replica_->cursor() == 0 || region.empty()) {
    // The first region heard of, a replica fetched from the start anyway,
    // or none (a node that left its region sees less, nothing more).
    if (*known != region) CEN_RETURN_IF_ERROR(replica_->SetKnownRegion(region));
  } else if (**known != region) {
    spdlog::warn(
        "the hub moved this node from region '{}' to region '{}': fetching the journal again "
        "from its start for the records of region {} journaled before (the records held stay "
        "in queries and are not applied twice)",
        **known, region, region);
    applier_->Clear();
    CEN_RETURN_IF_ERROR(replica_->Rewind(region));
  }
  auto lost = outbox_->RequeueAbove(head);
  if (!lost.ok()) return lost.status();
  if (*lost > 0) spdlog::warn("{} acked records are missing at the hub; sending them again", *lost);
  applier_->DropBeyond(head);
  return common::Status::Ok();
}

}  // namespace cen::node
