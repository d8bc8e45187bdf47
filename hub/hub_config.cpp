#include "hub/hub_config.h"

#include <toml++/toml.h>

#include <fstream>
#include <set>

#include "common/curve_keys.h"
#include "common/log_limit.h"
#include "common/tcp_endpoint.h"
#include "common/toml_field.h"

namespace cen::hub {

common::Result<HubConfig> HubConfig::Load(const std::string& data_dir) {
  const std::string path = data_dir + "/hub.toml";
  HubConfig c;
  try {
    const toml::table t = toml::parse_file(path);
    // Each setting strictly: a wrong type or range is refused, named.
    using common::TomlField;
    for (const common::Status& read :
         {TomlField::Read(t, "hub_id", c.hub_id), TomlField::Read(t, "bind", c.bind),
          TomlField::Read(t, "ingest_port", c.ingest_port, 1, 65535),
          TomlField::Read(t, "feed_port", c.feed_port, 1, 65535),
          TomlField::Read(t, "max_message_bytes", c.max_message_bytes, 1024, int64_t{1} << 31)}) {
      if (!read.ok()) return common::InvalidInput(path + ": " + read.message());
    }
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
    if (!common::IsTcpEndpoint(m.raft))
      return common::InvalidInput(where + ".raft: must be tcp://HOST:PORT");
    if (!common::IsTcpEndpoint(m.ingest))
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
