#include "hub/hub_server.h"

#include <sched.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "common/clock.h"
#include "common/curve_keys.h"
#include "common/instance_lock.h"
#include "common/page_size_upgrade.h"
#include "common/priority_lane.h"
#include "common/record_validator.h"
#include "common/socket_options.h"
#include "common/state_file.h"
#include "common/store_health.h"
#include "common/urgent_watch.h"
#include "common/wal_checkpointer.h"
#include "common/wal_syncer.h"
#include "common/wire_frame.h"
#include "hub/admin_queue.h"
#include "hub/audit_trail.h"
#include "hub/bulk_committer.h"
#include "hub/cluster/cluster_command.h"
#include "hub/cluster/hub_cluster.h"
#include "hub/feed_fanout.h"
#include "hub/feed_grants.h"
#include "hub/fetch_server.h"
#include "hub/group_commit.h"
#include "hub/group_registry.h"
#include "hub/held_commits.h"
#include "hub/hub_config.h"
#include "hub/hub_schema.h"
#include "hub/ingest_queue.h"
#include "hub/journal.h"
#include "hub/node_registry.h"
#include "hub/node_states.h"
#include "hub/operator_cancels.h"
#include "hub/peer_identity.h"
#include "hub/scope_policy.h"
#include "hub/zap_handler.h"

namespace cen::hub {
namespace {

using common::WireFrame;
using nlohmann::json;
namespace frame = common::frame;
using Clock = std::chrono::steady_clock;

constexpr int kMaxDrain = 256;  // feed subscription messages handled per turn
// A bulk group commit stops taking PUBLISH frames past this many records, so
// a commit in progress never holds an urgent alert back for long (256
// records: about 10 ms of work; the fsync per commit costs ~1 ms).
constexpr size_t kMaxCommitRecords = 256;
// A cluster's commit is a Raft entry that each member writes to its log
// (fsync) and applies: fewer, larger entries. An urgent alert is not held
// back by it: its own entry follows in the same round of replication.
constexpr size_t kMaxClusterCommitRecords = 1024;
// While it validates a bulk PUBLISH frame, the hub takes in and commits the
// priority frames that arrived every this many records.
constexpr size_t kYieldEvery = 64;
// With a watcher a yield without a knock is an atomic load.
constexpr size_t kWatchedYieldEvery = 8;
constexpr auto kHeartbeatEvery = std::chrono::seconds(1);
// A node silent this long is logged as lost (an agent PINGs every second).
constexpr auto kNodeSilence = std::chrono::seconds(10);
// A loop step this long is logged (debug): the hub takes priority frames in
// between steps, every kYieldEvery records of a bulk frame it validates and
// every Journal::kCutEvery records it journals, not inside other steps, so
// it may have held an urgent alert back (tests/bench/alert_trace.py lists
// these).
constexpr auto kSlowStep = std::chrono::milliseconds(5);
// While the checkpointer catches up with a log past its limit, the loop
// looks again this often (a checkpoint ends without a message to wake it).
constexpr auto kCatchUpPoll = std::chrono::milliseconds(5);

class HubLoop {
 public:
  // `feed_endpoint`: what `xpub` was bound to; `feed_bound`: its ZMQ_LAST_ENDPOINT.
  // `cluster`: this hub's Raft member, or nullptr for a single hub.
  // `checkpointer` (a single hub's): asked before each bulk commit whether
  // the log must be copied first.
  HubLoop(common::Database* db, HubConfig config, AuditTrail* audit, zmq::socket_t* router,
          zmq::socket_t* xpub, std::string feed_endpoint, std::string feed_bound,
          HubCluster* cluster = nullptr, common::WalSyncer* syncer = nullptr,
          common::WalCheckpointer* checkpointer = nullptr, common::UrgentWatch* watch = nullptr)
      : db_(db),
        watch_(watch),
        cluster_(cluster),
        syncer_(cluster ? nullptr : syncer),
        checkpointer_(cluster ? nullptr : checkpointer),
        config_(std::move(config)),
        audit_(audit),
        journal_(db),
        registry_(db),
        groups_(db),
        policy_(&groups_),
        validator_(common::KeyPolicy::kKeepUnknown),
        router_(router),
        xpub_(xpub),
        grants_(xpub, std::move(feed_endpoint), std::move(feed_bound), &registry_, audit),
        ingest_(router, [this](zmq::message_t& last) { return MayPeek(last); }),
        fanout_(&registry_, &policy_, &journal_.reaches(),
                [this](const std::string& topic, const FeedFanout::Frame& bytes) {
                  SendFeed(topic, bytes);
                }),
        fetch_(&journal_, &policy_),
        held_(&journal_, &fanout_,
              [this](const std::string& routing_id, const std::string& bytes) {
                SendTo(routing_id, bytes);
              }),
        bulk_(db, &journal_, &held_, syncer_, &store_,
              {.priority_waiting = [this] { return PriorityWaiting(); },
               .yield =
                   [this] {
                     YieldToPriority();
                     return !yield_error_;
                   },
               .stopping = [this] { return Stopping(); },
               .stop = [this](const common::Status& s) { release_error_ = s; },
               .requeue =
                   [this](std::vector<IngestQueue::Message> messages) {
                     ingest_.Requeue(std::move(messages), /*priority=*/false);
                   },
               .store_changed = [this] { WriteStateFile(); }}) {}

  common::Status Init(const std::string& data_dir) {
    if (auto file = common::StateFile::Create(data_dir + "/hub.state"); file.ok()) {
      state_file_.emplace(std::move(*file));
    } else {
      spdlog::warn("{}", file.status().message());
    }
    journal_.set_visibility(
        [this](std::string_view node, std::string_view scope, std::string_view origin) {
          const NodeInfo* info = registry_.FindActive(std::string(node));
          return info != nullptr && policy_.MaySee(*info, scope, origin);
        });
    journal_.set_validator_of(
        [this](std::string_view origin) { return registry_.ValidatorOf(origin); });
    journal_.set_audience([this](std::string_view scope, std::string_view origin) {
      return policy_.Audience(registry_, scope, origin);
    });
    CEN_RETURN_IF_ERROR(journal_.Load());
    CEN_RETURN_IF_ERROR(registry_.Refresh());
    grants_.NoteKeys();
    return groups_.Refresh();
  }

  common::Status Serve(const std::atomic<bool>& stop) {
    spdlog::info("hub serving: epoch {}, head {}, {} registered nodes", journal_.epoch(),
                 journal_.head(), registry_.nodes().size());
    // A cluster member also waits on its Raft loop (timers, peers, disk).
    // A single hub waits on its log syncer instead (bulk commits made durable).
    const int third = cluster_ ? cluster_->backend_fd() : syncer_ ? syncer_->fd() : -1;
    zmq::pollitem_t items[] = {{router_->handle(), 0, ZMQ_POLLIN, 0},
                               {xpub_->handle(), 0, ZMQ_POLLIN, 0},
                               {nullptr, third, ZMQ_POLLIN, 0}};
    const int n_items = third >= 0 ? 3 : 2;
    auto next_heartbeat = Clock::now();
    while (!stop) {
      if (!release_error_.ok()) return release_error_;
      // While hub.db fails, ingest waits in its socket for the next try.
      const bool may_commit = store_.MayTry(Clock::now());
      // While the log is copied, bulk frames wait (in the queue, and once
      // it is full in the socket); priority frames are still taken in.
      const bool held = BulkHeld();
      try {
        items[0].events = may_commit && !(held && ingest_.bulk_full()) ? ZMQ_POLLIN : 0;
        const bool idle = ingest_.empty() && !bulk_.unfinished();
        auto wait = std::chrono::milliseconds(idle || !may_commit ? 100 : 0);
        if (held && may_commit && !idle) wait = kCatchUpPoll;
        if (cluster_) wait = std::min(wait, cluster_->backend_timeout());
        if (watch_) watch_->Sleep();
        const auto poll_started = Clock::now();
        zmq::poll(items, n_items, wait);
        polled_ += Clock::now() - poll_started;
        if (watch_) {
          watch_->Wake();
          // An urgent frame first, and the borrowed priority handed back
          // before the releases, fan-outs and heartbeats below.
          AnswerKnock();
        }
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) continue;
        return common::Internal(std::string("poll: ") + e.what());
      }
      // Applied entries ack their PUBLISH frames from in here.
      if (cluster_) {
        const auto raft_started = Clock::now();
        cluster_->RunOnce(std::chrono::milliseconds(0));
        NoteRaftGap(raft_started, Clock::now());
        // Newly the leader, with every earlier entry applied: its head.
        if (cluster_->TakeReady()) ReloadJournal();
      } else if (syncer_ && (items[2].revents & ZMQ_POLLIN)) {
        syncer_->Clear();
        CEN_RETURN_IF_ERROR(Timed("release", [&] { return ReleaseDurable(/*all=*/false); }));
      }
      if (items[1].revents & ZMQ_POLLIN) {
        for (const std::string& topic : grants_.Drain(kMaxDrain)) {
          SendFeed(topic, std::make_shared<const std::string>(
                              FeedFanout::HeadFrame(journal_.epoch(), journal_.head())));
        }
      }
      if (may_commit &&
          ((items[0].revents & ZMQ_POLLIN) || !ingest_.empty() || bulk_.unfinished())) {
        DrainIngest();
        if (watch_) AnswerKnock();
      }
      // Nothing more is written (node states, audit, operator cancels):
      // hub.db's connection may no longer fsync its commits.
      if (Stopping()) return release_error_;
      if (Clock::now() >= next_heartbeat) {
        Heartbeat();
        next_heartbeat = Clock::now() + kHeartbeatEvery;
      }
    }
    if (bulk_.unfinished()) {
      spdlog::warn(
          "{} records of a bulk batch stopped part-way are not acknowledged; their "
          "nodes offer them again (those journaled are acked DUP)",
          bulk_.unfinished_records());
    }
    // Bulk commits still waiting for the disk: synced, acked and fanned out.
    if (syncer_ && !held_.empty()) {
      CEN_RETURN_IF_ERROR(syncer_->Wait(syncer_->Request()));
      CEN_RETURN_IF_ERROR(ReleaseDurable(/*all=*/false));
    }
    FlushNodeStates();
    FlushAudit();
    WriteStateFile();
    if (cluster_) ReloadJournal();
    spdlog::info("hub stopped at head {}", journal_.head());
    return common::Status::Ok();
  }

 private:
  // step(), and a debug line when it took kSlowStep or more.
  template <typename Step>
  auto Timed(const char* name, Step step) -> decltype(step()) {
    struct Note {
      const char* name;
      Clock::time_point started;
      ~Note() {
        const auto took = Clock::now() - started;
        if (took >= kSlowStep)
          spdlog::debug("loop step '{}' took {} ms", name,
                        std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
      }
    } note{name, Clock::now()};
    return step();
  }

  void SendTo(const std::string& routing_id, const std::string& bytes) {
    try {
      // Never send a body whose routing-id part did not go: it would be taken
      // for the next message's routing id.
      if (!router_->send(zmq::buffer(routing_id),
                         zmq::send_flags::sndmore | zmq::send_flags::dontwait))
        return;
      (void)router_->send(zmq::buffer(bytes), zmq::send_flags::dontwait);
    } catch (const zmq::error_t& e) {
      spdlog::warn("reply dropped: {}", e.what());
    }
  }

  void SendError(const std::string& routing_id, const std::string& code,
                 const std::string& reason) {
    SendTo(routing_id,
           WireFrame::Encode({{"t", frame::kError}, {"code", code}, {"reason", reason}}));
  }

  // ERROR reply and an audit entry (throttled per node and code).
  void Refuse(const std::string& routing_id, const std::string& node, const std::string& code,
              const std::string& reason) {
    SendError(routing_id, code, reason);
    audit_->NoteThrottled("frame:" + node + ":" + code, AuditTrail::kRefusedFrame, node,
                          code + ": " + reason);
  }

  // Works through the ingest messages waiting: between any two steps of the
  // bulk work (64 records of a frame validated, the commit) it takes in what arrived and
  // commits the frames carrying urgent or high alerts first, in their own
  // transaction. A bulk commit takes at most kMaxCommitRecords records.
  void DrainIngest() {
    RefreshRegistries();  // a revoke or re-key applies from the next message on
    ingest_.Intake();
    CommitPriority();
    if (BulkHeld()) return AnswerReadsAhead();
    // A batch partly journaled when a commit failed goes on where it
    // stopped, before any other bulk frame.
    if (bulk_.unfinished()) {
      if (store_.MayTry(Clock::now()) && !Stopping()) bulk_.Resume();
      if (yield_error_) std::rethrow_exception(std::exchange(yield_error_, nullptr));
      return;
    }
    GroupCommit bulk = NewBatch();
    // After a failed commit, nothing more until the back-off has passed.
    const size_t max_records = cluster_ ? kMaxClusterCommitRecords : kMaxCommitRecords;
    while (bulk.records() < max_records && store_.MayTry(Clock::now())) {
      auto message = ingest_.NextBulk();
      if (!message) break;
      Handle(*message, &bulk, /*yields=*/true);
      YieldToPriority();
      if (yield_error_) std::rethrow_exception(std::exchange(yield_error_, nullptr));
    }
    if (bulk.empty()) return;
    // A priority commit failed meanwhile (a full disk): the bulk waits for
    // the next try too, behind the priority frames queued again.
    if (!store_.MayTry(Clock::now()) || Stopping()) {
      ingest_.Requeue(bulk.TakeReceived(), /*priority=*/false);
      return;
    }
    CommitAndAck(bulk, /*priority=*/false);
    if (yield_error_) std::rethrow_exception(std::exchange(yield_error_, nullptr));
  }

  // Takes in what arrived and commits the priority frames among it: between
  // two bulk frames, and inside one every kYieldEvery records. An exception
  // there is not the bulk frame's fault: it is kept and rethrown once that
  // frame is handled (DrainIngest), so it ends the loop as it always did.
  void YieldToPriority() {
    try {
      ingest_.Intake();
      CommitPriority();
    } catch (...) {
      if (!yield_error_) yield_error_ = std::current_exception();
    }
  }

  void CommitPriority() {
    if (!store_.MayTry(Clock::now()) || Stopping()) return;  // after the back-off
    GroupCommit priority = NewBatch();
    while (auto message = ingest_.NextPriority()) Handle(*message, &priority, /*yields=*/false);
    if (priority.empty()) return;
    spdlog::debug("priority commit: {} records, {} bulk messages waiting", priority.records(),
                  ingest_.bulk_waiting());
    CommitAndAck(priority, /*priority=*/true);
  }

  // No bulk commit starts while the checkpointer catches up with a log that
  // grew past max_log_mib: a hub journaling back to back never gives a
  // PASSIVE checkpoint the moment to start the log again (measured: hub.db's
  // log reached 96 MB while journaling 300,000 records). Priority commits
  // go on; the next bulk commit starts the log from its beginning.
  bool BulkHeld() {
    const bool held = checkpointer_ != nullptr && checkpointer_->CatchingUp(Clock::now());
    if (held && !bulk_held_)
      spdlog::debug("bulk commits wait: hub.db's log holds {} frames", checkpointer_->log_frames());
    bulk_held_ = held;
    return held;
  }

  // While bulk commits wait, the frames at the front of the bulk queue that
  // journal nothing (FETCH, HELLO, PING) are still answered, in order: a
  // node catching up does not wait for the checkpoint.
  void AnswerReadsAhead() {
    GroupCommit none = NewBatch();
    while (const IngestQueue::Message* front = ingest_.FrontBulk()) {
      const std::string_view type =
          front->size() == 2 ? WireFrame::DeclaredType(front->back().to_string_view()) : "";
      if (type != frame::kFetch && type != frame::kHello && type != frame::kPing) return;
      auto message = ingest_.NextBulk();
      Handle(*message, &none, /*yields=*/false);
    }
  }

  GroupCommit NewBatch() {
    return GroupCommit({&journal_, audit_, &validator_, &policy_, &registry_, db_, [this] {
                          registry_.Invalidate();
                          groups_.Invalidate();
                          RefreshRegistries();
                        }});
  }

  // `yields`: bulk work, which makes way for priority frames as it goes.
  void Handle(IngestQueue::Message& parts, GroupCommit* batch, bool yields) {
    try {
      const size_t publishes = batch->publishes();
      HandleIngest(parts, batch, yields);
      if (batch->publishes() > publishes) batch->Keep(std::move(parts));
    } catch (const std::exception& e) {  // a frame no check foresaw: refuse it, keep serving
      spdlog::error("frame refused: {}", e.what());
      Refuse(parts[0].to_string(), PeerIdentity::UserId(parts.back()).value_or(""), "bad_frame",
             "frame could not be handled");
    }
  }

  // May the ingest queue parse this message's bytes to classify it? Only a
  // registered, unrevoked node's, authenticated with its current key.
  bool MayPeek(zmq::message_t& last_part) {
    const auto node = PeerIdentity::UserId(last_part);
    std::string why;
    return node && PeerIdentity::Authenticated(registry_, last_part, *node, &why) != nullptr;
  }

  void HandleIngest(std::vector<zmq::message_t>& parts, GroupCommit* batch, bool yields) {
    const std::string rid = parts[0].to_string();
    const auto node = PeerIdentity::UserId(parts.back());
    if (!node) {
      SendError(rid, "unauthenticated", "no authenticated node identity");
      return;
    }
    // Who, before what: a revoked node's bytes are not even decoded.
    std::string why;
    const NodeInfo* info = PeerIdentity::Authenticated(registry_, parts.back(), *node, &why);
    if (info == nullptr) {
      Refuse(rid, *node, "unauthorized", why);
      return;
    }
    if (parts.size() != 2) {
      Refuse(rid, *node, "bad_frame", "a request is exactly one frame after the routing id");
      return;
    }
    if (cluster_ && !cluster_->Serving()) {
      RefuseNotLeader(rid);
      return;
    }
    // Read in place: a PUBLISH's records never become a JSON tree; the few
    // other frames do.
    auto decoded = WireFrame::DecodeInPlace(parts[1].to_string_view());
    if (!decoded.ok()) {
      spdlog::warn("bad frame from {}: {}", *node, decoded.status().message());
      Refuse(rid, *node, "bad_frame", decoded.status().message());
      return;
    }
    const std::string type(decoded->TextOr("t", ""));
    if (type == frame::kPublish) {
      std::function<void()> yield;
      // With a watcher, inside a frame: only when it knocked (an atomic load).
      if (yields) yield = [this] { watch_ ? AnswerKnock() : YieldToPriority(); };
      const common::Status s =
          batch->Add(rid, *node, *decoded, yield, watch_ ? kWatchedYieldEvery : kYieldEvery);
      if (!s.ok()) Refuse(rid, *node, "bad_frame", s.message());
      return;
    }
    const json f = decoded->ToJson();
    if (type == frame::kHello) {
      HandleHello(rid, *info, f);
    } else if (type == frame::kFetch) {
      Timed("fetch", [&] { HandleFetch(rid, *info, f); });
    } else if (type == frame::kPing) {
      if (const common::Status s = NoteNode(*node, f); !s.ok()) {
        Refuse(rid, *node, "bad_frame", s.message());
        return;
      }
      // Its region and groups too: a node the operator moved, or added to a
      // group, says HELLO again, and the WELCOME makes it fetch the records
      // it may see now (PROTOCOL 6.5).
      SendTo(rid, WireFrame::Encode({{"t", frame::kPong},
                                     {"head", journal_.head()},
                                     {"region", info->region},
                                     {"groups", groups_.GroupsOf(info->id)},
                                     {"groups_since", groups_.GroupsSince(info->id)}}));
    } else {
      Refuse(rid, *node, "bad_frame", "unknown frame type '" + type.substr(0, 64) + "'");
    }
  }

  // Keeps what a HELLO or PING says of the node (cen-hub status shows it).
  common::Status NoteNode(const std::string& node, const json& f) {
    return node_states_.Note(node, f, common::Clock::NowRfc3339());
  }

  void HandleHello(const std::string& rid, const NodeInfo& info, const json& f) {
    if (WireFrame::IntOr(f, "proto", 0) != frame::kProtocolVersion) {
      Refuse(rid, info.id, "protocol",
             "this hub speaks protocol " + std::to_string(frame::kProtocolVersion));
      return;
    }
    if (const common::Status s = NoteNode(info.id, f); !s.ok()) {
      Refuse(rid, info.id, "bad_frame", s.message());
      return;
    }
    spdlog::info("node {} connected", info.id);
    SendTo(rid, WireFrame::Encode({{"t", frame::kWelcome},
                                   {"proto", frame::kProtocolVersion},
                                   {"node", info.id},
                                   {"region", info.region},
                                   {"groups", groups_.GroupsOf(info.id)},
                                   {"groups_since", groups_.GroupsSince(info.id)},
                                   {"epoch", journal_.epoch()},
                                   {"head", journal_.head()},
                                   {"feed_port", config_.feed_port}}));
  }

  void HandleFetch(const std::string& rid, const NodeInfo& info, const json& f) {
    const common::Status s =
        fetch_.Answer(info, f, [&](const std::string& bytes) { SendTo(rid, bytes); });
    if (s.ok()) return;
    if (s.code() == common::StatusCode::kInvalidInput) {
      Refuse(rid, info.id, "bad_frame", s.message());
      return;
    }
    spdlog::error("fetch for {} failed: {}", info.id, s.message());
    SendError(rid, "internal", "fetch failed; retry");
  }

  // A cluster member's epoch and head as its state machine left them in
  // hub.db (it journals on a connection of its own).
  void ReloadJournal() {
    if (const common::Status s = journal_.Load(); !s.ok())
      spdlog::error("journal: {}", s.message());
  }

  // A cluster member that does not lead serves nothing: ERROR not_leader,
  // naming the leader's ingest endpoint and key when one is known.
  void RefuseNotLeader(const std::string& rid) {
    json error = {{"t", frame::kError}, {"code", "not_leader"}};
    if (const std::optional<ClusterMemberConfig> leader = cluster_->leader()) {
      error["reason"] = "this hub is not the cluster's leader; member " +
                        std::to_string(leader->id) + " at " + leader->ingest + " is";
      error["leader"] = leader->ingest;
      error["leader_key"] = leader->key;
    } else {
      error["reason"] = "this hub is not the cluster's leader; an election is under way";
    }
    SendTo(rid, WireFrame::Encode(error));
  }

  // A cluster's group commit: the batch is proposed to Raft and acked once a
  // majority holds it and this member has applied it. A failed proposal
  // (leadership lost) acks nothing: its frames are handled again, and
  // refused with the leader's name, so the nodes send them there (a record
  // the new leader journaled meanwhile is a duplicate there).
  void ProposeAndAck(GroupCommit& batch, bool priority) {
    std::vector<AuditTrail::Entry> notes = audit_->TakePending();
    const std::string entry = batch.Entry(notes);
    auto proposed = std::make_shared<GroupCommit>(std::move(batch));
    auto fail = [this, proposed, priority](std::vector<AuditTrail::Entry> carried, int status) {
      spdlog::warn("group commit of {} records not committed: {}", proposed->records(),
                   raft_strerror(status));
      audit_->Requeue(std::move(carried));
      ingest_.Requeue(proposed->TakeReceived(), priority);
    };
    const int rv = cluster_->Propose(
        entry, [this, proposed, notes, fail](int status, const HubStateMachine::Applied* applied) {
          if (status != 0 || applied == nullptr) return fail(notes, status);
          if (applied->replayed || applied->outcomes.size() != proposed->records()) {
            // hub.db held this index already: it and the Raft log disagree.
            spdlog::error("Raft entry {} was already in hub.db: its Raft log is not hub.db's",
                          applied->index);
            return fail(notes, RAFT_CORRUPT);
          }
          ReloadJournal();  // the state machine journaled it on its own connection
          for (const GroupCommit::Reply& r : proposed->Applied(applied->outcomes))
            SendTo(r.routing_id, r.frame);
          fanout_.Commit(journal_.epoch(), proposed->candidates(), proposed->outcomes());
        });
    if (rv != 0) fail(std::move(notes), rv);
  }

  // A priority commit is durable when it returns (PRAGMA synchronous=FULL),
  // and so is every commit before it in hub.db's log. A bulk commit only
  // writes the log (synchronous=NORMAL): the syncer's thread makes it
  // durable while this loop goes on, and its ACKs, fan-out and head wait
  // for that (held_, ReleaseDurable). So an urgent alert no longer waits
  // behind a bulk commit's fsync, and the next bulk batch is read meanwhile.
  void CommitAndAck(GroupCommit& batch, bool priority) {
    if (cluster_) return ProposeAndAck(batch, priority);
    if (syncer_ != nullptr && !priority && batch.records() > 0)
      return bulk_.Commit(std::make_shared<GroupCommit>(std::move(batch)));
    const auto started = Clock::now();
    auto replies = batch.Commit();
    GroupCommit::LogCommit(batch.records(), batch.publishes(), started, /*cut=*/false);
    if (!replies.ok()) {
      // Nothing was acked; the frames are committed at the next try.
      store_.Failed(replies.status(), Clock::now());
      ingest_.Requeue(batch.TakeReceived(), priority);
      WriteStateFile();
      return;
    }
    if (batch.records() > 0 && store_.Succeeded()) WriteStateFile();
    // A commit that journaled a record fsynced the log, and so made every
    // commit written before it durable. One that journaled nothing synced
    // nothing, and its DUP answers may name gseqs still held: it waits its
    // turn behind them.
    const bool synced = JournaledAny(batch.outcomes());
    if (!synced && !held_.empty()) {
      const size_t records = batch.records();
      held_.Hold({syncer_->Request(),
                  journal_.written(),
                  std::make_shared<GroupCommit>(std::move(batch)),
                  {0, records},
                  std::move(*replies)});
      return;
    }
    if (!synced) {
      for (const GroupCommit::Reply& r : *replies) SendTo(r.routing_id, r.frame);
      return fanout_.Commit(journal_.epoch(), batch.candidates(), batch.outcomes());
    }
    // This commit fsynced the log, and with it every bulk commit held before
    // it (unless a sync failed: then nothing more is acked, and the hub
    // stops). Its urgent and high alerts go out first: the offices do not
    // wait for the held commits' acks and fan-out. Then those, then its own
    // ACKs and BATCH: ACKs and each node's bulk feed stay in gseq order.
    if (!SyncHealthy().ok()) return;
    fanout_.Priority(journal_.epoch(), batch.candidates(), batch.outcomes());
    Timed("release-all", [&] { held_.ReleaseAll(); });
    for (const GroupCommit::Reply& r : *replies) SendTo(r.routing_id, r.frame);
    fanout_.Batches(journal_.epoch(), batch.candidates(), batch.outcomes());
  }

  // A failed sync, or a connection that could not go back to
  // synchronous=FULL: nothing more is committed or acked, and Serve() ends.
  bool Stopping() const { return !release_error_.ok(); }

  // Whether a priority frame waits, after taking in what arrived. An
  // exception there is kept for DrainIngest, like YieldToPriority's; the
  // commit in progress ends meanwhile.
  bool PriorityWaiting() {
    if (watch_ && !watch_->knocked()) {
      watch_->Looked();  // the watcher may wait for its mutex: handed over
      return ingest_.priority_waiting();
    }
    try {
      if (!watch_) {
        ingest_.Intake();
      } else {
        TakeInAll();
        if (!ingest_.priority_waiting()) watch_->Looked();
      }
    } catch (...) {
      if (!yield_error_) yield_error_ = std::current_exception();
      return true;
    }
    return ingest_.priority_waiting();
  }

  // With a watcher (common::UrgentWatch), which knocks when the ingest
  // socket has news: the news is taken in and a priority frame among it
  // committed, the socket's commands read so it polls quiet, and the
  // watcher's borrowed priority handed back. Without a knock, nothing: an
  // atomic load, so bulk work asks every kWatchedYieldEvery records.
  void AnswerKnock() {
    if (!watch_->attention()) return;
    if (watch_->knocked()) {
      try {
        TakeInAll();
        CommitPriority();
      } catch (...) {
        if (!yield_error_) yield_error_ = std::current_exception();
      }
    }
    watch_->Looked();
  }

  // Everything waiting on the ROUTER (Intake stops at each priority frame;
  // a full bulk queue leaves the rest in the socket), then the socket's
  // commands read: it polls quiet, so the next frame knocks again.
  void TakeInAll() {
    while (ingest_.Intake() > 0) {
    }
    (void)router_->get(zmq::sockopt::events);
  }

  static bool JournaledAny(const std::vector<Journal::Outcome>& outcomes) {
    return std::any_of(outcomes.begin(), outcomes.end(), [](const Journal::Outcome& o) {
      return o.verdict == Journal::Verdict::kNew;
    });
  }

  // Acks and fans out the held bulk commits that are durable, oldest first:
  // those the syncer has synced, or all of them once a synchronous commit
  // after them returned. A failed sync is final: nothing held can be called
  // durable any more, so the hub stops (its log says why) and the nodes
  // offer those records again to the next run.
  common::Status ReleaseDurable(bool all) {
    CEN_RETURN_IF_ERROR(SyncHealthy());
    if (all) {
      held_.ReleaseAll();
    } else {
      held_.Release(syncer_ ? syncer_->done() : 0);
    }
    return common::Status::Ok();
  }

  // Not Stopping(), and no sync has failed (one that has makes it so).
  common::Status SyncHealthy() {
    if (Stopping()) return release_error_;
    if (const common::Status failed = syncer_ ? syncer_->status() : common::Status::Ok();
        !failed.ok()) {
      spdlog::error("{}; {} commits not acknowledged", failed.message(), held_.size());
      release_error_ = failed;
      return failed;
    }
    return common::Status::Ok();
  }

  // The frame's bytes are handed to ZeroMQ without a copy: the message holds
  // a reference to the shared frame until ZeroMQ is done with it.
  void SendFeed(const std::string& topic, const FeedFanout::Frame& bytes) {
    try {
      if (!xpub_->send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait))
        return;
      auto hold = std::make_unique<FeedFanout::Frame>(bytes);
      zmq::message_t body(
          const_cast<char*>((*hold)->data()), (*hold)->size(),
          [](void*, void* hint) { delete static_cast<FeedFanout::Frame*>(hint); }, hold.get());
      (void)hold.release();  // the message owns it now (freed by ZeroMQ, or with `body`)
      (void)xpub_->send(body, zmq::send_flags::dontwait);
    } catch (const zmq::error_t& e) {
      spdlog::warn("feed message dropped: {}", e.what());
    }
  }

  void RefreshRegistries() {
    common::Status s = registry_.Refresh();
    if (!s.ok()) spdlog::error("registry: {}", s.message());
    s = groups_.Refresh();
    if (!s.ok()) spdlog::error("groups: {}", s.message());
    grants_.NoteKeys();
  }

  // Alerts the hub operator cancelled (cen-hub cancel-alert), journaled like
  // any record, audited in the same transaction; in a cluster, by the
  // leader through a Raft entry of their own.
  void CommitOperatorCancels() {
    if (!store_.MayTry(Clock::now())) return;
    if (cluster_ && !cluster_->is_leader() && !cancels_in_flight_) return CloseOperatorCancels();
    if (cluster_ && (!cluster_->Serving() || cancels_in_flight_)) return;
    auto pending = OperatorCancels::Take(*db_, validator_, common::Clock::NowMillis());
    if (!pending.ok()) {
      store_.Failed(pending.status(), Clock::now());
      return;
    }
    if (pending->empty()) return;
    std::vector<Journal::Candidate> candidates;
    for (const auto& p : *pending) {
      candidates.push_back(*p.cancel);
      // The origin sees its own records; this cancel is the operator's, so a
      // narrow scope names the alert's origin beside the alert's scope: an
      // office that may see the alert later (added to its group, moved to
      // its region) sees its cancel too (a trial: the list of the offices
      // in scope then left a member added later with the alert in force).
      if (p.alert_scope != "global" && !p.alert_origin.empty()) {
        candidates.back().edits.fields.emplace_back(
            "scope", ScopePolicy::Also(p.alert_origin, p.alert_scope));
      }
    }
    if (cluster_) return ProposeOperatorCancels(std::move(*pending), std::move(candidates));
    std::vector<Journal::Outcome> outcomes;
    const common::Status s =
        journal_.Append(candidates, &outcomes, [&](const std::vector<Journal::Outcome>& done) {
          CEN_RETURN_IF_ERROR(audit_->WritePending(*db_));
          return OperatorCancels::Finish(*db_, *pending, done);
        });
    audit_->Settle(s.ok());
    if (!s.ok()) {
      store_.Failed(s, Clock::now());
      return;
    }
    LogOperatorCancels(*pending, outcomes);
    // Fsynced with them, the bulk commits before them go out first.
    if (JournaledAny(outcomes) && !ReleaseDurable(/*all=*/true).ok()) return;
    fanout_.Commit(journal_.epoch(), candidates, outcomes);
  }

  void ProposeOperatorCancels(std::vector<OperatorCancels::Pending> pending,
                              std::vector<Journal::Candidate> candidates) {
    std::vector<AuditTrail::Entry> notes = audit_->TakePending();
    const std::string now = common::Clock::NowRfc3339();
    for (const auto& p : pending)
      notes.push_back({now, std::string(AuditTrail::kAdmin), "", OperatorCancels::Requested(p)});
    const std::string entry = ClusterCommand::EncodeJournal(now, candidates, {}, notes);
    cancels_in_flight_ = true;
    auto proposed = std::make_shared<
        std::pair<std::vector<OperatorCancels::Pending>, std::vector<Journal::Candidate>>>(
        std::move(pending), std::move(candidates));
    const size_t carried = notes.size() - proposed->first.size();
    auto fail = [this, notes, carried](int status) {
      cancels_in_flight_ = false;
      spdlog::warn("operator cancels not committed: {}; tried again", raft_strerror(status));
      audit_->Requeue(std::vector<AuditTrail::Entry>(notes.begin(), notes.begin() + carried));
    };
    const int rv = cluster_->Propose(
        entry, [this, proposed, fail](int status, const HubStateMachine::Applied* applied) {
          if (status != 0 || applied == nullptr || applied->replayed) return fail(status);
          cancels_in_flight_ = false;
          ReloadJournal();
          const common::Status s =
              OperatorCancels::MarkDone(*db_, proposed->first, applied->outcomes);
          if (!s.ok()) spdlog::error("operator cancels: {}", s.message());
          LogOperatorCancels(proposed->first, applied->outcomes);
          fanout_.Commit(journal_.epoch(), proposed->second, applied->outcomes);
        });
    if (rv != 0) fail(rv);
  }

  static void LogOperatorCancels(const std::vector<OperatorCancels::Pending>& pending,
                                 const std::vector<Journal::Outcome>& outcomes) {
    for (size_t i = 0; i < outcomes.size() && i < pending.size(); ++i) {
      spdlog::info("operator cancel of alert {}: {}", pending[i].alert,
                   outcomes[i].verdict == Journal::Verdict::kNew
                       ? "journaled at gseq " + std::to_string(outcomes[i].gseq)
                       : "refused: " + outcomes[i].reason);
    }
  }

  // A cluster member that does not lead closes the operator's cancels asked
  // on it (cen-hub cancel-alert refuses on a follower; one asked on a leader
  // that stepped down before journaling it must not fire when it next leads).
  void CloseOperatorCancels() {
    auto dropped = OperatorCancels::Close(*db_);
    if (!dropped.ok()) return store_.Failed(dropped.status(), Clock::now());
    for (const std::string& alert : *dropped)
      spdlog::warn(
          "operator cancel of alert {} not journaled: this member stopped leading first; run "
          "cen-hub cancel-alert on the leader's data directory",
          alert);
  }

  // A member whose loop is busy elsewhere for half an election timeout, or
  // whose Raft turn itself takes that long (applying entries, a snapshot),
  // answers no heartbeat in time: with a member down the leader may lose its
  // majority (a trial saw a new voter's silence end a leadership; its cause
  // is not known yet). Said at most every 10 s.
  void NoteRaftGap(Clock::time_point started, Clock::time_point ended) {
    const auto limit = std::chrono::milliseconds(cluster_->member().election_timeout_ms() / 2);
    // Busy time only: waiting in poll (nothing to do, Raft's fd watched) is
    // not leaving Raft alone.
    const auto gap =
        raft_last_ == Clock::time_point{} ? Clock::duration{} : started - raft_last_ - polled_;
    const auto took = ended - started;
    raft_last_ = ended;
    polled_ = {};
    if ((gap < limit && took < limit) || ended - raft_gap_logged_ < std::chrono::seconds(10))
      return;
    raft_gap_logged_ = ended;
    const auto ms = [](Clock::duration d) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    };
    spdlog::warn(
        "cluster: this member's loop was busy elsewhere for {} ms, then its Raft turn took {} ms "
        "(half an election timeout is {} ms): peers may have taken it for silent",
        ms(gap), ms(took), limit.count());
  }

  // Registry changes asked of this member (cen-hub allow, revoke, ...): the
  // leader proposes each; the state machine makes it on every member and
  // records the outcome in the row the command waits on. A member that does
  // not lead refuses them, naming the leader.
  void TakeAdminRequests() {
    if (!cluster_ || !store_.MayTry(Clock::now())) return;
    if (!cluster_->Serving()) {
      if (cluster_->is_leader()) return;  // elected, catching up: soon
      const std::optional<ClusterMemberConfig> leader = cluster_->leader();
      const std::string why =
          !leader ? "this member is not the cluster's leader and none is known (an election); "
                    "run the command again in a few seconds"
                  : "this member is not the cluster's leader: run the command on member " +
                        std::to_string(leader->id) + "'s data directory (it takes nodes at " +
                        leader->ingest + ")";
      if (const common::Status s = AdminQueue::Refuse(*db_, cluster_->member().id(), 0, why);
          !s.ok())
        store_.Failed(s, Clock::now());
      return;
    }
    const int64_t member = cluster_->member().id();
    auto pending = AdminQueue::Take(*db_, member, !cluster_->member().ChangePending());
    if (!pending.ok()) {
      store_.Failed(pending.status(), Clock::now());
      return;
    }
    for (const AdminQueue::Pending& p : *pending) {
      const int64_t id = p.id;
      if (p.change.membership()) {
        ChangeMembership(id, p.change);
        continue;
      }
      const int rv = cluster_->Propose(
          ClusterCommand::EncodeAdmin(common::Clock::NowRfc3339(), member, id, p.change),
          [this, id, member](int status, const HubStateMachine::Applied* applied) {
            if (status == 0 && applied != nullptr) {
              RefreshRegistries();  // a revoke cuts the node off at once
              return;
            }
            // Lost with the leadership, it may still commit under the next
            // leader: a later apply overwrites this answer.
            const common::Status s = AdminQueue::Refuse(
                *db_, member, id,
                std::string("outcome unknown (") + raft_strerror(status) +
                    "): this member lost the leadership; see cen-hub status and the audit "
                    "trail on the leader before asking again");
            if (!s.ok()) spdlog::error("admin request {}: {}", id, s.message());
          });
      if (rv != 0) {
        const common::Status s = AdminQueue::Refuse(
            *db_, member, id, std::string("the change was not proposed: ") + raft_strerror(rv));
        if (!s.ok()) spdlog::error("admin request {}: {}", id, s.message());
      }
    }
  }

  // `cen-hub cluster add|remove`, on the leader: a Raft configuration
  // change; its outcome (the configuration after it) goes into the request.
  void ChangeMembership(int64_t id, const AdminChange& change) {
    auto finish = [this, id](int status, const std::string& refusal) {
      AdminChange::Effect effect;
      effect.detail = cluster_->MembersJson().dump();
      // A change lost with the leadership may still commit under the next
      // leader: asked again, an added member with the same key and
      // endpoints is taken as added.
      const std::string why =
          !refusal.empty() ? refusal
          : status != 0
              ? std::string("outcome unknown (") + raft_strerror(status) +
                    "); see cen-hub status on the leader, and ask again: an addition already "
                    "made is answered as done"
              : "";
      const common::Status s = AdminQueue::Finish(*db_, cluster_->member().id(), id, effect, why);
      if (!s.ok()) spdlog::error("membership request {}: {}", id, s.message());
    };
    const raft_id target = static_cast<raft_id>(change.member);
    bool known = false;
    for (const RaftMember::Member& m : cluster_->member().members()) {
      known = known || m.peer.id == target;
      if (change.op != AdminChange::Op::kMemberAdd) continue;
      const bool same = m.peer.id == target && m.peer.public_key == change.key &&
                        m.peer.address == change.raft && m.peer.ingest == change.ingest;
      if (same) return finish(0, "");  // asked again: it is added
      if (m.peer.public_key == change.key)
        return finish(0, "member " + std::to_string(m.peer.id) + " has that key already");
      for (const auto& [flag, taken] :
           {std::pair{"--raft", m.peer.address == change.raft ? change.raft : ""},
            std::pair{"--ingest", m.peer.ingest == change.ingest ? change.ingest : ""}}) {
        if (m.peer.id == target || taken.empty()) continue;
        const std::string other = std::to_string(m.peer.id);
        return finish(0, "member " + other + " has that " + flag + " endpoint (" + taken +
                             ") already; if member " + other +
                             "'s machine is the one being replaced, remove it first (cen-hub "
                             "cluster remove --member " +
                             other + ")");
      }
    }
    int rv = 0;
    if (change.op == AdminChange::Op::kMemberAdd) {
      if (known)
        return finish(0, "member " + std::to_string(target) +
                             " is a member already, with another key or endpoints");
      rv = cluster_->AddMember({target, change.raft, change.key, change.ingest},
                               [finish](int status) { finish(status, ""); });
    } else {
      if (!known) return finish(0, "no member " + std::to_string(target) + " in the cluster");
      if (target == cluster_->member().id())
        return finish(0, "member " + std::to_string(target) +
                             " leads: stop it, and remove it on the leader the others elect");
      if (const std::string why = NoMajorityWithout(target); !why.empty()) return finish(0, why);
      rv = cluster_->RemoveMember(target, [finish](int status) { finish(status, ""); });
    }
    if (rv != 0) return finish(rv, "");
    spdlog::info("cluster: {} of member {} proposed",
                 change.op == AdminChange::Op::kMemberAdd ? "addition" : "removal", target);
  }

  // Why removing `target` would leave the voters left without a majority
  // that answers (the leader and those heard from within two election
  // timeouts, RaftMember::progress()): the cluster would serve nothing until
  // a member came back.
  // "" when the removal leaves one.
  std::string NoMajorityWithout(raft_id target) const {
    std::vector<raft_id> voters;
    for (const RaftMember::Member& m : cluster_->member().members()) {
      if (m.role == RAFT_VOTER && m.peer.id != target) voters.push_back(m.peer.id);
    }
    std::vector<raft_id> answering;
    for (const RaftMember::Progress& p : cluster_->member().progress()) {
      const bool self = p.id == cluster_->member().id();
      if ((self || p.recent) && p.id != target &&
          std::find(voters.begin(), voters.end(), p.id) != voters.end())
        answering.push_back(p.id);
    }
    if (answering.size() * 2 > voters.size()) return "";
    std::string silent;
    for (const raft_id v : voters) {
      if (std::find(answering.begin(), answering.end(), v) != answering.end()) continue;
      silent += (silent.empty() ? "" : ", ") + std::to_string(v);
    }
    return "removing member " + std::to_string(target) + " would leave " +
           std::to_string(voters.size()) + " voter(s) of which " +
           std::to_string(answering.size()) + " answer(s) (not heard from: member " + silent +
           "): no majority, the cluster would stop; start the silent member(s) first";
  }

  void Heartbeat() {
    CommitOperatorCancels();
    TakeAdminRequests();
    if (cluster_ && cluster_->Serving()) cluster_->PromoteCaughtUp();
    RefreshRegistries();
    // A member's state machine journals what any leader proposed.
    if (cluster_) ReloadJournal();
    if (cluster_ && !cluster_->Serving()) {
      // Only the leader writes the audit trail (through Raft); what a
      // follower noted (refused frames, connections) goes to its log.
      if (!cluster_->is_leader()) {
        for (const AuditTrail::Entry& e : audit_->TakePending())
          spdlog::info("audit (not kept by a follower): {} {} {}", e.event, e.node, e.detail);
      }
      FlushNodeStates();
      WriteStateFile();
      return;
    }
    fanout_.Heads(journal_.epoch(), journal_.head());
    FlushNodeStates();
    FlushAudit();
    WriteStateFile();
  }

  void FlushAudit() {
    if (!store_.MayTry(Clock::now())) return;
    if (cluster_) {
      // The leader's entries ride in a Raft command of their own.
      if (cluster_->Serving() && audit_->HasPending()) {
        GroupCommit notes_only = NewBatch();
        ProposeAndAck(notes_only, /*priority=*/false);
      }
      return;
    }
    const common::Status s = audit_->Flush(*db_);
    if (!s.ok()) store_.Failed(s, Clock::now());  // the entries stay queued in memory
  }

  // hub.state, for `cen-hub status` when hub.db cannot be written.
  void WriteStateFile() {
    if (!state_file_) return;
    // Called on the way out too, so a stopped hub leaves its last word.
    json state = {{"store", store_.cause()},
                  {"head", journal_.head()},
                  {"updated_at", common::Clock::NowRfc3339()}};
    if (cluster_) {
      // `cen-hub status` shows the member's view of the cluster.
      const RaftMember& m = cluster_->member();
      const std::optional<ClusterMemberConfig> leader = cluster_->leader();
      state["cluster"] = {{"member", m.id()},
                          {"role", m.is_leader() ? "leader" : "follower"},
                          {"leader", leader ? leader->id : 0},
                          {"term", m.term()},
                          {"commit_index", m.commit_index()},
                          {"applied_index", m.last_applied()}};
      state["cluster"]["members"] = cluster_->MembersJson();
    }
    const common::Status s = state_file_->Write(state);
    if (!s.ok()) spdlog::warn("hub.state: {}", s.message());
  }

  void FlushNodeStates() {
    for (const std::string& node : node_states_.NewlySilent(Clock::now(), kNodeSilence))
      spdlog::info("node {}: nothing heard for {} s (its link is down or its agent stopped)", node,
                   std::chrono::duration_cast<std::chrono::seconds>(kNodeSilence).count());
    if (node_states_.dirty() == 0 || !store_.MayTry(Clock::now())) return;
    // What could not be written stays noted: written when hub.db takes writes again.
    if (const common::Status s = node_states_.Flush(registry_); !s.ok())
      store_.Failed(s, Clock::now());
  }

  common::Database* db_;                   // not owned
  common::UrgentWatch* watch_;             // not owned; may be null
  HubCluster* cluster_;                    // not owned; nullptr for a single hub
  common::WalSyncer* syncer_;              // not owned; nullptr: every commit waits for the disk
  common::WalCheckpointer* checkpointer_;  // not owned; nullptr: the log is not bounded
  bool bulk_held_ = false;                 // BulkHeld() said so last time
  bool cancels_in_flight_ = false;         // a cluster leader's operator cancels, proposed
  Clock::time_point raft_last_{};          // when the loop's last Raft turn ended
  Clock::duration polled_{};               // time waited in poll since then
  Clock::time_point raft_gap_logged_{};    // NoteRaftGap() said so last
  HubConfig config_;
  AuditTrail* audit_;  // not owned; shared with the ZAP thread
  Journal journal_;
  NodeRegistry registry_;
  GroupRegistry groups_;
  ScopePolicy policy_;
  common::RecordValidator validator_;
  zmq::socket_t* router_;
  zmq::socket_t* xpub_;
  FeedGrants grants_;
  NodeStates node_states_;
  IngestQueue ingest_;
  FeedFanout fanout_;
  FetchServer fetch_;
  std::exception_ptr yield_error_;  // thrown by YieldToPriority, rethrown by DrainIngest
  HeldCommits held_;                // bulk commits written, not yet durable
  common::Status release_error_;    // a failed sync, which ends Serve()
  common::StoreHealth store_{"hub.db"};
  BulkCommitter bulk_;  // bulk batches journaled in parts
  std::optional<common::StateFile> state_file_;
};

}  // namespace

common::Status HubServer::Run(const std::atomic<bool>& stop) {
  auto config = HubConfig::Load(data_dir_);
  if (!config.ok()) return config.status();
  // A leader sends the nodes to its ingest endpoint in [cluster]: listening
  // elsewhere, it cut every office off (user trial). Behind a port mapping
  // (--advertise through NAT) the two may differ: said, and refused only on
  // a loopback endpoint, where no mapping can be.
  if (config->clustered()) {
    const std::string& advertised = config->self().ingest;
    if (advertised.substr(advertised.rfind(':') + 1) != std::to_string(config->ingest_port)) {
      const std::string why = data_dir_ + "/hub.toml: ingest_port is " +
                              std::to_string(config->ingest_port) +
                              " but this member's ingest in [cluster] members is " + advertised +
                              ", where nodes are sent when it leads";
      if (advertised.starts_with("tcp://127.") || advertised.starts_with("tcp://localhost:"))
        return common::InvalidInput(why + ": make the two agree");
      spdlog::warn("{}: unless a port mapping joins the two, no office reaches this member", why);
    }
  }
  auto keys = common::CurveKeys::Load(data_dir_);
  if (!keys.ok()) return keys.status();
  // One hub per data directory; `cen-hub restore` checks it too.
  auto lock = common::InstanceLock::Acquire(data_dir_, common::InstanceLock::kHub);
  if (!lock.ok()) return lock.status();
  // Until the loop writes it every second: starting (opening and upgrading
  // hub.db may take a while), not stuck (cen-hub status).
  if (auto starting = common::StateFile::Create(data_dir_ + "/hub.state"); starting.ok()) {
    (void)starting->Write(
        {{"starting", true}, {"store", ""}, {"updated_at", common::Clock::NowRfc3339()}});
  }
  auto db = HubSchema::Open(data_dir_, /*as_hub=*/true);
  if (!db.ok()) return db.status();
  // A single hub's hub.db made before 2026-12-05 gets the 16 KiB pages of a
  // new one, once, before any thread of the hub uses SQLite. A cluster
  // member keeps its pages: its peers' snapshots are restored into it page
  // by page, which SQLite does only between files of one page size.
  if (!config->clustered()) {
    auto rewritten = common::PageSizeUpgrade::Run(*db);
    if (!rewritten.ok()) return rewritten.status();
  }
  CEN_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL"));
  // Checkpoints on a thread of their own, never inside a commit that an
  // urgent alert waits for. A single hub's log is bounded (HubLoop::BulkHeld);
  // a cluster member's writes are Raft entries applied as they come.
  // (StartBounded turns SQLite's own checkpoints off itself.)
  if (config->clustered()) CEN_RETURN_IF_ERROR(db->Exec("PRAGMA wal_autocheckpoint=0"));
  auto checkpointer = config->clustered()
                          ? common::WalCheckpointer::Start(db->path())
                          : common::WalCheckpointer::StartBounded(*db, config->max_log_mib);
  if (!checkpointer.ok()) return checkpointer.status();

  AuditTrail audit;  // outlives the ZAP thread and the loop that use it
  const int rt_priority = options_.rt_priority >= 0 ? options_.rt_priority : config->rt_priority;
  std::unique_ptr<common::UrgentWatch> watch =
      common::UrgentWatch::StartFor(data_dir_ + "/hub.toml", rt_priority);
  zmq::context_t ctx;
  if (watch) {
    // The I/O thread, which takes an alert off the wire and sends it out on
    // the feed, runs at the same priority (set before it starts, with the
    // first socket; libzmq aborts if the system refuses).
    ctx.set(zmq::ctxopt::thread_sched_policy, SCHED_FIFO);
    ctx.set(zmq::ctxopt::thread_priority, rt_priority);
  }
  ZapHandler zap(&ctx, data_dir_, config->hub_id, &audit);
  CEN_RETURN_IF_ERROR(zap.Start());  // before any CURVE socket binds
  try {
    zmq::socket_t router(ctx, zmq::socket_type::router);
    zmq::socket_t xpub(ctx, zmq::socket_type::xpub);
    common::SocketOptions::CurveServer(router, keys->secret_key(), config->max_message_bytes);
    common::SocketOptions::CurveServer(xpub, keys->secret_key(), config->max_message_bytes);
    router.set(zmq::sockopt::sndhwm, 100000);
    router.set(zmq::sockopt::rcvhwm, 100000);
    xpub.set(zmq::sockopt::xpub_manual, 1);
    xpub.set(zmq::sockopt::sndhwm, 200000);
    const std::string ingest = "tcp://" + config->bind + ":" + std::to_string(config->ingest_port);
    const std::string feed = "tcp://" + config->bind + ":" + std::to_string(config->feed_port);
    // Each bound on its own: the error names the one that failed, and the
    // setting that chooses it.
    for (auto [socket, endpoint, key] :
         {std::tuple{&router, &ingest, "ingest_port"}, {&xpub, &feed, "feed_port"}}) {
      try {
        socket->bind(*endpoint);
      } catch (const zmq::error_t& e) {
        return common::Unavailable("cannot listen on " + *endpoint + " (" + key + " in " +
                                   data_dir_ + "/hub.toml): " + e.what());
      }
    }
    spdlog::info("listening: ingest {}, feed {}", ingest, feed);
    std::unique_ptr<HubCluster> cluster;
    if (config->clustered()) {
      auto started = HubCluster::Start(data_dir_, *config, *keys, &stop);
      if (!started.ok()) return started.status();
      cluster = std::move(*started);
    }
    // A single hub's bulk commits are made durable by a thread of their own.
    std::unique_ptr<common::WalSyncer> syncer;
    if (!cluster) {
      auto started = common::WalSyncer::Start(db->path(), options_.wal_sync);
      if (!started.ok()) return started.status();
      syncer = std::move(*started);
    }
    if (watch && !watch->TryWatch({router.get(zmq::sockopt::fd)})) watch.reset();
    HubLoop loop(&*db, *config, &audit, &router, &xpub, feed, xpub.get(zmq::sockopt::last_endpoint),
                 cluster.get(), syncer.get(), checkpointer->get(), watch.get());
    CEN_RETURN_IF_ERROR(loop.Init(data_dir_));
    if (options_.serving) options_.serving();
    const common::Status served = loop.Serve(stop);
    // Raft stops while the loop still lives: proposals in flight fail into it.
    cluster.reset();
    return served;
  } catch (const zmq::error_t& e) {
    return common::Internal(std::string("zmq: ") + e.what());
  }
}

}  // namespace cen::hub
