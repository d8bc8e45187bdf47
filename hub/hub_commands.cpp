#include "hub/hub_commands.h"

#include <spdlog/spdlog.h>

#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>

#include "common/curve_keys.h"
#include "common/data_dir.h"
#include "common/node_id.h"
#include "hub/hub_config.h"
#include "hub/hub_schema.h"
#include "hub/hub_server.h"
#include "hub/node_registry.h"

namespace cen::hub {

common::Status HubCommands::Init(const InitOptions& o, std::ostream& out) {
  if (!common::NodeId::IsValid(o.hub_id))
    return common::UsageError("--hub-id: letters, digits, _ - . only");
  for (int port : {o.ingest_port, o.feed_port}) {
    if (port < 1 || port > 65535) return common::UsageError("ports must be 1..65535");
  }
  if (o.ingest_port == o.feed_port)
    return common::UsageError("--ingest-port and --feed-port must differ");
  CEN_RETURN_IF_ERROR(common::DataDir::CreateFresh(o.data_dir, "hub.db", "a hub"));

  HubConfig config;
  config.hub_id = o.hub_id;
  config.bind = o.bind;
  config.ingest_port = o.ingest_port;
  config.feed_port = o.feed_port;
  auto keys = common::CurveKeys::Generate();
  if (!keys.ok()) return keys.status();
  CEN_RETURN_IF_ERROR(keys->Save(o.data_dir));
  CEN_RETURN_IF_ERROR(config.Save(o.data_dir));
  auto db = common::Database::Open(HubSchema::DbPath(o.data_dir),
                                   common::Database::Mode::kReadWriteCreate);
  if (!db.ok()) return db.status();
  CEN_RETURN_IF_ERROR(HubSchema::Create(*db));
  out << keys->public_key() << "\n";
  return common::Status::Ok();
}

common::Status HubCommands::Allow(const AllowOptions& o, std::ostream& out) {
  if (!common::NodeId::IsValid(o.node_id))
    return common::UsageError("--node: '" + o.node_id +
                              "' is not a node id (letters, digits, _ - ., at most 64)");
  if (!o.region.empty() && !common::NodeId::IsValid(o.region))
    return common::UsageError("--region: '" + o.region + "' is not a region code");
  auto key = common::CurveKeys::ParsePublicKey(o.key);
  if (!key.ok()) return key.status();
  auto db = HubSchema::Open(o.data_dir);
  if (!db.ok()) return db.status();
  NodeRegistry registry(&*db);
  CEN_RETURN_IF_ERROR(registry.Allow({o.node_id, *key, o.region}));
  out << "allowed node " << o.node_id << (o.region.empty() ? "" : " in region " + o.region) << "\n";
  return common::Status::Ok();
}

common::Status HubCommands::Run(const std::string& data_dir, const std::atomic<bool>& stop) {
  HubServer server(data_dir);
  return server.Run(stop);
}

common::Status HubCommands::Status(const StatusOptions& o, std::ostream& out) {
  auto db = HubSchema::OpenReadOnly(o.data_dir);
  if (!db.ok()) return db.status();
  auto head = db->QueryInt("SELECT max(gseq) FROM journal");
  if (!head.ok()) return head.status();
  const int64_t h = head->value_or(0);
  auto stmt = db->Prepare(
      "SELECT id, coalesce(region,''), coalesce(last_seen,''), replica_gseq, outbox, pubkey "
      "FROM nodes ORDER BY id");
  if (!stmt.ok()) return stmt.status();
  auto epoch = db->Prepare("SELECT value FROM meta WHERE key='epoch'");
  if (!epoch.ok()) return epoch.status();
  std::string epoch_text;
  if (auto row = epoch->Step(); row.ok() && *row) epoch_text = epoch->ColumnText(0);

  nlohmann::json nodes = nlohmann::json::array();
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    nodes.push_back({{"id", stmt->ColumnText(0)},
                     {"region", stmt->ColumnText(1)},
                     {"last_seen", stmt->ColumnText(2)},
                     {"replica_gseq", stmt->ColumnInt(3)},
                     {"lag", h - stmt->ColumnInt(3)},
                     {"outbox", stmt->ColumnInt(4)},
                     {"key", stmt->ColumnText(5)}});
  }
  if (o.json) {
    out << nlohmann::json{{"epoch", epoch_text}, {"head", h}, {"nodes", nodes}}.dump() << "\n";
    return common::Status::Ok();
  }
  out << "hub epoch " << epoch_text << ", head gseq " << h << "\n";
  out << std::left << std::setw(16) << "NODE" << std::setw(10) << "REGION" << std::setw(26)
      << "LAST SEEN" << std::setw(12) << "REPLICA" << std::setw(10) << "LAG"
      << "OUTBOX\n";
  for (const auto& n : nodes) {
    out << std::left << std::setw(16) << n["id"].get<std::string>() << std::setw(10)
        << n["region"].get<std::string>() << std::setw(26)
        << (n["last_seen"].get<std::string>().empty() ? "never" : n["last_seen"].get<std::string>())
        << std::setw(12) << n["replica_gseq"].get<int64_t>() << std::setw(10)
        << n["lag"].get<int64_t>() << n["outbox"].get<int64_t>() << "\n";
  }
  return common::Status::Ok();
}

}  // namespace cen::hub
