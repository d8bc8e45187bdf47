// The pipeline benchmark's peer: NATS JetStream carrying the same records the
// same way, measured in the same run. A real nats-server (JetStream, file
// storage in the work directory, a free loopback port) runs as a child
// process; per Run(), one publisher thread per node publishes its records
// asynchronously into one stream (subject cen.records.<node id>) and waits for
// every ack, while one consumer thread per node, each with its own durable
// pull consumer and its own SQLite file, fetches up to 4096 messages at a
// time, applies them in one transaction and acks the batch after the commit.
//
//   std::optional<std::string> bin = JetStreamPeer::FindServer();  // nothing: not on PATH
//   JetStreamPeer peer(*bin, work_dir);
//   PeerRun r = peer.Run(JetStreamPeer::Sink::kSchema4Replica, ids, messages);
//
// Exits the benchmark (status 1, a message on stderr) when a step fails or a
// run takes over 600 s. Not thread-safe: one thread drives a peer; Run()
// starts and joins its own threads.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tests/e2e/process.h"

namespace cen::bench {

// One record as a node publishes it: `body` is the msgpack form of the record
// with its `uuid` in it (MsgpackJson::Encode, as cenhub's outbox holds it).
struct PeerMessage {
  std::string uuid;
  std::string body;
};

// What one Run() measured. Times are seconds from the first publish.
struct PeerRun {
  double complete_s = 0;       // every consumer has applied every record
  double acked_s = 0;          // every publish acknowledged by the server
  double server_cpu_s = 0;     // nats-server, user + system
  double process_cpu_s = 0;    // the whole benchmark process (nats.c I/O threads included)
  double consumer_cpu_s = 0;   // the consumer threads alone
  double publisher_cpu_s = 0;  // the publisher threads alone
};

class JetStreamPeer {
 public:
  enum class Sink {
    kSchema4Replica,  // decode, add gseq/origin/received_at/version, Schema4Replica::Apply
    kPlainTable,      // INSERT (gseq, uuid, body) into a plain table
  };

  // The path of `nats-server` on PATH, or nothing.
  static std::optional<std::string> FindServer();

  // Starts `server_bin` with JetStream storing under `work_dir`/nats and
  // waits until it accepts connections; its logs go to `work_dir`.
  JetStreamPeer(const std::string& server_bin, const std::filesystem::path& work_dir);
  ~JetStreamPeer();
  JetStreamPeer(const JetStreamPeer&) = delete;
  JetStreamPeer& operator=(const JetStreamPeer&) = delete;

  // One publisher and one consumer per entry of `ids`; `messages[i]` are what
  // node ids[i] publishes. Every consumer applies every message. The stream
  // is made fresh for the run and deleted after it; the SQLite files stay in
  // the work directory.
  PeerRun Run(Sink sink, const std::vector<std::string>& ids,
              const std::vector<std::vector<PeerMessage>>& messages);

 private:
  std::filesystem::path work_dir_;
  std::string url_;
  std::optional<e2e::Process> server_;
};

}  // namespace cen::bench
