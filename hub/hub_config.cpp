#include "hub/hub_config.h"

#include <toml++/toml.h>

#include <fstream>
#include <limits>
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
         {TomlField::CheckKnown(t, {"hub_id", "bind", "ingest_port", "feed_port",
                                    "max_message_bytes", "max_log_mib", "rt_priority", "cluster"}),
          TomlField::Read(t, "hub_id", c.hub_id), TomlField::Read(t, "bind", c.bind),
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
    if (const toml::node* section = t.get("cluster"); section && !section->is_table())
      return common::InvalidInput(path + ": cluster: must be a [cluster] table");
    if (const toml::table* cluster = t["cluster"].as_table()) {
      // Types here; ranges in CheckCluster(), which words them.
      constexpr int64_t kAny = std::numeric_limits<int64_t>::max();
      for (const common::Status& read :
           {TomlField::CheckKnown(*cluster, {"member", "snapshot_every", "log_kept",
                                             "election_timeout_ms", "join", "members"}),
            TomlField::Read(*cluster, "member", c.cluster_member, -kAny, kAny),
            TomlField::Read(*cluster, "snapshot_every", c.snapshot_every, -kAny, kAny),
            TomlField::Read(*cluster, "log_kept", c.log_kept, -kAny, kAny),
            TomlField::Read(*cluster, "join", c.cluster_join)}) {
        if (!read.ok()) return common::InvalidInput(path + ": [cluster]: " + read.message());
      }
      const toml::node_view<const toml::node> election = (*cluster)["election_timeout_ms"];
      if (election && !election.is_integer())
        return common::InvalidInput(path +
                                    ": election_timeout_ms: must be an integer (milliseconds)");
      c.election_timeout_ms = election.value_or(c.election_timeout_ms);
      const toml::node* members = cluster->get("members");
      if (members != nullptr &&
          !(members->is_array() && (members->as_array()->empty() || members->is_array_of_tables())))
        return common::InvalidInput(path +
                                    ": [cluster]: members: must be [[cluster.members]] tables");
      if (members != nullptr) {
        for (const toml::node& n : *members->as_array()) {
          const toml::table& m = *n.as_table();
          ClusterMemberConfig member;
          const std::string where =
              "[cluster]: members[" + std::to_string(c.cluster_members.size()) + "]";
          for (const common::Status& read :
               {TomlField::CheckKnown(m, {"id", "raft", "ingest", "key"}),
                TomlField::Read(m, "id", member.id, -kAny, kAny),
                TomlField::Read(m, "raft", member.raft),
                TomlField::Read(m, "ingest", member.ingest),
                TomlField::Read(m, "key", member.key)}) {
            if (!read.ok())
              return common::InvalidInput(path + ": " + where + ": " + read.message());
          }
          c.cluster_members.push_back(std::move(member));
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
    return common::TomlField::ParseError(path, e);
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
