#include "hub/fetch_server.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "common/msgpack_map.h"
#include "common/wire_frame.h"

namespace cen::hub {
namespace {

using common::WireFrame;
namespace frame = common::frame;
constexpr size_t kRecordsPerFrame = 500;

}  // namespace

common::Status FetchServer::Answer(const NodeInfo& node, const nlohmann::json& fetch,
                                   const ReplyFn& reply) const {
  auto from = WireFrame::GetInt(fetch, "from");
  auto max = WireFrame::GetInt(fetch, "max");
  if (!from.ok()) return common::InvalidInput(from.status().message());
  if (!max.ok()) return common::InvalidInput(max.status().message());
  const std::string lane = WireFrame::StringOr(fetch, "lane", "");
  if (!lane.empty() && lane != frame::kPriorityLane)
    return common::InvalidInput("lane: must be \"priority\" or absent");
  const bool priority_only = !lane.empty();
  // "id" is echoed in RECORDS and UPTO so the node can drop late answers.
  const int64_t request_id = WireFrame::IntOr(fetch, "id", 0);
  if (request_id < 0) return common::InvalidInput("id: must be 0 or more");
  const int64_t start = std::max<int64_t>(1, *from);
  const int limit = static_cast<int>(std::clamp<int64_t>(*max, 1, kMaxFetch));

  // Read first, send after: an error leaves nothing half-sent.
  std::vector<std::string> frames;
  std::vector<std::string> batch;
  size_t batch_bytes = 0;
  int rows = 0;
  auto flush = [&] {
    frames.push_back(WireFrame::EncodeRecords(frame::kRecords, batch, request_id));
    batch.clear();
    batch_bytes = 0;
  };
  const ReachHistory& reaches = journal_->reaches();
  const ReachHistory::MaySee may_see = [&](std::string_view scope, std::string_view origin) {
    return policy_->MaySee(node, scope, origin);
  };
  auto visit = [&](const Journal::Stored& s) {
    ++rows;
    // An update or cancel is no more than the alerts it names: read them
    // only while some record is kept.
    ReachHistory::Named named;
    reaches.ReadNamed(s.kind, s.body, &named);
    std::vector<std::string> bodies;
    switch (reaches.ServeTo(s.gseq, s.scope, s.origin, may_see, named.alerts, named.cancel)) {
      case ReachHistory::Serve::kNothing:
        return;
      case ReachHistory::Serve::kAlertWithdrawals:
        if (priority_only) return;  // withdrawals in gseq order only, as below
        if (auto body = reaches.AlertWithdrawal(s.gseq, named.alerts, may_see))
          bodies.push_back(std::move(*body));
        break;
      case ReachHistory::Serve::kWithdrawal:
        // In gseq order only: applied ahead of the cursor, a withdrawal
        // could be followed by the wider version it takes back.
        if (priority_only) return;
        bodies.push_back(named.uuid.empty()
                             ? reaches.Withdrawal(s.gseq, s.uuid, s.version)
                             : reaches.Withdrawal(s.gseq, named.uuid, named.version));
        break;
      case ReachHistory::Serve::kRow:
        bodies.push_back(s.body);
        break;
    }
    for (std::string& body : bodies) {
      if (!batch.empty() && batch_bytes + body.size() > frame::kMaxRecordBytesPerFrame) flush();
      batch_bytes += body.size();
      batch.push_back(std::move(body));
      if (batch.size() == kRecordsPerFrame) flush();
    }
  };
  auto last = priority_only ? journal_->ReadPriority(start, limit, visit)
                            : journal_->Read(start, limit, visit);
  if (!last.ok()) return last.status();
  if (!batch.empty()) flush();
  // Nothing read: everything up to the head (not beyond) has been answered.
  int64_t upto = *last >= start ? *last : std::min(start - 1, journal_->head());
  // The priority lanes are sparse: fewer rows than asked means none is left
  // up to the head.
  if (priority_only && rows < limit) upto = std::max(upto, journal_->head());
  nlohmann::json upto_frame = {
      {"t", frame::kUpto}, {"id", request_id},         {"from", start},
      {"upto", upto},      {"head", journal_->head()}, {"epoch", journal_->epoch()}};
  if (priority_only) upto_frame["lane"] = frame::kPriorityLane;
  frames.push_back(WireFrame::Encode(upto_frame));
  for (const auto& f : frames) reply(f);
  return common::Status::Ok();
}

}  // namespace cen::hub
