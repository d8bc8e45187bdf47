#include "hub/node_states.h"

#include <utility>

#include "common/wire_frame.h"

namespace cen::hub {

using common::WireFrame;

common::Status NodeStates::Note(const std::string& node, const nlohmann::json& frame,
                                std::string seen_at, std::chrono::steady_clock::time_point heard) {
  int64_t counters[2] = {-1, -1};
  const char* keys[2] = {"replica_gseq", "outbox"};
  for (int i = 0; i < 2; ++i) {
    if (!frame.contains(keys[i])) continue;
    auto v = WireFrame::GetInt(frame, keys[i]);
    if (!v.ok()) return v.status();
    if (*v < 0)
      return common::InvalidInput(WireFrame::Type(frame) + " frame: \"" + keys[i] +
                                  "\" must be 0 or more, not " + std::to_string(*v));
    counters[i] = *v;
  }
  State& st = states_[node];
  if (counters[0] >= 0) st.replica_gseq = counters[0];
  if (counters[1] >= 0) st.outbox = counters[1];
  st.seen_at = std::move(seen_at);
  st.dirty = true;
  st.heard = heard;
  st.silent = false;
  return common::Status::Ok();
}

common::Status NodeStates::Flush(NodeRegistry& registry) {
  for (auto& [id, st] : states_) {
    if (!st.dirty) continue;
    CEN_RETURN_IF_ERROR(registry.RecordNodeState(id, st.seen_at, st.replica_gseq, st.outbox));
    st.dirty = false;
  }
  return common::Status::Ok();
}

std::vector<std::string> NodeStates::NewlySilent(std::chrono::steady_clock::time_point now,
                                                 std::chrono::steady_clock::duration silence) {
  std::vector<std::string> out;
  for (auto& [id, st] : states_) {
    if (st.silent || now - st.heard < silence) continue;
    st.silent = true;
    out.push_back(id);
  }
  return out;
}

size_t NodeStates::dirty() const {
  size_t n = 0;
  for (const auto& [id, st] : states_) n += st.dirty ? 1 : 0;
  return n;
}

}  // namespace cen::hub
