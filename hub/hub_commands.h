// What each `cen-hub` subcommand does; main.cpp only parses arguments.
#pragma once

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <string>

#include "common/status.h"

namespace cen::hub {

struct InitOptions {
  std::string data_dir;
  std::string bind = "127.0.0.1";
  int ingest_port = 7701;
  int feed_port = 7702;
  std::string hub_id = "hub";
  std::string cluster_raft = {};  // --cluster: member 1 of a new cluster, Raft here
  std::string advertise = {};     // where nodes reach it (default: bind, ingest port)
};

struct AllowOptions {
  std::string data_dir;
  std::string node_id;
  std::string key;  // Z85 text or the path of a public key file
  std::string region;
  std::string role =
      {};  // "rilo", "ncp", or empty: a new node is a RILO, a known one keeps its role
  std::string rilo = {};  // role ncp: the RILO that validates its records
  // Admit a revoked node again with the key it was revoked with (the
  // revocation was a mistake); without it only a new key lifts it.
  bool same_key = false;
};

struct RoleOptions {
  std::string data_dir;
  std::string node_id;
  std::string role;  // "rilo" or "ncp"
  std::string rilo;  // role ncp: the RILO that validates its records
};

struct RevokeOptions {
  std::string data_dir;
  std::string node_id;
};

struct GroupOptions {
  enum class Action { kCreate, kAdd, kRemove, kList };
  Action action = Action::kList;
  std::string data_dir;
  std::string name;
  std::string node_id;  // kAdd, kRemove
  std::string expires;  // kCreate: YYYY-MM-DD or empty
};

// `cen-hub cluster add`: a new member, and where to write what it joins with.
struct ClusterAddOptions {
  std::string data_dir;
  int64_t member = 0;
  std::string raft;    // tcp://HOST:PORT
  std::string ingest;  // tcp://HOST:PORT
  std::string key;     // Z85 or the path of its curve.pub
  std::string to;      // a new directory: hub.db (a backup) and hub.toml (its [cluster])
};

struct StatusOptions {
  std::string data_dir;
  bool json = false;
  int pending_days = 7;  // an NCP's record pending longer is flagged
};

class HubCommands {
 public:
  // Creates the data directory, hub.db, hub.toml and the CURVE key pair;
  // prints the public key on `out`.
  // On a cluster member (through the running leader): adds a member, which
  // votes once it has caught up, and writes to `o.to` what it joins with.
  static common::Status ClusterAdd(const ClusterAddOptions& o, std::ostream& out,
                                   std::ostream& progress);
  // Removes member `member` from the cluster (a dead one being replaced).
  static common::Status ClusterRemove(const std::string& data_dir, int64_t member,
                                      std::ostream& out);
  // Makes the hub directory `data_dir` (from `cen-hub init`, nothing
  // journaled) the member that `cen-hub cluster add --to FROM` prepared:
  // FROM's hub.db and [cluster] table, never starting a cluster of its own.
  static common::Status Join(const std::string& data_dir, const std::string& from,
                             std::ostream& out);
  static common::Status Init(const InitOptions& o, std::ostream& out);
  // Registers a node's key; for a known id, replaces its key (connections made
  // with the old key are refused from then on) and lifts a revocation.
  static common::Status Allow(const AllowOptions& o, std::ostream& out);
  // Makes a registered node a RILO or an NCP of a RILO (audited). Records
  // journaled before keep the validation they had.
  static common::Status SetRole(const RoleOptions& o, std::ostream& out);
  // Cuts a node off, also on a running hub: its key is refused at the next
  // handshake, its open connections get ERROR unauthorized, its feed stops.
  static common::Status Revoke(const RevokeOptions& o, std::ostream& out);
  static common::Status Group(const GroupOptions& o, std::ostream& out);
  // Checks the journal's and the audit trail's hash chains; kCorruption naming
  // the first broken row of each when one does not hold.
  static common::Status Verify(const std::string& data_dir, std::ostream& out);
  // New hub key pair; the old one is kept as curve.sec.old / curve.pub.old.
  // Prints the new public key and what the nodes must change.
  static common::Status RotateKey(const std::string& data_dir, std::ostream& out);
  // Copies hub.db into the new file `to` while the hub runs (HubBackup);
  // prints what the copy holds on `out`, progress on `progress`.
  static common::Status Backup(const std::string& data_dir, const std::string& to,
                               std::ostream& out, std::ostream& progress);
  // Puts the backup `from` in place of hub.db under a new epoch (HubBackup),
  // with the hub stopped; prints what the nodes will do. The registry is
  // the replaced hub.db's, or with `keep_backup_registry` the backup's.
  static common::Status Restore(const std::string& data_dir, const std::string& from,
                                std::ostream& out, bool keep_backup_registry = false);
  // `rt_priority` >= 0 overrides hub.toml's.
  static common::Status Run(const std::string& data_dir, const std::atomic<bool>& stop,
                            int rt_priority = -1);
  static common::Status Status(const StatusOptions& o, std::ostream& out);
  // Cancels an alert of any office, as the hub operator (journaled by the
  // running hub as a cancel of origin hub-operator, audited).
  static common::Status CancelAlert(const std::string& data_dir, const std::string& alert,
                                    const std::string& reason, std::ostream& out);
};

}  // namespace cen::hub
