#include "hub/group_commit.h"

#include <spdlog/spdlog.h>

#include <map>
#include <utility>

#include "common/wire_frame.h"

namespace cen::hub {

using common::WireFrame;
using nlohmann::json;
namespace frame = common::frame;

common::Status GroupCommit::Add(const std::string& routing_id, const std::string& node,
                                json& publish, const std::function<void()>& yield,
                                size_t yield_every) {
  auto records = WireFrame::TakeArray(publish, "records");
  if (!records.ok()) return records.status();
  Publish pending{routing_id, node, {}};
  for (size_t i = 0; i < records->size(); ++i) {
    if (yield && i > 0 && i % yield_every == 0) yield();
    json& rec = (*records)[i];
    Publish::Slot slot;
    if (rec.is_object()) {
      if (auto u = rec.find("uuid"); u != rec.end() && u->is_string()) slot.uuid = *u;
      if (auto v = rec.find("version"); v != rec.end() && v->is_number_integer())
        slot.version = v->get<int64_t>();
    }
    const auto errors = parts_.validator->Validate(rec);
    if (errors.empty()) {
      slot.candidate = static_cast<int>(candidates_.size());
      candidates_.push_back({node, std::move(rec)});
    } else {
      for (const auto& e : errors) {
        if (!slot.reason.empty()) slot.reason += "; ";
        slot.reason += e.field + ": " + e.reason;
      }
      spdlog::warn("rejected record {} from {}: {}", slot.uuid, node, slot.reason);
    }
    pending.slots.push_back(std::move(slot));
  }
  publishes_.push_back(std::move(pending));
  return common::Status::Ok();
}

common::Result<std::vector<GroupCommit::Reply>> GroupCommit::Commit() {
  outcomes_.clear();
  if (candidates_.empty()) {
    NoteAccepted(outcomes_, parts_.audit);  // rejections only: written with the next flush
  } else {
    // The audit entries go into the journal's transaction: no second fsync.
    // Those of this commit are written directly, so a rollback takes them
    // back with it; the ones queued before are queued again (Settle).
    const common::Status s = parts_.journal->Append(
        candidates_, &outcomes_, [&](const std::vector<Journal::Outcome>& done) {
          CEN_RETURN_IF_ERROR(parts_.audit->WritePending(*parts_.db));
          AuditTrail accepted;
          NoteAccepted(done, &accepted);
          return accepted.WritePending(*parts_.db);
        });
    parts_.audit->Settle(s.ok());
    if (!s.ok()) {
      outcomes_.clear();
      return s;
    }
  }
  std::vector<Reply> replies;
  for (const Publish& p : publishes_) {
    json acks = json::array();
    for (const auto& slot : p.slots) acks.push_back(AckOf(slot));
    replies.push_back({p.routing_id, WireFrame::Encode({{"t", frame::kAck}, {"acks", acks}})});
  }
  return replies;
}

json GroupCommit::AckOf(const Publish::Slot& slot) const {
  json a = {{"uuid", slot.uuid}, {"version", slot.version}};
  if (slot.candidate < 0) {
    a["status"] = "REJECTED";
    a["reason"] = slot.reason;
    return a;
  }
  const auto i = static_cast<size_t>(slot.candidate);
  const Journal::Outcome& o = outcomes_[i];
  if (o.verdict == Journal::Verdict::kRejected) {
    a["status"] = "REJECTED";
    a["reason"] = o.reason;
    return a;
  }
  a["status"] = o.verdict == Journal::Verdict::kNew ? "NEW" : "DUP";
  a["gseq"] = o.gseq;
  const json& rec = candidates_[i].record;
  if (rec.value("kind", "") == "alert" && rec.value("msg_type", "") == "alert") {
    // Who should receive it: the origin's `cen-query receipts` lists them.
    a["audience"] = parts_.policy->Audience(*parts_.registry, rec.value("scope", "global"),
                                            candidates_[i].origin);
  }
  return a;
}

void GroupCommit::NoteAccepted(const std::vector<Journal::Outcome>& outcomes,
                               AuditTrail* to) const {
  struct Tally {
    int64_t fresh = 0, duplicate = 0, rejected = 0, first = 0, last = 0;
  };
  std::map<std::string, Tally> by_node;
  for (const auto& p : publishes_) {
    for (const auto& slot : p.slots) {
      if (slot.candidate < 0) ++by_node[p.node].rejected;
    }
  }
  for (size_t i = 0; i < outcomes.size(); ++i) {
    Tally& t = by_node[candidates_[i].origin];
    const auto& o = outcomes[i];
    if (o.verdict == Journal::Verdict::kRejected) {
      ++t.rejected;
    } else if (o.verdict == Journal::Verdict::kDuplicate) {
      ++t.duplicate;
    } else {
      if (t.fresh++ == 0) t.first = o.gseq;
      t.last = o.gseq;
    }
  }
  for (const auto& [node, t] : by_node) {
    std::string detail = std::to_string(t.fresh) + " new";
    if (t.fresh > 0)
      detail += " (gseq " + std::to_string(t.first) + ".." + std::to_string(t.last) + ")";
    detail += ", " + std::to_string(t.duplicate) + " duplicate, " + std::to_string(t.rejected) +
              " rejected";
    to->Note(AuditTrail::kAccepted, node, std::move(detail));
  }
}

}  // namespace cen::hub
