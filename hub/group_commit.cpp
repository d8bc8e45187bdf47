#include "hub/group_commit.h"

#include <spdlog/spdlog.h>

#include <iterator>
#include <map>
#include <utility>

#include "common/clock.h"
#include "common/wire_frame.h"

namespace cen::hub {

using common::WireFrame;
using nlohmann::json;
namespace frame = common::frame;

common::Status GroupCommit::Add(const std::string& routing_id, const std::string& node,
                                const common::MsgpackMap& publish,
                                const std::function<void()>& yield, size_t yield_every) {
  const msgpack::object* records = publish.Find("records");
  if (records == nullptr || records->type != msgpack::type::ARRAY)
    return common::Corruption(std::string(publish.TextOr("t", "")) +
                              " frame: \"records\" must be an array");
  Publish pending{routing_id, node, {}};
  for (uint32_t i = 0; i < records->via.array.size; ++i) {
    if (yield && i > 0 && i % yield_every == 0) yield();
    // Read in place: the record is checked and journaled without a JSON tree.
    const msgpack::object& rec = records->via.array.ptr[i];
    Publish::Slot slot;
    std::optional<common::MsgpackMap> map = publish.Share(rec);
    if (map) {
      slot.uuid = map->TextOr("uuid", "");
      slot.version = map->IntOr("version", 0);
    }
    common::RecordEdits edits;
    auto errors = parts_.validator->Validate(rec, &edits);
    if (errors.empty() && map) {
      const std::string_view scope = edits.TextOr(*map, "scope", "global");
      // Judged once a batch for each origin and scope (a drop of 200,000
      // rows has a handful), and logged once.
      auto key = std::make_pair(node, std::string(scope));
      auto known = scope_problems_.find(key);
      if (known == scope_problems_.end()) {
        std::string problem = parts_.policy->Unreachable(*parts_.registry, scope, node);
        // Once a batch, for a name the registry lacks: a group or an office
        // made a moment ago by cen-hub (not for one that reaches nobody else).
        if (!problem.empty() && parts_.reread &&
            !parts_.policy->Unnamed(*parts_.registry, scope).empty() &&
            !std::exchange(reread_, true)) {
          parts_.reread();
          scope_problems_.clear();
          problem = parts_.policy->Unreachable(*parts_.registry, scope, node);
        }
        if (!problem.empty())
          spdlog::warn("records from {} in this commit: scope: {}", node, problem);
        known = scope_problems_.emplace(std::move(key), problem).first;
      }
      // Journaled all the same (a record re-offered to a hub restored from
      // an older copy may name what its registry does not hold yet, and a
      // refusal would lose it for good): its ACK tells the origin.
      if (!known->second.empty()) slot.warning = "scope: " + known->second;
    }
    if (errors.empty() && map) {
      slot.candidate = static_cast<int>(candidates_.size());
      candidates_.emplace_back(node, std::move(*map), std::move(edits));
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
  auto part = CommitPart(nullptr);
  if (!part.ok()) return part.status();
  return Replies();
}

common::Result<GroupCommit::Part> GroupCommit::CommitPart(const std::function<bool()>& cut) {
  const std::string at = common::Clock::NowRfc3339();
  const size_t begin = outcomes_.size();
  if (candidates_.empty()) {
    // Rejections only: written with the next flush.
    NoteOutcomes(candidates_, outcomes_, RejectedByNode(), at, parts_.audit);
    finished_ = true;
    return Part{};
  }
  // The audit entries go into the journal's transaction: no second fsync.
  // Those of this part are written directly, so a rollback takes them back
  // with it; the ones queued before are queued again (Settle). The records
  // the validator refused are counted with the last part.
  const std::span<Journal::Candidate> rest = std::span(candidates_).subspan(begin);
  std::vector<Journal::Outcome> journaled;
  const common::Status s = parts_.journal->Append(
      rest, &journaled,
      [&](const std::vector<Journal::Outcome>& done) {
        CEN_RETURN_IF_ERROR(parts_.audit->WritePending(*parts_.db));
        AuditTrail accepted;
        const bool last = done.size() == rest.size();
        NoteOutcomes(rest.first(done.size()), done,
                     last ? RejectedByNode() : std::map<std::string, int64_t>{}, at, &accepted);
        return accepted.WritePending(*parts_.db);
      },
      at, cut);
  parts_.audit->Settle(s.ok());
  if (!s.ok()) return s;
  std::move(journaled.begin(), journaled.end(), std::back_inserter(outcomes_));
  finished_ = outcomes_.size() == candidates_.size();
  return Part{begin, outcomes_.size()};
}

std::string GroupCommit::Entry(const std::vector<ClusterCommand::AuditNote>& audit) const {
  return ClusterCommand::EncodeJournal(common::Clock::NowRfc3339(), candidates_, RejectedByNode(),
                                       audit);
}

std::vector<GroupCommit::Reply> GroupCommit::Applied(std::vector<Journal::Outcome> outcomes) {
  outcomes_ = std::move(outcomes);
  finished_ = true;
  return Replies();
}

std::vector<GroupCommit::Reply> GroupCommit::Replies() const {
  std::vector<Reply> replies;
  std::vector<WireFrame::AckEntry> acks;
  for (const Publish& p : publishes_) {
    acks.clear();
    for (const auto& slot : p.slots) acks.push_back(AckOf(slot));
    replies.push_back({p.routing_id, WireFrame::EncodeAck(acks)});
  }
  return replies;
}

WireFrame::AckEntry GroupCommit::AckOf(const Publish::Slot& slot) const {
  WireFrame::AckEntry a;
  a.uuid = slot.uuid;
  a.version = slot.version;
  if (slot.candidate < 0) {
    a.status = "REJECTED";
    a.reason = slot.reason;
    return a;
  }
  const auto i = static_cast<size_t>(slot.candidate);
  const Journal::Outcome& o = outcomes_[i];
  if (o.verdict == Journal::Verdict::kRejected) {
    a.status = "REJECTED";
    a.reason = o.reason;
    return a;
  }
  a.status = o.verdict == Journal::Verdict::kNew ? "NEW" : "DUP";
  a.gseq = o.gseq;
  if (!slot.warning.empty()) a.warning = slot.warning;
  const Journal::Candidate& c = candidates_[i];
  if (c.Text("kind") == "alert" && c.Text("msg_type") != "cancel") {
    // Who should receive it: the origin's `cen-query receipts` lists them
    // (an update's, for its own delivered receipts: it may be scoped
    // narrower than its alert).
    a.audience =
        parts_.policy->Audience(*parts_.registry, std::string(c.Text("scope", "global")), c.origin);
  }
  return a;
}

std::map<std::string, int64_t> GroupCommit::RejectedByNode() const {
  std::map<std::string, int64_t> rejected;
  for (const auto& p : publishes_) {
    for (const auto& slot : p.slots) {
      if (slot.candidate < 0) ++rejected[p.node];
    }
  }
  return rejected;
}

void GroupCommit::NoteOutcomes(std::span<const Journal::Candidate> candidates,
                               std::span<const Journal::Outcome> outcomes,
                               const std::map<std::string, int64_t>& rejected,
                               const std::string& at, AuditTrail* to) {
  struct Tally {
    int64_t fresh = 0, duplicate = 0, rejected = 0, first = 0, last = 0;
  };
  std::map<std::string, Tally> by_node;
  for (const auto& [node, count] : rejected) by_node[node].rejected += count;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const Journal::Candidate& c = candidates[i];
    Tally& t = by_node[c.origin];
    const auto& o = outcomes[i];
    if (c.Text("kind") == "decision" && o.verdict != Journal::Verdict::kDuplicate) {
      // Every decision, and every refusal of one, is in the audit trail.
      std::string what = std::string(c.Text("decision")) + " " + std::string(c.Text("record")) +
                         " version " + std::to_string(c.record.IntOr("record_version", 0));
      to->NoteAt(at, AuditTrail::kDecision, c.origin,
                 o.verdict == Journal::Verdict::kNew
                     ? what + " (gseq " + std::to_string(o.gseq) + ")"
                     : "refused: " + what + ": " + o.reason);
    }
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
    to->NoteAt(at, AuditTrail::kAccepted, node, std::move(detail));
  }
}

void GroupCommit::LogCommit(size_t records, size_t publishes,
                            std::chrono::steady_clock::time_point started, bool cut) {
  if (records == 0) return;
  spdlog::debug("group commit: {} records from {} PUBLISH frames in {} us{}", records, publishes,
                std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count(),
                cut ? " (cut short: priority frames wait)" : "");
}

}  // namespace cen::hub
