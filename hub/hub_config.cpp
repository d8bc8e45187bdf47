#include "hub/hub_config.h"

#include <toml++/toml.h>

#include <fstream>
#include <set>

#include "common/curve_keys.h"
#include "common/log_limit.h"
#include "common/toml_field.h"

namespace cen::hub {

common::Result<HubConfig> HubConfig::Load(const std::string& data_dir) {
  const std::string path = data_dir + "/hub.toml";
  HubConfig c;
  try {
    const toml::table t = toml::parse_file(path);
    // Each setting strictly: a wrong type or range is refused, named.
    const auto refused = [&](const common::Status& s) {
      return common::InvalidInput(path + ": " + s.message());
    };
    auto hub_id = common::TomlField::Text(t, "hub_id", c.hub_id);
    if (!hub_id.ok()) return refused(hub_id.status());
    c.hub_id = *hub_id;
    auto bind = common::TomlField::Text(t, "bind", c.bind);
    if (!bind.ok()) return refused(bind.status());
    c.bind = *bind;
    auto ingest = common::TomlField::Int(t, "ingest_port", c.ingest_port, 1, 65535);
    if (!ingest.ok()) return refused(ingest.status());
    c.ingest_port = static_cast<int>(*ingest);
    auto feed = common::TomlField::Int(t, "feed_port", c.feed_port, 1, 65535);
    if (!feed.ok()) return refused(feed.status());
    c.feed_port = static_cast<int>(*feed);
    auto message =
        common::TomlField::Int(t, "max_message_bytes", c.max_message_bytes, 1024, int64_t{1} << 31);
    if (!message.ok()) return refused(message.status());
    c.max_message_bytes = *message;
    auto log_limit = common::LogLimit::Read(t);
    if (!log_limit.ok()) return common::InvalidInput(path + ": " + log_limit.status().message());
    c.max_log_mib = *log_limit;
    auto rt_priority = common::RtPriority::Read(t);
    if (!rt_priority.ok())
      return common::InvalidInput(path + ": " + rt_priority.status().message());
    c.rt_priority = *rt_priority;
    if (const toml::table* cluster = t["cluster"].as_table()) {
      c.cluster_member = (*cluster)["member"].value_or(int64_t{0});
      c.snapshot_every = (*cluster)["snapshot_every"].value_or(c.snapshot_every);
      c.log_kept = (*cluster)["log_kept"].value_or(c.log_kept);
      const toml::node_view<const toml::node> election = (*cluster)["election_timeout_ms"];
      if (election && !election.is_integer())
        return common::InvalidInput(path +
                                    ": election_timeout_ms: must be an integer (milliseconds)");
      c.election_timeout_ms = election.value_or(c.election_timeout_ms);
      c.cluster_join = (*cluster)["join"].value_or(false);
      if (const toml::array* members = (*cluster)["members"].as_array()) {
        for (const toml::node& n : *members) {
          const toml::table* m = n.as_table();
          if (m == nullptr) continue;
          c.cluster_members.push_back(
              {(*m)["id"].value_or(int64_t{0}), (*m)["raft"].value_or(std::string()),
               (*m)["ingest"].value_or(std::string()), (*m)["key"].value_or(std::string())});
        }
      }
      if (const common::Status s = c.CheckCluster(); !s.ok())
        return common::InvalidInput(path + ": [cluster]: " + s.message());
    }
  } catch (const toml::parse_error& e) {
    if (!std::ifstream(path)) {
      return common::NotFound(
          data_dir + " is not a hub data directory (no hub.toml); run: cen-hub init --data " +
          data_dir);
    }
    return common::InvalidInput(path + ":" + std::to_string(e.source().begin.line) + ": " +
                                std::string(e.description()));
  }
  return c;
}

common::Status HubConfig::Save(const std::string& data_dir) const {
  const std::string path = data_dir + "/hub.toml";
  std::ofstream out(path);
  if (!out) return common::Internal("cannot write " + path);
  toml::table t{{"hub_id", hub_id},
                {"bind", bind},
                {"ingest_port", ingest_port},
                {"feed_port", feed_port},
                {"max_message_bytes", max_message_bytes},
                {"max_log_mib", max_log_mib},
                {"rt_priority", rt_priority}};
  if (clustered()) {
    toml::array members;
    for (const ClusterMemberConfig& m : cluster_members) {
      members.push_back(
          toml::table{{"id", m.id}, {"raft", m.raft}, {"ingest", m.ingest}, {"key", m.key}});
    }
    t.insert("cluster", toml::table{{"member", cluster_member},
                                    {"snapshot_every", snapshot_every},
                                    {"log_kept", log_kept},
                                    {"election_timeout_ms", election_timeout_ms},
                                    {"join", cluster_join},
                                    {"members", members}});
  }
  out << "# cen-hub configuration. Restart the hub after editing.\n" << t << "\n";
  return out.good() ? common::Status::Ok() : common::Internal("cannot write " + path);
}

}  // namespace cen::hub

namespace cen::hub {

bool IsTcpEndpoint(std::string_view endpoint) {
  constexpr std::string_view kScheme = "tcp://";
  if (endpoint.substr(0, kScheme.size()) != kScheme) return false;
  const std::string_view rest = endpoint.substr(kScheme.size());
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size()) return false;
  for (char c : rest) {
    if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f) return false;
  }
  int port = 0;
  for (char c : rest.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return false;
    port = port * 10 + (c - '0');
  }
  return port >= 1 && port <= 65535;
}

const ClusterMemberConfig& HubConfig::self() const {
  for (const ClusterMemberConfig& m : cluster_members) {
    if (m.id == cluster_member) return m;
  }
  return cluster_members.front();  // unreachable once CheckCluster() passed
}

common::Status HubConfig::CheckCluster() const {
  if (cluster_member < 1) return common::InvalidInput("member: must be this member's id, >= 1");
  if (snapshot_every < 2 || snapshot_every > 1000000)
    return common::InvalidInput("snapshot_every: must be 2 to 1000000 entries");
  if (log_kept < 0 || log_kept > 1000000)
    return common::InvalidInput("log_kept: must be 0 to 1000000 entries");
  if (election_timeout_ms < 200 || election_timeout_ms > 60000)
    return common::InvalidInput("election_timeout_ms: must be 200 to 60000 milliseconds");
  std::set<int64_t> ids;
  std::set<std::string> keys;
  bool self_listed = false;
  for (size_t i = 0; i < cluster_members.size(); ++i) {
    const ClusterMemberConfig& m = cluster_members[i];
    const std::string where = "members[" + std::to_string(i) + "]";
    if (m.id < 1) return common::InvalidInput(where + ".id: must be >= 1");
    if (!ids.insert(m.id).second)
      return common::InvalidInput(where + ".id: " + std::to_string(m.id) + " is listed twice");
    if (!IsTcpEndpoint(m.raft))
      return common::InvalidInput(where + ".raft: must be tcp://HOST:PORT");
    if (!IsTcpEndpoint(m.ingest))
      return common::InvalidInput(where + ".ingest: must be tcp://HOST:PORT");
    if (!common::CurveKeys::IsZ85Key(m.key))
      return common::InvalidInput(where +
                                  ".key: must be a CURVE public key (40 characters of Z85)");
    if (!keys.insert(m.key).second)
      return common::InvalidInput(where + ".key: another member has it (each member its own)");
    self_listed = self_listed || m.id == cluster_member;
  }
  if (!self_listed)
    return common::InvalidInput("member: " + std::to_string(cluster_member) +
                                " is not among the members");
  return common::Status::Ok();
}

}  // namespace cen::hub
