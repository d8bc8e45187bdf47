#include "hub/hub_config.h"

#include <toml++/toml.h>

#include <fstream>

namespace cen::hub {

common::Result<HubConfig> HubConfig::Load(const std::string& data_dir) {
  const std::string path = data_dir + "/hub.toml";
  HubConfig c;
  try {
    const toml::table t = toml::parse_file(path);
    c.hub_id = t["hub_id"].value_or(c.hub_id);
    c.bind = t["bind"].value_or(c.bind);
    c.ingest_port = t["ingest_port"].value_or(c.ingest_port);
    c.feed_port = t["feed_port"].value_or(c.feed_port);
    c.max_message_bytes = t["max_message_bytes"].value_or(c.max_message_bytes);
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
                {"max_message_bytes", max_message_bytes}};
  out << "# cen-hub configuration. Restart the hub after editing.\n" << t << "\n";
  return out.good() ? common::Status::Ok() : common::Internal("cannot write " + path);
}

}  // namespace cen::hub
