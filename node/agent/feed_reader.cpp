#include "node/agent/feed_reader.h"

#include <vector>

#include "common/msgpack_map.h"
#include "common/wire_frame.h"

namespace cen::node {

namespace frame = common::frame;
using common::MsgpackMap;

FeedReader::Seen FeedReader::OnBulk(zmq::message_t message,
                                    std::chrono::steady_clock::time_point now) {
  auto f = MsgpackMap::DecodeOwned(std::move(message));
  if (!f.ok()) return Seen::kNothing;
  const std::string_view type = f->TextOr("t", "");
  if (type == frame::kHead) {
    if (auto h = f->Int("head")) fetches_->NoteHead(*h);
    if (auto e = f->Text("epoch"); e && !replica_->epoch().empty() && *e != replica_->epoch())
      return Seen::kOtherEpoch;
    return Seen::kHead;
  }
  if (type != frame::kBatch) return Seen::kNothing;
  fetches_->NoteFeed(now);  // heartbeats alone leave the feed silent
  if (f->TextOr("epoch", "") != replica_->epoch()) return Seen::kOtherEpoch;
  auto first = f->Int("first");
  auto last = f->Int("last");
  const msgpack::object* records = f->Find("records");
  if (!first || !last || records == nullptr || records->type != msgpack::type::ARRAY ||
      *last < *first)
    return Seen::kNothing;
  if (*last <= replica_->cursor()) return Seen::kNothing;
  fetches_->NoteHead(*last);
  std::vector<MsgpackMap> visible = f->Maps("records");
  std::erase_if(visible, [&](const MsgpackMap& r) {
    const int64_t g = r.IntOr("gseq", 0);
    return g < *first || g > *last;
  });
  applier_->AddRange(*first, *last, std::move(visible));
  return Seen::kBatch;
}

FeedReader::Seen FeedReader::OnPriority(zmq::message_t message) {
  auto f = MsgpackMap::DecodeOwned(std::move(message));
  if (!f.ok() || f->TextOr("epoch", "") != replica_->epoch()) return Seen::kNothing;
  const std::string_view type = f->TextOr("t", "");
  if (type == frame::kHead) return Seen::kGranted;
  if (type != frame::kPriority) return Seen::kNothing;
  applier_->AddPriority(f->Maps("records"));
  return Seen::kPriority;
}

}  // namespace cen::node
