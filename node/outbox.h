// The node's durable outbox and its own records. Enqueue() makes records
// durable before the command that handed them in may exit 0; the agent reads
// Pending() batches, sends them, and Acknowledge()s what the hub answered.
//
// The (kind, ref) pair is the natural key of a case: a record whose ref this
// node already used becomes a new version of that record when its content
// differs, and is left alone when it is the same.
//
//   Outbox outbox(&db);
//   auto result = outbox.Enqueue(validated_records);  // one transaction
//
// Not thread-safe. Several processes may use one node.db (SQLite locks).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/sqlite_db.h"

namespace cen::node {

class Outbox {
 public:
  enum class Disposition { kNew, kAmended, kUnchanged };
  struct Queued {
    std::string uuid;
    int64_t version;
    Disposition disposition;
  };
  struct Entry {
    int64_t seq;
    std::string uuid;
    int64_t version;
    std::string body;  // msgpack
  };
  struct Ack {
    std::string uuid;
    int64_t version;
    bool accepted;  // NEW or DUP
    int64_t gseq;
    std::string reason;  // when rejected
  };

  explicit Outbox(common::Database* db) : db_(db) {}

  // Queues validated records (canonical fields, defaults filled) in one
  // transaction: all or nothing. A record's own `uuid`, if any, must agree
  // with the uuid its ref already has. Errors are kInvalidInput
  // "LABEL: field: reason", LABEL being labels[i] (e.g. "FILE:LINE") or, when
  // no labels are given, "record N" (N counted from 1).
  common::Result<std::vector<Queued>> Enqueue(std::vector<nlohmann::json> records,
                                              const std::vector<std::string>& labels = {});

  // Up to `max` entries with seq > after_seq, oldest first.
  common::Result<std::vector<Entry>> Pending(int64_t after_seq, int max);
  // Removes acknowledged entries and records the hub's verdicts.
  common::Status Acknowledge(const std::vector<Ack>& acks);
  // Puts every own record version back into the outbox (a hub restored from
  // backup must regain them). Returns how many were queued again.
  common::Result<int64_t> RequeueAll();
  // Puts back own record versions acked with a gseq beyond `head` (a hub
  // restored from an older copy lost them). Returns how many.
  common::Result<int64_t> RequeueAbove(int64_t head);
  common::Result<int64_t> Size();

 private:
  common::Database* db_;  // not owned
};

}  // namespace cen::node
