// What each `cen-node` subcommand does; main.cpp only parses arguments.
#pragma once

#include <atomic>
#include <iosfwd>
#include <string>
#include <vector>

#include "common/status.h"
#include "node/query/query_filter.h"

namespace cen::node {

struct NodeInitOptions {
  std::string data_dir;
  std::string node_id;
  std::string hub_endpoint;
  std::string hub_key;  // Z85 text or a key file
  std::string region;
};

struct SubmitOptions {
  std::string data_dir;
  std::string file = "-";       // NDJSON; "-" is standard input
  bool lower_handling = false;  // an amendment may lower a record's handling
};

struct RunOptions {
  std::string data_dir;
  std::string drop_dir;  // overrides node.toml's drop_dir when set
  std::string on_alert;  // overrides node.toml's on_alert when set
  std::string on_hit;    // overrides node.toml's on_hit when set
  int rt_priority = -1;  // overrides node.toml's rt_priority when >= 0
};

struct AckOptions {
  std::string data_dir;
  std::string alert;   // uuid, or its first 8+ characters
  std::string action;  // seen | actioned | no-trace
  std::string note;
  std::string by;  // default: the OS user
};

// `cen-node accept` and `cen-node return`, run at a RILO's node.
struct DecideOptions {
  std::string data_dir;
  bool accept = true;              // false: return
  std::vector<std::string> uuids;  // each a uuid or its first 8+ characters
  bool all_pending = false;        // accept every pending record `filter` matches
  QueryFilter filter;
  std::string reason;  // return: what to correct
  bool dry_run = false;
};

struct DropOptions {
  std::string data_dir;
  std::vector<std::string> files;  // "-" is standard input
  std::string format;              // "", "csv" or "ndjson"
  bool partial = false;
  bool dry_run = false;
  bool json = false;
  bool lower_handling = false;  // an amendment may lower a record's handling
  bool progress = false;        // draw a progress bar on `err` (a terminal)
  std::string template_kind;    // "seizure" or "alert": print a CSV template instead
};

struct NodeStatusOptions {
  std::string data_dir;
  bool json = false;
};

class NodeCommands {
 public:
  // Creates the data directory, node.db, node.toml and the key pair; prints
  // the node's public key on `out`.
  static common::Status Init(const NodeInitOptions& o, std::ostream& out);
  static common::Status Run(const RunOptions& o, const std::atomic<bool>& stop);
  // Validates every line first; queues all records in one transaction or
  // none. Prints one uuid per record on `out`; errors `FILE:LINE: field:
  // reason` on `err`.
  static common::Status Submit(const SubmitOptions& o, std::istream& in, std::ostream& out,
                               std::ostream& err);
  // Imports data drops (DropImporter), each file in its own transaction; a
  // one-line summary per file on `out` (a JSON object per file with --json),
  // problems on `err`. kInvalidInput when any file or row was refused.
  static common::Status Drop(const DropOptions& o, std::istream& in, std::ostream& out,
                             std::ostream& err);
  static common::Status Status(const NodeStatusOptions& o, std::ostream& out);
  // Queues an action receipt for an alert of another office (to that office).
  static common::Status Ack(const AckOptions& o, std::ostream& out);
  // Queues this RILO's decisions on its NCPs' records (to accept or return)
  // in the outbox, durably, also with the agent stopped; the hub checks that
  // this node is their RILO. --dry-run prints what would be decided.
  static common::Status Decide(const DecideOptions& o, std::ostream& out);
  // New node key pair (the old one kept as curve.sec.old / curve.pub.old);
  // node.db, outbox and replica untouched. Prints the new public key and the
  // `cen-hub allow` command the hub operator must run.
  static common::Status RotateKey(const std::string& data_dir, std::ostream& out);
};

}  // namespace cen::node
