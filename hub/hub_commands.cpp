#include "hub/hub_commands.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>

#include "common/clock.h"
#include "common/curve_keys.h"
#include "common/data_dir.h"
#include "common/instance_lock.h"
#include "common/messages.h"
#include "common/node_id.h"
#include "common/record_validator.h"
#include "common/state_file.h"
#include "common/tcp_endpoint.h"
#include "common/text_table.h"
#include "hub/admin_change.h"
#include "hub/admin_queue.h"
#include "hub/alert_delivery.h"
#include "hub/audit_trail.h"
#include "hub/chain_verifier.h"
#include "hub/group_registry.h"
#include "hub/hub_backup.h"
#include "hub/hub_config.h"
#include "hub/hub_schema.h"
#include "hub/hub_server.h"
#include "hub/node_registry.h"
#include "hub/operator_cancels.h"
#include "hub/registry_carry.h"

namespace cen::hub {

using common::Messages;

namespace {

// --role and --rilo as given on the command line.
common::Result<NodeRole> ParseRoleFlags(const std::string& role, const std::string& rilo) {
  auto parsed = NodeRegistry::ParseRole(role);
  if (!parsed)
    return common::UsageError(Messages::Format("--role: must be rilo or ncp, not '{}'", role));
  if (*parsed == NodeRole::kNcp && !common::NodeId::IsValid(rilo))
    return common::UsageError(
        Messages::Tr("--rilo: --role ncp needs the id of the RILO that validates its records"));
  if (*parsed == NodeRole::kRilo && !rilo.empty())
    return common::UsageError(
        Messages::Tr("--rilo: only an NCP has a RILO; leave it out with --role rilo"));
  return *parsed;
}

// Makes `change`: at once on a single hub; on a cluster member through the
// running leader (AdminQueue), once every member applies it alike.
common::Result<AdminChange::Effect> MakeChange(const std::string& data_dir,
                                               const AdminChange& change) {
  auto db = HubSchema::Open(data_dir);
  if (!db.ok()) return db.status();
  auto config = HubConfig::Load(data_dir);
  if (!config.ok()) return config.status();
  if (config->clustered()) {
    auto id = AdminQueue::Request(*db, config->cluster_member, change);
    if (!id.ok()) return id.status();
    return AdminQueue::Wait(*db, config->cluster_member, *id, std::chrono::seconds(10));
  }
  auto tx = db->Begin();
  if (!tx.ok()) return tx.status();
  NodeRegistry registry(&*db);
  GroupRegistry groups(&*db);
  auto effect = change.Apply(*db, registry, groups, common::Clock::NowRfc3339());
  if (!effect.ok()) return effect.status();
  CEN_RETURN_IF_ERROR(tx->Commit());
  return effect;
}

// kUsage with `why` when `data_dir` is a hub cluster member.
common::Status RefuseOnClusterMember(const std::string& data_dir, const std::string& why) {
  auto config = HubConfig::Load(data_dir);
  if (config.ok() && config->clustered())
    return common::UsageError(data_dir + " is a hub cluster member: " + why);
  return common::Status::Ok();
}

// hub.toml of `data_dir`, which must be a cluster member's (kUsage if not).
common::Result<HubConfig> LoadClusterMember(const std::string& data_dir) {
  auto config = HubConfig::Load(data_dir);
  if (!config.ok()) return config.status();
  if (!config->clustered())
    return common::UsageError(
        Messages::Format("--data: {} is a single hub (hub.toml has no [cluster] table)", data_dir));
  return config;
}

// Node `id` as hub.db holds it now.
common::Result<NodeInfo> ReadNode(const std::string& data_dir, const std::string& id) {
  auto db = HubSchema::OpenReadOnly(data_dir);
  if (!db.ok()) return db.status();
  NodeRegistry registry(&*db);
  CEN_RETURN_IF_ERROR(registry.Refresh());
  const NodeInfo* n = registry.Find(id);
  if (n == nullptr) return common::NotFound("node: no node '" + id + "' is registered");
  return *n;
}

// A region another node has that `region` matches but for letter case: a
// typo that would withhold that region's records from the node, unnoticed
// (region codes are compared exactly). "" when there is none.
common::Result<std::string> RegionDifferingInCase(const std::string& data_dir,
                                                  const std::string& node_id,
                                                  const std::string& region) {
  auto db = HubSchema::OpenReadOnly(data_dir);
  if (!db.ok()) return db.status();
  NodeRegistry registry(&*db);
  CEN_RETURN_IF_ERROR(registry.Refresh());
  auto folded = [](std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text;
  };
  std::string other;
  for (const auto& [id, node] : registry.nodes()) {
    if (id == node_id) continue;
    if (node.region == region) return std::string();  // a region in use as given
    if (!node.region.empty() && folded(node.region) == folded(region)) other = node.region;
  }
  return other;
}

// A running hub writes hub.state every second (HubServer::Heartbeat).
constexpr int64_t kStalledAfterSeconds = 10;
// A connected agent PINGs once a second, and the hub writes what it said
// once a second: an office silent this long is not connected.
constexpr int64_t kSilentAfterSeconds = 10;

std::string RoleLine(const NodeInfo& n) {
  if (n.role == NodeRole::kNcp)
    return Messages::Format("node {} is an NCP: its records wait for the decision of RILO {}", n.id,
                            n.rilo);
  return Messages::Format("node {} is a RILO: its records reach their scope once journaled", n.id);
}

}  // namespace

common::Status HubCommands::Init(const InitOptions& o, std::ostream& out) {
  if (!common::NodeId::IsValid(o.hub_id))
    return common::UsageError(Messages::Tr("--hub-id: letters, digits, _ - . only"));
  for (int port : {o.ingest_port, o.feed_port}) {
    if (port < 1 || port > 65535) return common::UsageError(Messages::Tr("ports must be 1..65535"));
  }
  if (o.ingest_port == o.feed_port)
    return common::UsageError(Messages::Tr("--ingest-port and --feed-port must differ"));
  const std::string advertise =
      !o.advertise.empty() ? o.advertise : "tcp://" + o.bind + ":" + std::to_string(o.ingest_port);
  if (!o.cluster_raft.empty()) {
    if (!common::IsTcpEndpoint(o.cluster_raft) ||
        o.cluster_raft.find("0.0.0.0") != std::string::npos)
      return common::UsageError(Messages::Tr("--cluster: must be tcp://HOST:PORT"));
    if (!common::IsTcpEndpoint(advertise) || advertise.find("0.0.0.0") != std::string::npos)
      return common::UsageError(
          Messages::Tr("--advertise: must be tcp://HOST:PORT, a host the nodes reach (--bind "
                       "0.0.0.0 needs it)"));
  } else if (!o.advertise.empty()) {
    return common::UsageError(Messages::Tr("--advertise: goes with --cluster"));
  }
  CEN_RETURN_IF_ERROR(common::DataDir::CreateFresh(o.data_dir, "hub.db", "a hub"));

  HubConfig config;
  config.hub_id = o.hub_id;
  config.bind = o.bind;
  config.ingest_port = o.ingest_port;
  config.feed_port = o.feed_port;
  auto keys = common::CurveKeys::Generate();
  if (!keys.ok()) return keys.status();
  CEN_RETURN_IF_ERROR(keys->Save(o.data_dir));
  if (!o.cluster_raft.empty()) {
    // Member 1 of a cluster of one: it leads at once; members added later
    // (cen-hub cluster add) make it three.
    config.cluster_member = 1;
    config.cluster_members.push_back({1, o.cluster_raft, advertise, keys->public_key()});
  }
  CEN_RETURN_IF_ERROR(config.Save(o.data_dir));
  auto db = common::Database::Open(HubSchema::DbPath(o.data_dir),
                                   common::Database::Mode::kReadWriteCreate);
  if (!db.ok()) return db.status();
  CEN_RETURN_IF_ERROR(HubSchema::Create(*db));
  // For the hub's user alone, as its backups are.
  CEN_RETURN_IF_ERROR(common::DataDir::MakePrivate(HubSchema::DbPath(o.data_dir)));
  out << keys->public_key() << "\n";
  return common::Status::Ok();
}

common::Status HubCommands::Allow(const AllowOptions& o, std::ostream& out) {
  if (!common::NodeId::IsValid(o.node_id))
    return common::UsageError(Messages::Format(
        "--node: '{}' is not a node id (letters, digits, _ - ., at most 64)", o.node_id));
  if (common::NodeId::IsReserved(o.node_id))
    return common::UsageError(Messages::Format(
        "--node: '{}' is reserved for the records the hub operator makes", o.node_id));
  if (!o.region.empty() && !common::NodeId::IsValid(o.region))
    return common::UsageError(Messages::Format("--region: '{}' is not a region code", o.region));
  std::optional<NodeRole> role;
  if (!o.role.empty()) {
    auto parsed = ParseRoleFlags(o.role, o.rilo);
    if (!parsed.ok()) return parsed.status();
    role = *parsed;
  } else if (!o.rilo.empty()) {
    return common::UsageError(Messages::Tr("--rilo: goes with --role ncp"));
  }
  if (!o.region.empty()) {
    auto other = RegionDifferingInCase(o.data_dir, o.node_id, o.region);
    if (!other.ok()) return other.status();
    if (!other->empty())
      return common::UsageError(Messages::Format(
          "--region: '{}' is not region '{}' that other nodes have: region codes are compared "
          "exactly, and this node would not receive the records of region {}; give --region {}",
          o.region, *other, *other, *other));
  }
  auto key = common::CurveKeys::ParsePublicKey(o.key);
  if (!key.ok()) return key.status();
  // The hub's own curve.pub beside the node's in the operator's folder (a
  // trial registered it as a node's key, exit 0).
  if (auto hub_keys = common::CurveKeys::Load(o.data_dir);
      hub_keys.ok() && hub_keys->public_key() == *key) {
    return common::InvalidInput(Messages::Format(
        "key: this is the hub's own public key ({}/curve.pub); give the key the node printed at "
        "cen-node init (its curve.pub)",
        o.data_dir));
  }
  // The node as registered before this change, if it is.
  const auto before = ReadNode(o.data_dir, o.node_id);
  // A revoked key is often a stolen one.
  if (before.ok() && before->revoked && before->pubkey == *key && !o.same_key) {
    return common::InvalidInput(
        Messages::Format("key: this is the key node {} was revoked with; give it a new key "
                         "(cen-node rotate-key), or "
                         "--same-key if the revocation was a mistake",
                         o.node_id));
  }
  AdminChange change{AdminChange::Op::kAllow, o.node_id, *key, o.region};
  if (role.has_value()) {
    change.role = std::string(NodeRegistry::RoleName(*role));
    change.rilo = o.rilo;
  }
  auto effect = MakeChange(o.data_dir, change);
  if (!effect.ok()) return effect.status();
  const bool rekeyed = effect->rekeyed;
  const bool was_revoked = effect->was_revoked;
  // Without --region the node keeps the region it has.
  auto now = ReadNode(o.data_dir, o.node_id);
  const std::string region = now.ok() ? now->region : o.region;
  out << (region.empty() ? Messages::Format("allowed node {}", o.node_id)
                         : Messages::Format("allowed node {} in region {}", o.node_id, region))
      << "\n";
  // A trial's NCP, allowed as README's example shows, was in no region
  // without a word (cen-node init --region only fills node.toml).
  if (region.empty())
    out << Messages::Format(
               "note: {} is in no region: no region: record reaches it; cen-hub allow --region "
               "CODE places it",
               o.node_id)
        << "\n";
  if (before.ok() && !region.empty() && before->region != region) {
    out << Messages::Format(
               "moved from region '{}': its agent fetches the journal again within a second (or "
               "once it connects) and applies the records of region {} journaled before",
               before->region, region)
        << "\n";
  }
  if (now.ok()) out << RoleLine(*now) << "\n";
  if (rekeyed)
    out << Messages::Tr(
               "replaced its key: the old key is refused from now on, also on open connections")
        << "\n";
  if (was_revoked) out << Messages::Tr("lifted its revocation") << "\n";
  return common::Status::Ok();
}

common::Status HubCommands::SetRole(const RoleOptions& o, std::ostream& out) {
  if (!common::NodeId::IsValid(o.node_id))
    return common::UsageError(Messages::Format("--node: '{}' is not a node id", o.node_id));
  auto role = ParseRoleFlags(o.role, o.rilo);
  if (!role.ok()) return role.status();
  AdminChange change{AdminChange::Op::kSetRole, o.node_id};
  change.role = std::string(NodeRegistry::RoleName(*role));
  change.rilo = o.rilo;
  auto effect = MakeChange(o.data_dir, change);
  if (!effect.ok()) return effect.status();
  auto node = ReadNode(o.data_dir, o.node_id);
  if (!node.ok()) return node.status();
  out << RoleLine(*node) << "\n";
  if (*role == NodeRole::kNcp)
    out << Messages::Format(
               "its records from now on wait for {}'s decision; those journaled before keep the "
               "validation they had",
               o.rilo)
        << "\n";
  return common::Status::Ok();
}

common::Status HubCommands::Revoke(const RevokeOptions& o, std::ostream& out) {
  if (!common::NodeId::IsValid(o.node_id))
    return common::UsageError(Messages::Format("--node: '{}' is not a node id", o.node_id));
  auto effect = MakeChange(o.data_dir, AdminChange{AdminChange::Op::kRevoke, o.node_id});
  if (!effect.ok()) return effect.status();
  if (effect->was_revoked) {
    out << Messages::Format("node {} was revoked already; nothing changed", o.node_id) << "\n";
    return common::Status::Ok();
  }
  // A stolen key is cut off at once, RILO or not; but its NCPs' records now
  // wait for decisions nobody can make: say so, and what to do.
  std::string ncps;
  if (auto db = HubSchema::OpenReadOnly(o.data_dir); db.ok()) {
    NodeRegistry registry(&*db);
    if (registry.Refresh().ok()) ncps = registry.NcpsOf(o.node_id, /*active_only=*/true);
  }
  out << Messages::Format(
             "revoked node {}: a running hub refuses its key, its open connections and its feed "
             "within a second",
             o.node_id)
      << "\n"
      << Messages::Format(
             "to admit it again (with a new key): cen-hub allow --data {} --node {} --key NEW_KEY",
             o.data_dir, o.node_id)
      << "\n";
  if (!ncps.empty()) {
    out << Messages::Format(
               "WARNING: {} is the RILO of {}: their records wait for its decisions until it is "
               "allowed again or they get another RILO (cen-hub set-role)",
               o.node_id, ncps)
        << "\n";
  }
  return common::Status::Ok();
}

namespace {

// The first group (by name) of `list` whose name is `name` in another
// letter case (names are ASCII).
std::optional<std::string> OtherCase(const std::vector<GroupInfo>& list, const std::string& name) {
  const auto lower = [](std::string t) {
    for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return t;
  };
  for (const GroupInfo& g : list) {
    if (g.name != name && lower(g.name) == lower(name)) return g.name;
  }
  return std::nullopt;
}

}  // namespace

common::Status HubCommands::Group(const GroupOptions& o, std::ostream& out) {
  using Action = GroupOptions::Action;
  if (o.action != Action::kList && !GroupRegistry::IsValidName(o.name))
    return common::UsageError(
        Messages::Format("NAME: '{}' is not a group name (1-32 of A-Z a-z 0-9 _ -)", o.name));
  if ((o.action == Action::kAdd || o.action == Action::kRemove) &&
      !common::NodeId::IsValid(o.node_id))
    return common::UsageError(Messages::Format("NODE: '{}' is not a node id", o.node_id));
  if (!o.expires.empty() && !GroupRegistry::IsValidDate(o.expires))
    return common::UsageError(
        Messages::Format("--expires: '{}' is not a date YYYY-MM-DD", o.expires));

  auto db = HubSchema::Open(o.data_dir);
  if (!db.ok()) return db.status();
  GroupRegistry groups(&*db);
  // Groups are few: one read answers the listing and the letter-case checks.
  auto list = groups.List();
  if (!list.ok()) return list.status();
  if (o.action == Action::kList) {
    for (const auto& g : *list) {
      out << g.name << (g.expires.empty() ? "" : " (expires " + g.expires + ")") << ":";
      for (const auto& m : g.members) out << " " << m;
      out << "\n";
    }
    // Made before such names were refused: said, as scopes tell them apart.
    for (const auto& g : *list) {
      const std::optional<std::string> other = OtherCase(*list, g.name);
      if (other && g.name < *other)
        out << Messages::Format(
                   "note: groups {} and {} differ only in letter case; scopes tell them apart",
                   g.name, *other)
            << "\n";
    }
    return common::Status::Ok();
  }
  // Scopes name groups case by case: TMP and tmp side by side would be told
  // apart by no operator adding members (a trial made both). Asked here,
  // before the change is proposed, never where a cluster member applies it.
  const std::optional<std::string> other = OtherCase(*list, o.name);
  if (other && o.action == Action::kCreate)
    return common::AlreadyExists(Messages::Format(
        "group: '{}' differs from group '{}' only in letter case, and scopes would tell the two "
        "apart where people would not; use '{}', or another name",
        o.name, *other, *other));
  if (other &&
      std::none_of(list->begin(), list->end(), [&](const auto& g) { return g.name == o.name; }))
    return common::NotFound(Messages::Format(
        "group: no group '{}' (there is '{}': group names are case-sensitive, as in scopes)",
        o.name, *other));
  AdminChange change;
  change.op = o.action == Action::kCreate ? AdminChange::Op::kGroupCreate
              : o.action == Action::kAdd  ? AdminChange::Op::kGroupAdd
                                          : AdminChange::Op::kGroupRemove;
  change.group = o.name;
  change.node = o.node_id;
  change.expires = o.expires;
  auto effect = MakeChange(o.data_dir, change);
  if (!effect.ok()) return effect.status();
  const std::string& detail = effect->detail;
  out << Messages::Format("{}: done", detail + (o.node_id.empty() ? "" : " " + o.node_id)) << "\n";
  // Made all the same (an expired group is kept, like any other), but in
  // force for nobody: said, where it said only "done" (user trial).
  if (o.action == Action::kCreate && !o.expires.empty() && o.expires < common::Clock::TodayUtc())
    out << Messages::Format(
               "note: --expires {} has passed: a group is in force through its --expires day "
               "(UTC), today is {}; records scoped to it reach only their origin",
               o.expires, common::Clock::TodayUtc())
        << "\n";
  return common::Status::Ok();
}

common::Status HubCommands::Verify(const std::string& data_dir, std::ostream& out) {
  auto db = HubSchema::OpenReadOnly(data_dir);
  if (!db.ok()) return db.status();
  auto report = ChainVerifier::Verify(*db);
  if (!report.ok()) return report.status();
  auto line = [&](const char* table, int64_t rows, const std::string& head,
                  const std::string& broken) {
    const std::string shown = head.empty() ? Messages::Tr("(empty)") : head;
    out << (broken.empty()
                ? Messages::Format("{}: {} rows, chain intact, head {}", table, rows, shown)
                // Not the table's size: the check ends at the break.
                : Messages::Format("{}: BROKEN at {} (checked up to there: {} rows)", table, broken,
                                   rows))
        << "\n";
  };
  line("journal", report->journal_rows, report->journal_head, report->journal_break);
  line("audit", report->audit_rows, report->audit_head, report->audit_break);
  if (report->intact()) return common::Status::Ok();
  return common::Corruption("hub.db hash chain broken: " + (report->journal_break.empty()
                                                                ? report->audit_break
                                                                : report->journal_break));
}

common::Status HubCommands::RotateKey(const std::string& data_dir, std::ostream& out) {
  CEN_RETURN_IF_ERROR(RefuseOnClusterMember(
      data_dir,
      "a member's key is part of the cluster's configuration: add a member with a new "
      "key (cen-hub cluster add) and remove this one (cen-hub cluster remove)"));
  auto db = HubSchema::Open(data_dir);  // a hub directory, and room for the audit entry
  if (!db.ok()) return db.status();
  auto keys = common::CurveKeys::Rotate(data_dir);
  if (!keys.ok()) return keys.status();
  auto tx = db->Begin();
  if (!tx.ok()) return tx.status();
  CEN_RETURN_IF_ERROR(AuditTrail::Record(*db, AuditTrail::kAdmin, "",
                                         "rotate-key, new hub key " + keys->public_key()));
  CEN_RETURN_IF_ERROR(tx->Commit());
  out << keys->public_key() << "\n"
      << Messages::Tr(
             "new hub key pair written; the old one is kept as curve.sec.old and curve.pub.old.")
      << "\n"
      << Messages::Tr("1. restart the hub (cen-hub run) so that it uses the new key;") << "\n"
      << Messages::Format(
             "2. on every node, set hub_key = \"{}\" in node.toml and restart cen-node run.",
             keys->public_key())
      << "\n"
      << Messages::Tr("Until a node has done so, it cannot connect (its outbox waits).") << "\n";
  return common::Status::Ok();
}

common::Status HubCommands::Backup(const std::string& data_dir, const std::string& to,
                                   std::ostream& out, std::ostream& progress) {
  auto copy = HubBackup::Backup(data_dir, to, progress);
  if (!copy.ok()) return copy.status();
  const auto head_or_empty = [](const std::string& head) {
    return head.empty() ? std::string(Messages::Tr("(empty)")) : head;
  };
  out << Messages::Format("backup written to {} (taken {})", to, copy->taken_at) << "\n"
      << Messages::Format("  journal: {} records, head gseq {}, chain head {}", copy->journal_rows,
                          copy->head, head_or_empty(copy->journal_head))
      << "\n"
      << Messages::Format("  audit:   {} entries, chain head {}", copy->audit_rows,
                          head_or_empty(copy->audit_head))
      << "\n"
      << Messages::Format("  epoch {}; both hash chains checked", copy->epoch) << "\n";
  auto config = HubConfig::Load(data_dir);
  if (config.ok() && config->clustered()) {
    // A member is never restored (it gets its state from the others): the
    // copy brings back a cluster lost whole (a trial was told to restore
    // here, and refused).
    out << Messages::Format(
               "to bring back the cluster from it should every member be lost: cen-hub init "
               "--cluster in a new directory, then, before its first run, cen-hub restore --data "
               "NEW_DIRECTORY --from {}",
               to)
        << "\n"
        << Messages::Tr("not audited: a member's audit trail changes only through the Raft log")
        << "\n";
    return common::Status::Ok();
  }
  out << Messages::Format(
             "to restore it, with the hub stopped: cen-hub restore --data {} --from {}", data_dir,
             to)
      << "\n";
  if (!copy->audit_problem.empty())
    progress << Messages::Format(
                    "warning: the backup is good, but its audit entry could not be written: {}",
                    copy->audit_problem)
             << "\n";
  return common::Status::Ok();
}

common::Status HubCommands::Restore(const std::string& data_dir, const std::string& from,
                                    std::ostream& out, bool keep_backup_registry) {
  // A member gets its state from the others; the first member of a new
  // cluster, which has never run, may take it from a backup (a cluster
  // lost whole: a trial found no way back to a cluster).
  bool new_cluster = false;
  if (auto config = HubConfig::Load(data_dir); config.ok() && config->clustered()) {
    // Never ran: no Raft log, and a hub.db that has journaled and applied
    // nothing. Member 1 of any cluster keeps a hub.toml naming itself alone:
    // one of a live cluster that lost its Raft log must not start a second
    // cluster under its id (a review).
    std::error_code ec;
    bool never_ran = !std::filesystem::exists(data_dir + "/raft", ec) ||
                     std::filesystem::is_empty(data_dir + "/raft", ec);
    if (auto db = HubSchema::OpenReadOnly(data_dir); never_ran && db.ok()) {
      auto rows = db->QueryInt("SELECT count(*) FROM journal");
      auto applied = db->QueryInt("SELECT count(*) FROM meta WHERE key = 'raft_applied'");
      never_ran = rows.ok() && applied.ok() && rows->value_or(0) == 0 && applied->value_or(0) == 0;
    } else {
      never_ran = false;
    }
    if (config->cluster_join || config->cluster_members.size() != 1 || !never_ran) {
      return common::UsageError(
          data_dir +
          " is a hub cluster member: a member gets its state from the others: remove it (cen-hub "
          "cluster remove) and add one from a new directory (cen-hub cluster add, cen-hub join); "
          "a cluster lost whole comes back from a backup into a new cluster of one that has "
          "never run (cen-hub init --cluster in a new directory, restore there, run it, then "
          "add members)");
    }
    new_cluster = true;
  }
  std::string kept_as;
  auto restored = HubBackup::Restore(data_dir, from, &kept_as, keep_backup_registry);
  if (!restored.ok()) return restored.status();
  out << Messages::Format(
             "restored {} from {} (taken {}): head gseq {}, {} records, both hash "
             "chains intact",
             HubSchema::DbPath(data_dir), from,
             restored->taken_at.empty() ? Messages::Tr("at an unknown time") : restored->taken_at,
             restored->head, restored->journal_rows)
      << "\n"
      << Messages::Format(
             "new epoch {}: at its next connection every node rebuilds its replica from this "
             "journal and offers its own records again, so those the backup lacks are journaled "
             "anew",
             restored->epoch)
      << "\n";
  if (!kept_as.empty())
    out << Messages::Format("the hub.db it replaced is kept as {}", kept_as) << "\n";
  if (restored->cancels_carried) {
    out << Messages::Format(
               "{} alert cancel(s) made with cen-hub cancel-alert after the backup are queued "
               "again from it",
               *restored->cancels_carried)
        << "\n";
  } else {
    out << Messages::Tr(
               "no hub.db with a journal was replaced (a new directory, or one unreadable): alert "
               "cancels made with cen-hub cancel-alert after the backup are not known here and "
               "must be made again; the offices hold them: cen-query alerts --all at an office "
               "shows the alerts cancelled")
        << "\n";
  }
  if (restored->registry_undone) {
    out << Messages::Format(
               "nodes, keys and groups are the backup's (--registry backup): {} change(s) made "
               "since the backup are undone:",
               restored->registry_undone->size())
        << "\n";
    for (const RegistryChange& change : *restored->registry_undone)
      out << "  " << RegistryCarry::Describe(change, /*translated=*/true) << "\n";
    for (const std::string& node : restored->revocations_kept)
      out << Messages::Format(
                 "node {} stays revoked: revoked since the backup (a revoked key is often a "
                 "stolen one; cen-hub allow --same-key takes it back)",
                 node)
          << "\n";
  } else if (!restored->registry_carried) {
    out << Messages::Tr(
               "nodes, keys and groups are as they were at the backup: allow again any node "
               "admitted since, revoke again any node revoked since")
        << "\n";
  } else if (restored->registry_carried->empty()) {
    out << Messages::Tr(
               "nodes, keys and groups are those of the hub.db it replaced: no change since the "
               "backup")
        << "\n";
  } else {
    // Each said: the operator checks the registry the restored hub runs with.
    out << Messages::Format(
               "registry carried over from the replaced hub.db: {} change(s) since the backup, "
               "kept:",
               restored->registry_carried->size())
        << "\n";
    for (const RegistryChange& change : *restored->registry_carried)
      out << "  " << RegistryCarry::Describe(change, /*translated=*/true) << "\n";
  }
  out << Messages::Format("then start the hub: cen-hub run --data {}", data_dir) << "\n";
  if (new_cluster) {
    out << Messages::Tr(
               "this is the first member of a new cluster: once it runs, add the others (cen-hub "
               "cluster add, cen-hub join), and give every node the members' new keys")
        << "\n";
  }
  return common::Status::Ok();
}

common::Status HubCommands::Run(const std::string& data_dir, const std::atomic<bool>& stop,
                                int rt_priority) {
  HubServer::Options options;
  options.rt_priority = rt_priority;
  HubServer server(data_dir, options);
  return server.Run(stop);
}

common::Status HubCommands::Status(const StatusOptions& o, std::ostream& out) {
  auto db = HubSchema::OpenReadOnly(o.data_dir);
  if (!db.ok()) return db.status();
  auto head = db->QueryInt("SELECT max(gseq) FROM journal");
  if (!head.ok()) return head.status();
  const int64_t h = head->value_or(0);
  // The tree: each RILO, then its NCPs.
  auto stmt = db->Prepare(
      "SELECT id, coalesce(region,''), coalesce(last_seen,''), replica_gseq, outbox, pubkey, "
      "role, coalesce(rilo, ''), coalesce(revoked_at, '') FROM nodes "
      "ORDER BY coalesce(rilo, id), rilo IS NOT NULL, id");
  if (!stmt.ok()) return stmt.status();
  auto epoch = db->Prepare("SELECT value FROM meta WHERE key='epoch'");
  if (!epoch.ok()) return epoch.status();
  std::string epoch_text;
  if (auto row = epoch->Step(); row.ok() && *row) epoch_text = epoch->ColumnText(0);

  if (o.pending_days < 0)
    return common::UsageError(Messages::Tr("--pending-days: must be 0 or more"));
  // NCP records waiting for their RILO, by NCP (how many, how many longer
  // than --pending-days, since when) and by RILO (what it must decide).
  const std::string old_before =
      common::Clock::Rfc3339(common::Clock::NowMillis() - int64_t{o.pending_days} * 86'400'000);
  auto pending = db->Prepare(
      "SELECT v.origin, v.rilo, count(*), sum(j.received_at < ?), min(j.received_at) "
      "FROM validations v JOIN journal j ON j.gseq = v.gseq WHERE v.state = 'pending' "
      "GROUP BY v.origin, v.rilo");
  if (!pending.ok()) return pending.status();
  pending->Bind(1, old_before);
  struct Waiting {
    int64_t count = 0, old = 0;
    std::string oldest;
  };
  std::map<std::string, Waiting> waiting_by_ncp;
  std::map<std::string, int64_t> to_decide;
  while (true) {
    auto row = pending->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    Waiting& w = waiting_by_ncp[pending->ColumnText(0)];
    w.count += pending->ColumnInt(2);
    w.old += pending->ColumnInt(3);
    const std::string since = pending->ColumnText(4);
    if (w.oldest.empty() || since < w.oldest) w.oldest = since;
    to_decide[pending->ColumnText(1)] += pending->ColumnInt(2);
  }

  nlohmann::json nodes = nlohmann::json::array();
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const Waiting w = waiting_by_ncp[stmt->ColumnText(0)];
    const int64_t deciding = to_decide[stmt->ColumnText(0)];
    nodes.push_back({{"id", stmt->ColumnText(0)},
                     {"role", stmt->ColumnText(6)},
                     {"rilo", stmt->ColumnText(7)},
                     {"pending", w.count},
                     {"to_decide", deciding},
                     {"pending_old", w.old},
                     {"oldest_pending", w.oldest},
                     {"region", stmt->ColumnText(1)},
                     {"last_seen", stmt->ColumnText(2)},
                     {"replica_gseq", stmt->ColumnInt(3)},
                     {"lag", h - stmt->ColumnInt(3)},
                     {"outbox", stmt->ColumnInt(4)},
                     {"key", stmt->ColumnText(5)},
                     {"revoked_at", stmt->ColumnText(8)}});
  }
  // What the running hub could not write into hub.db (a full disk) it says in hub.state.
  std::string store_problem;
  std::string state_at;
  bool starting = false;   // the hub has the lock and is opening hub.db
  nlohmann::json cluster;  // a cluster member's last view of the cluster
  if (auto state = common::StateFile::Read(o.data_dir + "/hub.state"); state.ok()) {
    auto text = [&](const char* key) {
      return state->contains(key) && (*state)[key].is_string() ? (*state)[key].get<std::string>()
                                                               : std::string();
    };
    store_problem = text("store");
    state_at = text("updated_at");
    starting = state->value("starting", false);
    if (state->contains("cluster") && (*state)["cluster"].is_object())
      cluster = (*state)["cluster"];
  }
  auto undelivered = AlertDelivery::UndeliveredUrgent(*db, common::Clock::NowMillis());
  if (!undelivered.ok()) return undelivered.status();
  nlohmann::json waiting = nlohmann::json::array();
  for (const auto& u : *undelivered) {
    waiting.push_back({{"office", u.office},
                       {"alert", u.alert},
                       {"origin", u.origin},
                       {"title", u.title},
                       {"received_at", u.received_at}});
  }
  // A stopped hub's figures are the last it wrote: say so.
  const bool running = common::InstanceLock::IsHeld(o.data_dir, common::InstanceLock::kHub);
  // A running hub writes hub.state every second: one that has not for
  // longer is stuck (a frozen process, a disk that hangs), and so is every
  // figure below (a trial froze a hub: the table showed every office at lag 0).
  const int64_t now_ms = common::Clock::NowMillis();
  int64_t stalled_s = 0;
  if (const auto at = common::RecordValidator::TimestampMillis(state_at);
      running && at && !starting) {
    const int64_t age_s = (now_ms - *at) / 1000;
    if (age_s >= kStalledAfterSeconds) stalled_s = age_s;
  }
  // An office's figures are as of its last contact: one silent for 10 s is
  // not connected, and marked (a trial read an offline office's OUTBOX 0 and
  // "gseq X of X" as current). On a follower, offices never seen too: they
  // connect to the leader (a trial read "never" and the whole journal as LAG
  // for offices caught up). Not while the hub cannot write hub.db or is
  // stuck: then no office's last contact moves (said above the table).
  const bool follower = cluster.is_object() && cluster.value("role", "") == "follower";
  const bool contacts_written = running && store_problem.empty() && stalled_s == 0;
  int64_t silent_offices = 0;
  for (auto& n : nodes) {
    int64_t silent_s = 0;
    const auto seen = common::RecordValidator::TimestampMillis(n["last_seen"].get<std::string>());
    const bool revoked = !n["revoked_at"].get<std::string>().empty();
    if (contacts_written && seen && !revoked) {
      const int64_t age_s = (now_ms - *seen) / 1000;
      if (age_s >= kSilentAfterSeconds) silent_s = age_s;
    }
    // A script tells them apart as the table does.
    const bool away = silent_s > 0 || (contacts_written && follower && !seen && !revoked);
    n["silent_s"] = silent_s;
    n["connected"] = contacts_written && !revoked && !away && seen.has_value();
    if (away) ++silent_offices;
  }
  if (o.json) {
    out << nlohmann::json{{"epoch", epoch_text},
                          {"running", running},
                          {"undelivered_urgent", waiting},
                          {"head", h},
                          {"nodes", nodes},
                          {"pending_days", o.pending_days},
                          {"store_problem", store_problem},
                          {"state_at", state_at},
                          {"stalled_s", stalled_s},
                          {"starting", running && starting},
                          {"cluster", cluster}}
               .dump()
        << "\n";
    return common::Status::Ok();
  }
  out << Messages::Format("hub epoch {}, head gseq {}", epoch_text, h) << "\n";
  if (!running) {
    out << Messages::Tr(
               "the hub is not running: each node's figures are the last it reported before "
               "the hub stopped")
        << "\n";
  }
  if (running && starting) {
    out << Messages::Format("the hub is starting (since {}): opening hub.db", state_at) << "\n";
  }
  if (stalled_s > 0) {
    out << Messages::Format(
               "PROBLEM: the running hub has not written hub.state for {} s (last at {}): it is "
               "stuck or frozen, its offices get no answer, and the figures below are as of then",
               stalled_s, state_at)
        << "\n";
  }
  if (!store_problem.empty()) {
    out << Messages::Format(
               "PROBLEM (as of {}): {}; nothing is acknowledged until it is "
               "written, and the hub retries by itself",
               state_at, store_problem)
        << "\n";
  }
  if (cluster.is_object() && cluster.contains("member")) {
    const bool leads = cluster.value("role", "") == "leader";
    // A member just started knows no leader yet ("leader: member 0", a trial).
    const int64_t leader = cluster.value("leader", int64_t{0});
    // A stopped member's view is the one it had when it stopped: a trial read
    // "leader" on a member killed minutes before.
    out << Messages::Format(
               running ? N_("cluster member {}: {} ({}), term {}, commit index {}, applied {} (as "
                            "of {})")
                       : N_("cluster member {}: not running; when it stopped: {} ({}), term {}, "
                            "commit index {}, applied {} (as of {})"),
               cluster.value("member", 0), Messages::Tr(leads ? N_("leader") : N_("follower")),
               leader == 0 ? Messages::Tr("no leader known")
                           : Messages::Format("leader: member {}", leader),
               cluster.value("term", 0), cluster.value("commit_index", 0),
               cluster.value("applied_index", 0), state_at)
        << "\n";
    // The leader's view: how many entries each member lacks.
    if (cluster.contains("members") && cluster["members"].is_array()) {
      for (const nlohmann::json& m : cluster["members"]) {
        const std::string who = std::to_string(m.value("member", 0)) + " (" +
                                m.value("role", "voter") + ", " + m.value("ingest", "") + ")";
        if (!m.contains("match_index")) {
          out << "  " << Messages::Format("member {}", who) << "\n";
          continue;
        }
        out << "  "
            << Messages::Format(
                   "member {}: holds entry {}, {} behind{}", who, m.value("match_index", 0),
                   m.value("lag", 0),
                   m.value("reachable", false) ? "" : Messages::Tr(N_(", not heard from")))
            << "\n";
      }
    }
  }
  using Align = common::TextTable::Align;
  // Ids and regions whole (up to 64 characters): a script greps for them.
  common::TextTable table({{N_("NODE"), 64},
                           {N_("REGION"), 64},
                           {N_("LAST SEEN"), 40},
                           {N_("REPLICA"), 12, Align::kRight},
                           {N_("LAG"), 10, Align::kRight},
                           {N_("OUTBOX"), 10, Align::kRight},
                           {N_("PENDING"), 10, Align::kRight}});
  int64_t old_total = 0;
  std::string oldest;
  for (const auto& n : nodes) {
    const std::string seen = n["last_seen"].get<std::string>();
    const std::string revoked = n["revoked_at"].get<std::string>();
    const bool ncp = n["role"] == "ncp";
    const int64_t old_pending = n["pending_old"].get<int64_t>();
    old_total += old_pending;
    const std::string first = n["oldest_pending"].get<std::string>();
    if (!first.empty() && (oldest.empty() || first < oldest)) oldest = first;
    // An NCP's records waiting; for a RILO, those waiting for its decision.
    const int64_t held_back = n[ncp ? "pending" : "to_decide"].get<int64_t>();
    std::string pending_cell = ncp || held_back > 0 ? std::to_string(held_back) : "";
    if (old_pending > 0) pending_cell += " (" + std::to_string(old_pending) + " old)";
    // An NCP under its RILO, indented: the id stays whole for grep.
    table.AddRow({ncp ? "  " + n["id"].get<std::string>() : n["id"].get<std::string>(),
                  n["region"].get<std::string>(),
                  !revoked.empty() ? Messages::Format("revoked {}", revoked)
                  : seen.empty()   ? Messages::Tr("never")
                  : n["silent_s"] > 0
                      ? Messages::Format("{} ({} ago)", seen,
                                         common::Clock::Span(n["silent_s"].get<int64_t>() * 1000))
                      : seen,
                  std::to_string(n["replica_gseq"].get<int64_t>()),
                  // A revoked office gets nothing: it lags nothing.
                  revoked.empty() ? std::to_string(n["lag"].get<int64_t>()) : "-",
                  std::to_string(n["outbox"].get<int64_t>()), pending_cell});
  }
  table.Print(out, 130);
  if (silent_offices > 0 && follower) {
    out << Messages::Format(
               "{} office(s) not connected to this member: offices connect to the leader, run "
               "cen-hub status there; their REPLICA and OUTBOX here are as of their last "
               "contact with this member, their LAG counts to the head now",
               silent_offices)
        << "\n";
  } else if (silent_offices > 0) {
    out << Messages::Format(
               "{} office(s) not connected (silent for {} s or more): their REPLICA and OUTBOX "
               "are as of their last contact, their LAG counts to the head now",
               silent_offices, kSilentAfterSeconds)
        << "\n";
  }
  if (old_total > 0) {
    out << Messages::Format(
               "{} NCP record(s) pending for more than {} day(s), the oldest since {}: see "
               "cen-query pending at their RILO",
               old_total, o.pending_days, oldest)
        << "\n";
  }
  if (undelivered->empty()) {
    out << Messages::Tr("every urgent alert in force has reached every office in its scope")
        << "\n";
    return common::Status::Ok();
  }
  out << Messages::Tr("urgent alerts not yet received (no receipt from the office):") << "\n";
  std::string office;
  for (const auto& u : *undelivered) {
    if (u.office != office) {
      office = u.office;
      const auto n = std::count_if(undelivered->begin(), undelivered->end(),
                                   [&](const auto& x) { return x.office == office; });
      out << "  " << office << ": " << n << "\n";
    }
    out << "    " << u.alert << " from " << u.origin << " since " << u.received_at << "  "
        << u.title << "\n";
  }
  return common::Status::Ok();
}

common::Status HubCommands::CancelAlert(const std::string& data_dir, const std::string& alert,
                                        const std::string& reason, std::ostream& out) {
  return OperatorCancels::Request(data_dir, alert, reason, out);
}

common::Status HubCommands::ClusterAdd(const ClusterAddOptions& o, std::ostream& out,
                                       std::ostream& progress) {
  if (o.member < 1) return common::UsageError(Messages::Tr("--member: must be an id >= 1"));
  for (const auto& [flag, endpoint] : {std::pair{"--raft", o.raft}, {"--ingest", o.ingest}}) {
    if (!common::IsTcpEndpoint(endpoint))
      return common::UsageError(Messages::Format("{}: must be tcp://HOST:PORT", flag));
  }
  auto key = common::CurveKeys::ParsePublicKey(o.key);
  if (!key.ok()) return key.status();
  std::error_code ec;
  if (std::filesystem::exists(o.to, ec) && !std::filesystem::is_empty(o.to, ec))
    return common::UsageError(Messages::Format("--to: {} exists and is not empty", o.to));
  auto config = LoadClusterMember(o.data_dir);
  if (!config.ok()) return config.status();
  // --to is made before the change, so that a member is never added with
  // nowhere to write what it joins with.
  const bool made = !std::filesystem::exists(o.to, ec);
  std::filesystem::create_directories(o.to, ec);
  if (ec) return common::Internal("cannot make " + o.to + ": " + ec.message());
  // It gets a whole copy of hub.db, H3 records included: its owner's alone
  // (a trial found it 0755).
  std::filesystem::permissions(o.to, std::filesystem::perms::owner_all, ec);
  if (ec) {
    const std::string why = ec.message();
    if (made) std::filesystem::remove(o.to, ec);
    return common::Internal("cannot make " + o.to + " private (" + why +
                            "; a file system without Unix permissions, like a FAT USB stick?): "
                            "give a local directory, and copy it from there");
  }
  AdminChange change;
  change.op = AdminChange::Op::kMemberAdd;
  change.member = o.member;
  change.raft = o.raft;
  change.ingest = o.ingest;
  change.key = *key;
  auto effect = MakeChange(o.data_dir, change);
  if (!effect.ok()) {
    if (made) std::filesystem::remove(o.to, ec);
    return effect.status();
  }

  // What the new member joins with: the configuration as the leader has it
  // now, and a copy of hub.db (it applies the entries after it).
  HubConfig joiner = *config;
  joiner.cluster_member = o.member;
  joiner.cluster_join = true;
  joiner.cluster_members.clear();
  const nlohmann::json members =
      nlohmann::json::parse(effect->detail, nullptr, /*allow_exceptions=*/false);
  for (const nlohmann::json& m : members.is_array() ? members : nlohmann::json::array()) {
    joiner.cluster_members.push_back({m.value("member", int64_t{0}), m.value("raft", ""),
                                      m.value("ingest", ""), m.value("key", "")});
  }
  CEN_RETURN_IF_ERROR(joiner.CheckCluster());
  auto copy = HubBackup::Backup(o.data_dir, o.to + "/hub.db", progress);
  if (!copy.ok()) return copy.status();
  CEN_RETURN_IF_ERROR(joiner.Save(o.to));
  out << Messages::Format(
             "member {} added to the cluster: it receives the log once it runs, and votes once "
             "it has caught up",
             o.member)
      << "\n"
      << Messages::Format("on its machine, copy {} there, then:", o.to) << "\n"
      << "  cen-hub join --data DATA_DIR --from " << o.to << "\n"
      << "  cen-hub run --data DATA_DIR\n";
  return common::Status::Ok();
}

common::Status HubCommands::ClusterRemove(const std::string& data_dir, int64_t member,
                                          std::ostream& out) {
  if (member < 1) return common::UsageError(Messages::Tr("--member: must be an id >= 1"));
  if (auto config = LoadClusterMember(data_dir); !config.ok()) return config.status();
  AdminChange change;
  change.op = AdminChange::Op::kMemberRemove;
  change.member = member;
  auto effect = MakeChange(data_dir, change);
  if (!effect.ok()) return effect.status();
  out << Messages::Format(
             "member {} removed from the cluster: the others no longer count it, send it "
             "nothing and refuse its key",
             member)
      << "\n";
  return common::Status::Ok();
}

common::Status HubCommands::Join(const std::string& data_dir, const std::string& from,
                                 std::ostream& out) {
  auto own = HubConfig::Load(data_dir);
  if (!own.ok()) return own.status();
  if (own->clustered())
    return common::UsageError(Messages::Format(
        "--data: {} is a cluster member already ([cluster] in hub.toml); a member taken out "
        "(cen-hub cluster remove) does not come back with its old directory: make a new one "
        "(cen-hub init), add it with its new key (cen-hub cluster add) and join from that",
        data_dir));
  auto bundle = HubConfig::Load(from);
  if (!bundle.ok()) return bundle.status();
  if (!bundle->clustered() || !bundle->cluster_join)
    return common::InvalidInput(
        Messages::Format("--from: {}/hub.toml is not what cen-hub cluster add --to writes", from));
  auto keys = common::CurveKeys::Load(data_dir);
  if (!keys.ok()) return keys.status();
  const ClusterMemberConfig& self = bundle->self();
  if (self.key != keys->public_key())
    return common::InvalidInput(
        Messages::Format("--from: it is for member {} with key {}; this directory's key is {}",
                         self.id, self.key, keys->public_key()));
  const std::string port = ":" + std::to_string(own->ingest_port);
  if (self.ingest.size() < port.size() ||
      self.ingest.compare(self.ingest.size() - port.size(), port.size(), port) != 0)
    return common::InvalidInput(Messages::Format(
        "--from: the cluster reaches member {} at {}, but {}/hub.toml takes nodes on port {}",
        self.id, self.ingest, data_dir, own->ingest_port));
  {
    auto db = HubSchema::OpenReadOnly(data_dir);
    if (!db.ok()) return db.status();
    auto rows = db->QueryInt("SELECT count(*) FROM journal");
    if (!rows.ok()) return rows.status();
    if (rows->value_or(0) > 0)
      return common::UsageError(Messages::Format(
          "--data: {} has journaled records; a member joins from a new directory (cen-hub init)",
          data_dir));
  }
  std::error_code ec;
  if (std::filesystem::exists(data_dir + "/raft", ec) &&
      !std::filesystem::is_empty(data_dir + "/raft", ec))
    return common::UsageError(
        Messages::Format("--data: {}/raft holds a Raft log already", data_dir));
  auto hub = common::InstanceLock::Acquire(data_dir, common::InstanceLock::kHub);
  if (!hub.ok()) return hub.status();
  auto alone = common::InstanceLock::Acquire(data_dir, common::InstanceLock::kHubStore);
  if (!alone.ok()) return alone.status();
  {
    // The copy must be a hub.db this build reads.
    auto copy = common::Database::Open(from + "/hub.db", common::Database::Mode::kReadOnly);
    if (!copy.ok()) return copy.status();
    CEN_RETURN_IF_ERROR(HubSchema::Check(*copy));
  }
  // The copy first, then hub.toml, then the copy in place: a failure puts
  // the old hub.toml back, and the last step is one rename.
  const std::string target = HubSchema::DbPath(data_dir);
  std::filesystem::copy_file(from + "/hub.db", target + ".join",
                             std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) return common::Internal("cannot copy " + from + "/hub.db: " + ec.message());
  HubConfig joined = *own;
  joined.cluster_member = self.id;
  joined.cluster_members = bundle->cluster_members;
  joined.cluster_join = true;
  joined.snapshot_every = bundle->snapshot_every;
  joined.log_kept = bundle->log_kept;
  joined.election_timeout_ms = bundle->election_timeout_ms;
  if (const common::Status s = joined.Save(data_dir); !s.ok()) {
    std::filesystem::remove(target + ".join", ec);
    (void)own->Save(data_dir);
    return s;
  }
  for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(target + suffix, ec);
  std::filesystem::rename(target + ".join", target, ec);
  if (ec) {
    (void)own->Save(data_dir);
    return common::Internal("cannot put " + target + " in place: " + ec.message());
  }
  out << Messages::Format(
             "{} is member {} of the cluster now; start it with cen-hub run --data {}: it "
             "receives the log from the leader and votes once it has caught up",
             data_dir, self.id, data_dir)
      << "\n"
      << Messages::Format(
             "{} holds a whole copy of the journal: delete it, and the copy on the leader's "
             "machine, once this member runs",
             from)
      << "\n";
  return common::Status::Ok();
}

}  // namespace cen::hub
