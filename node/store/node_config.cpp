#include "node/store/node_config.h"

#include <toml++/toml.h>

#include <fstream>

#include "common/curve_keys.h"
#include "common/log_limit.h"
#include "common/toml_field.h"

namespace cen::node {

common::Result<NodeConfig> NodeConfig::Load(const std::string& data_dir) {
  const std::string path = data_dir + "/node.toml";
  if (!std::ifstream(path))
    return common::NotFound(
        data_dir + " is not a node data directory (no node.toml); run: cen-node init --data " +
        data_dir + " ...");
  NodeConfig c;
  try {
    const toml::table t = toml::parse_file(path);
    // Each setting strictly: a wrong type or range is refused, named.
    using common::TomlField;
    for (const common::Status& read :
         {TomlField::CheckKnown(
              t, {"node_id", "hub", "hub_key", "region", "drop_dir", "on_alert", "on_hit", "window",
                  "batch", "max_log_mib", "rt_priority", "other_hubs"}),
          TomlField::Read(t, "node_id", c.node_id), TomlField::Read(t, "hub", c.hub_endpoint),
          TomlField::Read(t, "hub_key", c.hub_key), TomlField::Read(t, "region", c.region),
          TomlField::Read(t, "drop_dir", c.drop_dir), TomlField::Read(t, "on_alert", c.on_alert),
          TomlField::Read(t, "on_hit", c.on_hit),
          TomlField::Read(t, "window", c.window, 1, 1 << 20),
          TomlField::Read(t, "batch", c.batch, 1, 1 << 20)}) {
      if (!read.ok()) return common::InvalidInput(path + ": " + read.message());
    }
    auto rt_priority = common::RtPriority::Read(t);
    if (!rt_priority.ok())
      return common::InvalidInput(path + ": " + rt_priority.status().message());
    c.rt_priority = *rt_priority;
    auto log_limit = common::LogLimit::Read(t);
    if (!log_limit.ok()) return common::InvalidInput(path + ": " + log_limit.status().message());
    c.max_log_mib = *log_limit;
    const toml::node* others = t.get("other_hubs");
    if (others != nullptr &&
        !(others->is_array() && (others->as_array()->empty() || others->is_array_of_tables())))
      return common::InvalidInput(path +
                                  ": other_hubs: must be [[other_hubs]] tables, each with hub = "
                                  "\"tcp://HOST:PORT\" and its hub_key");
    if (others != nullptr) {
      for (const toml::node& n : *others->as_array()) {
        const toml::table& h = *n.as_table();
        HubAddress a;
        const std::string where = "other_hubs[" + std::to_string(c.other_hubs.size()) + "]";
        for (const common::Status& read :
             {TomlField::CheckKnown(h, {"hub", "hub_key"}), TomlField::Read(h, "hub", a.endpoint),
              TomlField::Read(h, "hub_key", a.key)}) {
          if (!read.ok()) return common::InvalidInput(path + ": " + where + ": " + read.message());
        }
        if (!common::TomlField::CheckEndpoint("hub", a.endpoint).ok() ||
            !common::CurveKeys::IsZ85Key(a.key)) {
          return common::InvalidInput(path + ": other_hubs[" + std::to_string(c.other_hubs.size()) +
                                      "]: needs hub = \"tcp://HOST:PORT\" and its hub_key");
        }
        c.other_hubs.push_back(std::move(a));
      }
    }
    // A relative drop folder lives in the data directory, wherever the agent starts.
    if (!c.drop_dir.empty() && c.drop_dir.front() != '/') c.drop_dir = data_dir + "/" + c.drop_dir;
  } catch (const toml::parse_error& e) {
    return common::TomlField::ParseError(path, e);
  }
  if (c.node_id.empty()) return common::InvalidInput(path + ": node_id: required");
  if (const common::Status s = common::TomlField::CheckEndpoint("hub", c.hub_endpoint); !s.ok())
    return common::InvalidInput(path + ": " + s.message());

  return c;
}

common::Status NodeConfig::CheckHubKey(const std::string& data_dir) const {
  if (common::CurveKeys::IsZ85Key(hub_key)) return common::Status::Ok();
  return common::InvalidInput(data_dir +
                              "/node.toml: hub_key: must be the hub's public key, 40 characters "
                              "of Z85 (cen-hub init printed it; it is the hub's curve.pub)");
}

common::Status NodeConfig::Save(const std::string& data_dir) const {
  const std::string path = data_dir + "/node.toml";
  std::ofstream out(path);
  toml::table t{{"node_id", node_id},         {"hub", hub_endpoint},       {"hub_key", hub_key},
                {"region", region},           {"window", window},          {"batch", batch},
                {"max_log_mib", max_log_mib}, {"rt_priority", rt_priority}};
  if (!drop_dir.empty()) t.insert("drop_dir", drop_dir);
  if (!on_alert.empty()) t.insert("on_alert", on_alert);
  if (!on_hit.empty()) t.insert("on_hit", on_hit);
  if (!other_hubs.empty()) {
    toml::array others;
    for (const HubAddress& a : other_hubs)
      others.push_back(toml::table{{"hub", a.endpoint}, {"hub_key", a.key}});
    t.insert("other_hubs", others);
  }
  out << "# cen-node configuration. Restart the agent after editing.\n" << t << "\n";
  return out.good() ? common::Status::Ok() : common::Internal("cannot write " + path);
}

std::string NodeConfig::FeedEndpoint(int feed_port) const {
  const size_t colon = hub_endpoint.rfind(':');
  return hub_endpoint.substr(0, colon) + ":" + std::to_string(feed_port);
}

}  // namespace cen::node
