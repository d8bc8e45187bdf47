#include "node/agent/node_agent.h"

#include <sched.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <zmq.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/clock.h"
#include "common/curve_keys.h"
#include "common/instance_lock.h"
#include "common/socket_options.h"
#include "common/state_file.h"
#include "common/store_health.h"
#include "common/urgent_watch.h"
#include "common/wal_checkpointer.h"
#include "common/wire_frame.h"
#include "node/agent/agent_doorbell.h"
#include "node/agent/agent_status.h"
#include "node/agent/alert_tracker.h"
#include "node/agent/country_batch_timing.h"
#include "node/agent/drop_folder_thread.h"
#include "node/agent/feed_applier.h"
#include "node/agent/feed_reader.h"
#include "node/agent/fetch_planner.h"
#include "node/agent/hook_runner.h"
#include "node/agent/hub_link.h"
#include "node/agent/outbox_sender.h"
#include "node/agent/replica.h"
#include "node/agent/replica_reconciler.h"
#include "node/agent/text_indexer.h"
#include "node/agent/urgent_lane.h"
#include "node/store/node_config.h"
#include "node/store/node_schema.h"
#include "node/store/outbox.h"
#include "node/store/text_db.h"
#include "node/store/urgent_claim.h"

namespace cen::node {
namespace {

using common::WireFrame;
using nlohmann::json;
namespace frame = common::frame;
using SteadyClock = std::chrono::steady_clock;

// Messages read from the feed or the hub link per turn of the loop, and the
// time spent decoding the feed, so that a backlog never keeps the priority
// lane waiting.
constexpr int kMaxDrainPerTurn = 16;
constexpr auto kDrainBudget = std::chrono::milliseconds(5);
// How long one in-order apply transaction (or country slice) may run. An
// urgent alert does not wait for the slice (it ends early when one comes
// in) but does wait for its commit, which cannot be cut: under the load of
// cen_alert_bench a 100 ms slice's commit took 21 ms on average (p90 49 ms),
// a 40 ms slice's 17 ms (p90 31 ms), and the agents' CPU per record stayed
// the same (cen_pipeline_bench --records 60000: 237 us for the three either way).
constexpr auto kApplySlice = std::chrono::milliseconds(40);
// How far text.db may fall behind the cursor before the bulk apply waits for
// it (TextIndexer): two of its transactions. A --text query then reads and
// tokenises at most this many records' text on its own (about 0.2 s).
constexpr int64_t kTextLagLimit = 2 * TextIndexer::kBatchRecords;
// How often a text.db that could not be opened is tried again.
constexpr std::chrono::seconds kTextRetryEvery{5};
// How often a loop held for a checkpoint's catch-up looks again.
constexpr auto kCatchUpPoll = std::chrono::milliseconds(5);
constexpr auto kAckTimeout = std::chrono::seconds(15);
constexpr auto kPingEvery = std::chrono::seconds(1);
constexpr auto kHelloEvery = std::chrono::milliseconds(200);
constexpr auto kHelloWhileFailing = std::chrono::seconds(1);
constexpr auto kStatusEvery = std::chrono::seconds(1);
constexpr auto kDropLockWait = std::chrono::milliseconds(300000);
// Once stopping: long enough for the drop folder's file to roll back.
constexpr auto kStopLockWait = std::chrono::seconds(2);
constexpr auto kHubErrorLogEvery = std::chrono::seconds(60);
constexpr auto kScanTimeSlice = std::chrono::milliseconds(10);
// A loop step this long is logged (debug): it could delay an urgent alert.
constexpr auto kSlowStep = std::chrono::milliseconds(20);
// How often the priority feed is looked at between the loop's steps (the
// poll at the top of the loop looks too). Each look is two system calls:
// done after every step, the looks were 7.7 % of an agent's CPU in
// cen_pipeline_bench, the loop turning about a thousand times a second. A
// bulk slice asks every 8 records, about as often.
constexpr auto kUrgentLookEvery = std::chrono::microseconds(200);
// With a watcher (common::UrgentWatch), which knocks when the priority feed
// or the doorbell has news, the looks are only a safety net.
constexpr auto kUrgentLookWatched = std::chrono::milliseconds(2);
// How often the sender asks node.db whether another process queued records
// (PRAGMA data_version, a read transaction: two file locks). `submit` and
// `drop` ring the doorbell, which needs no asking; without a doorbell they
// are noticed within this and the loop's longest wait (50 ms each).
constexpr auto kOutboxLookEvery = std::chrono::milliseconds(50);
// The hub sends a HEAD on each node's feed every second.
constexpr auto kFeedWatchdog = std::chrono::seconds(5);
// A hub cluster member that has not welcomed the node this long (dead,
// frozen, or not the leader and naming none) makes way for the next one.
constexpr auto kTryNextHubAfter = std::chrono::seconds(2);
// Connecting this long without a WELCOME, and no handshake failure to tell
// why: said in the log and `cen-node status`.
constexpr auto kUnansweredAfter = std::chrono::seconds(10);
// A PONG naming another region or other groups than the last WELCOME: HELLO
// again this often.
constexpr auto kRegionHelloEvery = std::chrono::seconds(5);
// A hub that sends nothing this long while connected (no PONG, no ACK, no
// feed message), with this many PINGs sent meanwhile (one a second), is
// stuck: a cluster member whose apply waits for disk space holds its whole
// loop, while its connections stay up and the others elect another leader.
// The next member is tried; a single hub is waited for. Counted in PINGs
// sent, not time alone: an agent whose own loop waited (node.db's lock
// behind a drop file) sent none and read nothing meanwhile.
constexpr auto kHubSilentAfter = std::chrono::seconds(5);
constexpr int kHubSilentPings = 5;

// The groups a WELCOME or PONG says this node is a member of, joined with
// ',', each as NAME@SINCE when the hub says since when (`groups_since`; a
// membership ended and begun again is another one), else as NAME; nullopt
// from a hub that does not say them.
std::optional<std::string> GroupsSaid(const json& f) {
  auto it = f.find("groups");
  if (it == f.end() || !it->is_array()) return std::nullopt;
  auto since = f.find("groups_since");
  const bool dated = since != f.end() && since->is_array() && since->size() == it->size();
  std::string joined;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& name = (*it)[i];
    if (!name.is_string()) continue;
    if (!joined.empty()) joined += ',';
    joined += name.get<std::string>();
    if (dated && (*since)[i].is_string()) joined += '@' + (*since)[i].get<std::string>();
  }
  return joined;
}

// Tells the tracker how the apply transaction its observer ran in ended:
// rolled back unless `committed` was set, also when the apply threw (the loop
// goes on after an exception, and the transaction was rolled back).
struct TransactionEnd {
  explicit TransactionEnd(AlertTracker* t) : tracker(t) {}
  ~TransactionEnd() {
    if (committed) {
      tracker->Committed();
    } else {
      tracker->RolledBack();
    }
  }
  TransactionEnd(const TransactionEnd&) = delete;
  TransactionEnd& operator=(const TransactionEnd&) = delete;
  AlertTracker* tracker;
  bool committed = false;
};

class AgentLoop {
 public:
  AgentLoop(std::string data_dir, common::Database* db, common::WalCheckpointer* checkpointer,
            std::unique_ptr<TextIndexer> text, NodeConfig config, common::CurveKeys keys)
      : data_dir_(std::move(data_dir)),
        db_(db),
        checkpointer_(checkpointer),
        text_(std::move(text)),
        config_(std::move(config)),
        keys_(std::move(keys)),
        outbox_(db),
        replica_(db),
        link_(&ctx_,
              {config_.hub_endpoint, config_.hub_key, keys_.public_key(), keys_.secret_key()}),
        applier_(&replica_),
        fetches_(&applier_, &replica_, [this](const std::string& f) { return link_.Send(f); }),
        reader_(&applier_, &fetches_, &replica_),
        reconciler_(&replica_, &outbox_, &applier_),
        sender_(&outbox_, config_.window, config_.batch),
        hooks_(db, {config_.on_alert, config_.on_hit}, {}),
        tracker_(db, config_.node_id, &outbox_,
                 {hooks_.Wants(HookRunner::kAlert), hooks_.Wants(HookRunner::kHit)}),
        urgent_(&reader_, &fetches_, &applier_, &replica_, nullptr,
                {[this] { return link_.ReceiveFeed(HubLink::Feed::kPriority); },
                 [this] { return link_.PriorityWaiting(); }}) {
    // `cen-node drop` holds the write lock for a whole file (about ten
    // seconds for a million rows here): the agent waits for it rather than
    // fail, and claims it for an urgent alert that comes in meanwhile, so
    // the file gives way (it is read again afterwards).
    db_->SetBusyTimeout(static_cast<int>(kDropLockWait.count()), [this] { return OnLockBusy(); });
    hubs_.push_back({config_.hub_endpoint, config_.hub_key});
    for (const HubAddress& other : config_.other_hubs) hubs_.push_back(other);
    replica_.set_observer([this](const common::MsgpackMap& record, bool in_order) {
      return tracker_.OnApplied(record, in_order);
    });
    replica_.set_cursor_observer([this](int64_t cursor) { return tracker_.OnCursor(cursor); });
    replica_.set_pending_observer([this](std::string_view uuid, int64_t version) {
      return tracker_.OnPending(uuid, version);
    });
    replica_.set_withdrawal_observer([this](std::string_view) {
      tracker_.Forget();
      return common::Status::Ok();
    });
  }

  common::Status Run(const std::atomic<bool>& stop) {
    stop_ = &stop;
    CEN_RETURN_IF_ERROR(replica_.Load());
    auto restored = replica_.RestoreVersionsInForce();
    if (!restored.ok()) return restored.status();
    if (*restored > 0)
      spdlog::info(
          "replica: {} accepted version(s) back in queries beside the amendment waiting for its "
          "RILO (a node.db of schema 9 had replaced them)",
          *restored);
    if (auto file = common::StateFile::Create(data_dir_ + "/agent.state"); file.ok()) {
      state_file_.emplace(std::move(*file));
    } else {
      spdlog::warn("{}", file.status().message());
    }
    if (auto bell = AgentDoorbell::Listen(data_dir_); bell.ok()) {
      bell_.emplace(std::move(*bell));
      urgent_.set_bell(&*bell_);
    } else {
      spdlog::warn("no doorbell ({}): records handed in are noticed within 100 ms instead",
                   bell.status().message());
    }
    StartWatch();
    if (!config_.drop_dir.empty()) {
      auto folder = DropFolderThread::Start(config_.drop_dir, data_dir_);
      if (!folder.ok()) return folder.status();
      drop_folder_ = std::move(*folder);
      spdlog::info("drop folder: {}", drop_folder_->dir());
    }
    CEN_RETURN_IF_ERROR(link_.Open());
    hub_since_ = SteadyClock::now();
    answered_ = hub_since_;
    spdlog::info("agent started: hub {}, replica at gseq {} (epoch {})", config_.hub_endpoint,
                 replica_.cursor(), replica_.epoch().empty() ? "none yet" : replica_.epoch());
    SetState(HubState::kConnecting, "");

    while (!stop) {
      if (link_.ReopenDue(SteadyClock::now())) CEN_RETURN_IF_ERROR(link_.Open());
      // The DEALER, its monitor, the feed SUBs once subscribed, the doorbell.
      std::vector<zmq::pollitem_t> items = link_.PollItems();
      const bool feeds = items.size() == 4;
      items.push_back({nullptr, bell_ ? bell_->fd() : -1, ZMQ_POLLIN, 0});
      // With the buffer full DrainFeed reads nothing: polled for the feed,
      // the loop turned 50,000-70,000 times a second while the apply was
      // held (a checkpoint, the full-text index) with the feed readable.
      // Unread, the feed is not silent: no FETCH for it. So with node.db
      // refusing writes (a full disk): the feed is not drained then, and
      // polled for, it spun the loop at a whole core.
      if (feeds &&
          (applier_.buffered_records() >= fetches_.limits().max_buffered || !store_.healthy())) {
        items[2].events = 0;
        fetches_.NoteFeed(SteadyClock::now());
      }
      try {
        // With a backlog due the loop only peeks at its sockets; records
        // gathering for the next bulk transaction are waited for.
        // A node.db that fails backs off: no spinning meanwhile.
        Rewatch();
        OfferHitsAgain();
        const auto now = SteadyClock::now();
        const bool may_write = store_.MayTry(now);
        const auto due = applier_.DueAt();
        const bool held = BulkHeld();
        const bool countries = countries_more_ && CountriesMayGoOn();
        const bool busy =
            (((due <= now || countries) && !held) || applier_.priority_waiting() > 0) && may_write;
        auto wait = std::chrono::milliseconds(50);
        const auto next = held ? std::max(countries ? now : due, HeldUntil(now)) : due;
        if (may_write && next < now + wait)
          wait = std::chrono::ceil<std::chrono::milliseconds>(std::max(next, now) - now);
        if (watch_) watch_->Sleep();
        zmq::poll(items.data(), items.size(), busy ? std::chrono::milliseconds(0) : wait);
        if (watch_) watch_->Wake();
        urgent_looked_ = SteadyClock::now();  // the poll looked at the priority feed
        // The priority lane first, then the feed: a WELCOME handled below may
        // replace the SUB sockets this poll set names.
        // A failing node.db (full disk, I/O error, a lock held too long)
        // never ends the agent: Guard() notes it and the steps back off.
        if (feeds && (items[3].revents & ZMQ_POLLIN))
          Timed("priority", [&] { return DrainPriority(); });
        if (items.back().revents & ZMQ_POLLIN) HearBell();  // submit or drop queued records
        // The poll read both watched sockets' news: a knock is answered.
        if (watch_) watch_->Looked();
        if (feeds && (items[2].revents & ZMQ_POLLIN) && store_.healthy())
          Timed("feed", [&] { return DrainFeed(); });
        if (items[1].revents & ZMQ_POLLIN) DrainMonitor();
        if (items[0].revents & ZMQ_POLLIN) Timed("dealer", [&] { return DrainDealer(); });
        Timed("apply", [&] { return ApplyBacklog(); });
        Timed("tick", [&] { return Tick(); });
        Timed("hooks", [&] { return hooks_.Poll(SteadyClock::now()); });
        if (!applier_.Ready() && store_.MayTry(SteadyClock::now()) && !BulkHeld())
          Timed("scan", [&] { return ScanHistory(); });
        if (store_.MayTry(SteadyClock::now())) Timed("countries", [&] { return IndexCountries(); });
        LookForUrgent();
        // Claimed while a write waited for a drop file (OnLockBusy): the turn
        // applied the alert, or cannot now (node.db backs off); never kept.
        claim_.Release();
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) continue;
        return common::Internal(std::string("zmq: ") + e.what());
      } catch (const std::exception& e) {
        // Input no check foresaw must not end the agent; what it held back is
        // fetched again.
        spdlog::error("agent loop: {}", e.what());
        claim_.Release();
      }
    }
    claim_.Release();
    drop_folder_.reset();  // a file under way rolls back and stays
    link_.Close();
    status_.hub_state = HubState::kStopped;
    (void)status_.Write(*db_);
    WriteStateFile();
    spdlog::info("agent stopped at gseq {}", replica_.cursor());
    return common::Status::Ok();
  }

 private:
  // Notes a failed step; the agent goes on (StoreHealth backs the writes off).
  void Guard(const common::Status& s) {
    if (!s.ok()) store_.Failed(s, SteadyClock::now());
  }

  // Guard(step()), and a debug line when the step held the loop long enough
  // to delay an urgent alert (CEN_LOG_LEVEL=debug traces where time goes).
  // After the step (unless `look` is false), LookForUrgent(): an urgent
  // alert that came in meanwhile is applied at once, not after the rest of
  // the loop's turn.
  template <typename Step>
  void Timed(const char* name, Step step, bool look = true) {
    const auto started = SteadyClock::now();
    Guard(step());
    const auto took = SteadyClock::now() - started;
    if (took >= kSlowStep) {
      spdlog::debug("loop step '{}' took {} ms", name,
                    std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
    }
    if (look) LookForUrgent();
  }

  // Between two pieces of work: what the watcher knocked for is answered
  // (an urgent alert applied, records `submit` handed in sent), which also
  // gives its borrowed priority back. Without a knock (or a watcher) the
  // priority feed is looked at every kUrgentLookEvery (kUrgentLookWatched).
  void LookForUrgent() {
    const auto now = SteadyClock::now();
    if (watch_ && watch_->attention()) {
      if (!watch_->knocked()) return watch_->Looked();  // the watcher waits: handed over
      urgent_looked_ = now;
      if (urgent_.UrgentNow()) Guard(ApplyPriorityLane());
      if (bell_->Rung()) return HearBell();  // it answers the knock
      // More than one Receive() reads waits: the knock stays for the next look.
      if (urgent_.FeedDrained()) watch_->Looked();
      return;
    }
    if (now - urgent_looked_ < (watch_ ? kUrgentLookWatched : kUrgentLookEvery)) return;
    urgent_looked_ = now;
    if (urgent_.UrgentNow()) Guard(ApplyPriorityLane());
  }

  // `submit` or `drop` rang the doorbell: records were handed in (or are
  // about to be: bulk work makes way for the write lock). They are sent
  // now, before the next apply slice: that slice no longer hears this ring
  // (an urgent alert would wait for all of it). After the priority lane: a
  // drop's ring sends a whole window of bulk.
  void HearBell() {
    urgent_.OnRing(bell_->Clear(), SteadyClock::now());
    sender_.MarkDirty();
    // What the watcher knocked for is read; a drop's window of bulk is sent
    // without the priority it lends.
    if (watch_ && urgent_.FeedDrained()) watch_->Looked();
    if (store_.healthy())
      Timed(
          "send", [&] { return SendOutbox(); }, /*look=*/false);
  }

  // The watcher of the priority feed and the doorbell (common::UrgentWatch),
  // at node.toml's rt_priority; without one the loop looks on its own.
  void StartWatch() {
    if (!bell_) return;  // nothing rings: the loop looks on its own
    watch_ = common::UrgentWatch::StartFor(data_dir_ + "/node.toml", config_.rt_priority);
    if (!watch_) return;
    urgent_.set_watch(watch_.get());
    // The context's I/O thread, which takes an alert off the wire and wakes
    // the watcher, runs at the same priority (set before it starts, with
    // the first socket; libzmq aborts if the system refuses).
    ctx_.set(zmq::ctxopt::thread_sched_policy, SCHED_FIFO);
    ctx_.set(zmq::ctxopt::thread_priority, config_.rt_priority);
  }

  // The watched sockets: the doorbell and the priority SUB of the moment.
  void Rewatch() {
    if (!watch_ || link_.priority_generation() == watched_generation_) return;
    watched_generation_ = link_.priority_generation();
    if (watch_->TryWatch({bell_->fd(), link_.PriorityFd()})) return;
    urgent_.set_watch(nullptr);
    watch_.reset();
  }

  // After node.db failed: acknowledgements may not have been recorded, so
  // everything not recorded is offered again (the hub answers DUP).
  void NoteStoreWorks() {
    if (store_.Succeeded()) ForgetInFlight();
  }

  // What node.db, or a drop-folder file it could not take, says is wrong;
  // "" while both work.
  std::string Problem() const {
    std::string problem = store_.cause();
    if (problem.empty() && drop_folder_) problem = drop_folder_->problem();
    return problem;
  }

  // agent.state, for `cen-node status` when node.db cannot take a status row.
  void WriteStateFile() {
    if (!state_file_) return;
    json state = {{"hub", hubs_[current_hub_].endpoint},  // in a cluster: the member in use
                  {"store", Problem()},
                  {"updated_at", common::Clock::NowRfc3339()},
                  {"replica_gseq", replica_.cursor()},
                  {"priority_waiting", applier_.priority_waiting()}};
    status_.ToStateFile(&state);
    if (common::Status s = state_file_->Write(state); !s.ok())
      spdlog::warn("agent.state: {}", s.message());
  }

  void SetState(HubState state, const std::string& detail) {
    if (status_.hub_state != state) {
      spdlog::info("hub link: {}{}{}", NameOf(state), detail.empty() ? "" : ": ", detail);
    }
    status_.hub_state = state;
    // Nothing is fetched until the next WELCOME (FetchPlanner::Connected).
    if (state != HubState::kConnected) fetches_.Disconnected();
    if (!detail.empty() || state == HubState::kConnected) status_.detail = detail;
  }

  // What to do about a key the hub refused (ZAP said no). After
  // `cen-node rotate-key` this agent still runs with the key it started
  // with: the operator allowing the new one does not help until a restart.
  bool KeyReplacedOnDisk() const {
    auto on_disk = common::CurveKeys::Load(data_dir_);
    return on_disk.ok() && on_disk->public_key() != keys_.public_key();
  }
  std::string RefusedKeyAdvice() const {
    if (KeyReplacedOnDisk()) {
      return "the hub refused the key this agent started with; " + data_dir_ +
             " holds a new one (cen-node rotate-key): restart cen-node run once the hub "
             "operator has allowed it";
    }
    return "the hub does not know this node's key (or it was revoked); ask the hub operator "
           "to run cen-hub allow with it (cen-node init printed it; it is " +
           data_dir_ + "/curve.pub)";
  }

  bool Send(const std::string& bytes) { return link_.Send(bytes); }

  void ForgetInFlight() {
    sender_.Forget();
    fetches_.Forget();
  }

  void DrainMonitor() {
    for (const HubLink::Happened& h : link_.DrainEvents(SteadyClock::now())) {
      switch (h.event) {
        case HubLink::Event::kConnected:
          if (status_.hub_state != HubState::kConnected) SetState(HubState::kConnecting, "");
          SendHello();
          break;
        case HubLink::Event::kUnauthorized:
          SetState(HubState::kUnauthorized, RefusedKeyAdvice());
          ForgetInFlight();
          break;
        case HubLink::Event::kHandshakeFailed: {
          // A wrong key, the feed port named instead of the ingest one (a
          // trial), or a link that drops mid-handshake: the transport does
          // not tell them apart. An endpoint and key that worked before in
          // this run point at the link.
          const std::string& endpoint = hubs_[current_hub_].endpoint;
          const std::string why =
              welcomed_at_.count(endpoint) > 0
                  ? "the handshake with " + endpoint +
                        " failed; it answered this key before: the hub is stopped, frozen or "
                        "overloaded (it takes the connection but does not answer), or the link "
                        "dropped during the handshake (trying again); only if the hub's key "
                        "changed (cen-hub rotate-key) put its new public key in hub_key in " +
                        data_dir_ + "/node.toml and restart the agent"
                  : "the handshake with " + endpoint + " failed: is `hub` in " + data_dir_ +
                        "/node.toml the hub's ingest endpoint (not its feed port), and hub_key "
                        "its public key (its curve.pub)?";
          // Said in the log too, once until a WELCOME (the state stays
          // `connecting`, which SetState logs once).
          if (!handshake_failure_logged_) spdlog::warn("hub link: {}", why);
          handshake_failure_logged_ = true;
          SetState(HubState::kConnecting, why);
          break;
        }
        case HubLink::Event::kDisconnected:
          if (status_.hub_state == HubState::kConnected)
            SetState(HubState::kConnecting, "connection lost");
          ForgetInFlight();
          break;
      }
    }
  }

  void SendHello() {
    auto size = outbox_.Size();
    Send(WireFrame::Encode({{"t", frame::kHello},
                            {"proto", frame::kProtocolVersion},
                            {"node", config_.node_id},
                            {"epoch", replica_.epoch()},
                            {"replica_gseq", replica_.cursor()},
                            {"outbox", size.ok() ? *size : 0}}));
    last_hello_ = SteadyClock::now();
  }

  common::Status DrainDealer() {
    const auto until = SteadyClock::now() + kDrainBudget;
    for (int i = 0; i < kMaxDrainPerTurn && SteadyClock::now() < until; ++i) {
      // A FETCH answer takes a few ms to read: an urgent alert goes first.
      if (i > 0) LookForUrgent();
      std::optional<zmq::message_t> msg = link_.Receive();
      if (!msg) break;
      HeardFromHub();
      auto m = common::MsgpackMap::DecodeOwned(std::move(*msg));
      if (!m.ok() || !m->Text("t")) {
        spdlog::warn("bad frame from the hub: {}",
                     m.ok() ? "no string \"t\" naming its type" : m.status().message());
        continue;
      }
      // A frame no check foresaw (or a socket error while answering it)
      // refuses that frame, never the agent.
      try {
        // FETCH answers and ACKs are read in place; the few other frames as trees.
        const std::string_view type = m->TextOr("t", "");
        if (type == frame::kRecords) {
          fetches_.OnRecords(*m);
        } else if (type == frame::kAck) {
          CEN_RETURN_IF_ERROR(sender_.OnAckFrame(*m));
        } else if (type == frame::kUpto) {
          // The priority lane's answer is applied at once, ahead of the backlog.
          if (fetches_.OnUpto(*m, SteadyClock::now()) == FetchPlanner::Answer::kPriority)
            CEN_RETURN_IF_ERROR(ApplyPriorityLane());
        } else {
          json f = m->ToJson();
          CEN_RETURN_IF_ERROR(HandleHubFrame(f));
        }
      } catch (const std::exception& e) {
        spdlog::warn("frame from the hub refused: {}", e.what());
      }
    }
    return common::Status::Ok();
  }

  common::Status HandleHubFrame(json& f) {
    const std::string type = WireFrame::Type(f);
    if (type == frame::kWelcome) return OnWelcome(f);
    if (type == frame::kPong) {
      if (auto h = WireFrame::GetInt(f, "head"); h.ok()) fetches_.NoteHead(*h);
      // Moved to another region or added to a group by the hub operator:
      // the WELCOME to a new HELLO fetches what it may see now
      // (ReplicaReconciler). Again every 5 s while no WELCOME has taken it
      // in (one may come while node.db backs off, and be dropped).
      const std::string region = WireFrame::StringOr(f, "region", welcomed_region_);
      const std::string groups = GroupsSaid(f).value_or(welcomed_groups_);
      const auto now = SteadyClock::now();
      if (welcome_again_ && now - region_hello_at_ >= kRegionHelloEvery) {
        region_hello_at_ = now;
        SendHello();  // the last WELCOME's writes failed (OnWelcome)
      } else if ((region != welcomed_region_ || groups != welcomed_groups_) &&
                 now - region_hello_at_ >= kRegionHelloEvery) {
        spdlog::info(
            "the hub now places this node in region '{}' and groups '{}' (were '{}' and '{}'); "
            "saying HELLO again",
            region, groups, welcomed_region_, welcomed_groups_);
        region_hello_at_ = now;
        SendHello();
      }
    } else if (type == frame::kError) {
      const std::string code = WireFrame::StringOr(f, "code", "");
      const std::string reason = WireFrame::StringOr(f, "reason", "");
      if (code == "not_leader") return GoToLeader(f);
      // Every frame of a revoked node gets one: said once a minute, with
      // how many more came meanwhile (a log line five times a second was
      // all a revoked node's log held).
      const auto now = SteadyClock::now();
      const std::string said = code + " " + reason;
      if (said == last_hub_error_ && now - hub_error_logged_ < kHubErrorLogEvery) {
        ++hub_errors_unsaid_;
      } else {
        if (said == last_hub_error_ && hub_errors_unsaid_ > 0) {
          spdlog::warn("hub error: {} ({} more times since its last line)", said,
                       hub_errors_unsaid_ + 1);
        } else {
          if (hub_errors_unsaid_ > 0) {
            spdlog::warn("hub error: {} ({} more times since its last line)", last_hub_error_,
                         hub_errors_unsaid_);
          }
          spdlog::warn("hub error: {}", said);
        }
        last_hub_error_ = said;
        hub_error_logged_ = now;
        hub_errors_unsaid_ = 0;
      }
      if (code == "unauthorized")
        SetState(HubState::kUnauthorized, KeyReplacedOnDisk() ? RefusedKeyAdvice() : reason);
    }
    return common::Status::Ok();
  }

  void HeardFromHub() {
    last_heard_ = SteadyClock::now();
    pings_unanswered_ = 0;
    if (std::exchange(silence_said_, false)) spdlog::info("hub link: the hub answers again");
  }

  // A hub cluster member that does not lead names the leader, when one is
  // elected: the agent goes there (a member this node was not told of is
  // vouched for by the member that named it, itself authenticated by its
  // key). Without a name it tries the next member after a while.
  common::Status GoToLeader(const json& f) {
    const std::string leader = WireFrame::StringOr(f, "leader", "");
    const std::string key = WireFrame::StringOr(f, "leader_key", "");
    if (leader.rfind("tcp://", 0) != 0 || !common::CurveKeys::IsZ85Key(key)) {
      SetState(HubState::kConnecting, "the hub cluster is electing a leader");
      return common::Status::Ok();
    }
    size_t at = 0;
    while (at < hubs_.size() && hubs_[at].endpoint != leader) ++at;
    if (at == hubs_.size()) hubs_.push_back({leader, key});
    if (at == current_hub_ && status_.hub_state != HubState::kConnected)
      return common::Status::Ok();
    return UseHub(at, "the hub cluster's leader");
  }

  // Opens the link towards hubs_[index]. What was sent and not acked is
  // offered again there (a record journaled meanwhile is answered DUP).
  common::Status UseHub(size_t index, const std::string& why) {
    current_hub_ = index;
    pings_unanswered_ = 0;
    hub_since_ = SteadyClock::now();
    ForgetInFlight();
    SetState(HubState::kConnecting, "trying " + hubs_[index].endpoint + " (" + why + ")");
    // A malformed endpoint is the hub's word, not node.db's fault: the next
    // member is tried after kTryNextHubAfter.
    if (const common::Status s = link_.Retarget(hubs_[index].endpoint, hubs_[index].key); !s.ok())
      spdlog::warn("cannot connect to {}: {}", hubs_[index].endpoint, s.message());
    return common::Status::Ok();
  }

  common::Status OnWelcome(const json& f) {
    handshake_failure_logged_ = false;
    // The WELCOME asked for again in a session its writes failed to open:
    // only its writes are tried; the session's fetches go on as they are
    // (starting them again queued the priority lane once more each time).
    const bool again = welcome_again_ && status_.hub_state == HubState::kConnected;
    auto epoch = WireFrame::GetString(f, "epoch");
    auto head = WireFrame::GetInt(f, "head");
    auto feed_port = WireFrame::GetInt(f, "feed_port");
    if (!epoch.ok() || !head.ok() || !feed_port.ok()) {
      spdlog::warn("malformed WELCOME from the hub");
      return common::Status::Ok();
    }
    const std::string node_id = WireFrame::StringOr(f, "node", config_.node_id);
    if (node_id != config_.node_id) {
      spdlog::warn("the hub knows this node's key as '{}', not '{}' as node.toml says", node_id,
                   config_.node_id);
    }
    // A replica rebuilt from nothing (another hub, or one restored from an
    // older copy) no longer holds the alerts the tracker keeps in force.
    const int64_t cursor = replica_.cursor();
    const std::string replica_epoch = replica_.epoch();
    const std::string region = WireFrame::StringOr(f, "region", "");
    const std::optional<std::string> groups = GroupsSaid(f);
    const common::Status reconciled = reconciler_.OnWelcome(*epoch, *head, region, groups);
    if (!reconciled.ok() || replica_.cursor() < cursor || replica_.epoch() != replica_epoch)
      tracker_.Forget();
    // node.db refused what the WELCOME writes (a full disk: a trial's agent,
    // restarted or reconnected then, never got past its HELLO, and no urgent
    // alert reached it). A replica of this journal still serves: the session
    // goes on (alerts paged from memory), and the WELCOME is asked for again
    // every kRegionHelloEvery until its writes go through. Another journal
    // (a hub restored or replaced) must be taken in first.
    welcome_again_ = !reconciled.ok();
    if (welcome_again_) {
      if (*epoch != replica_.epoch() || *head < replica_.cursor()) return reconciled;
      Guard(reconciled);
      region_hello_at_ = SteadyClock::now();
      if (again) return common::Status::Ok();
    } else {
      welcomed_region_ = region;
      welcomed_groups_ = groups.value_or("");
      region_hello_at_ = {};
    }
    welcomed_at_.insert(hubs_[current_hub_].endpoint);
    answered_ = SteadyClock::now();
    unanswered_said_ = false;
    sender_.Forget();
    fetches_.Connected(*head);
    link_.Authorized();
    SetState(HubState::kConnected, "");
    link_.Subscribe(node_id, static_cast<int>(*feed_port));
    fetches_.CatchUp(SteadyClock::now());
    return common::Status::Ok();
  }

  // Reads a bounded number of feed messages into the applier; past
  // FetchPlanner::Limits::max_buffered buffered records the rest waits in the socket.
  common::Status DrainFeed() {
    const auto started = SteadyClock::now();
    // Left unread with a full buffer, the feed is not silent: no FETCH for it.
    const size_t max_buffered = fetches_.limits().max_buffered;
    if (applier_.buffered_records() >= max_buffered) fetches_.NoteFeed(started);
    const auto until = started + kDrainBudget;
    for (int i = 0; i < kMaxDrainPerTurn && applier_.buffered_records() < max_buffered &&
                    SteadyClock::now() < until;
         ++i) {
      if (i > 0) LookForUrgent();
      auto body = link_.ReceiveFeed(HubLink::Feed::kBulk);
      if (!body) break;
      HeardFromHub();  // a stuck hub sends no HEAD either
      if (reader_.OnBulk(std::move(*body), SteadyClock::now()) == FeedReader::Seen::kOtherEpoch)
        SendHello();  // a different hub answers at this address; WELCOME decides
    }
    fetches_.RequestIfBehind(SteadyClock::now());
    return common::Status::Ok();
  }

  // Urgent and high alerts from the priority feed: applied at once, ahead of
  // the cursor (the BATCH that also holds them is recognised later).
  common::Status DrainPriority() {
    urgent_.Receive();
    return ApplyPriorityLane();
  }

  // A write of this loop waits for node.db's lock (a drop file holds it):
  // an urgent alert waiting on the feed or in the applier claims the lock,
  // and the file gives way (UrgentClaim). The write then goes on, and the
  // loop applies the alert next.
  // SQLite's busy handler while a write waits for node.db's lock; false ends
  // the wait (the write fails as busy).
  bool OnLockBusy() {
    if (stop_ != nullptr && stop_->load()) {
      // The agent is stopping: its drop folder's file rolls back at once;
      // any other writer (`cen-node drop`) is not waited for long: the
      // write is done again by the next run, as after a crash.
      if (drop_folder_) drop_folder_->RequestStop();
      const auto now = SteadyClock::now();
      if (!stop_seen_) stop_seen_ = now;
      return now - *stop_seen_ < kStopLockWait;
    }
    ClaimIfUrgent();
    return true;
  }

  void ClaimIfUrgent() {
    // Urgent alerts alone: receipts and high alerts come by the dozen (every
    // office's receipts for an alert this office sent) and would use up a
    // file's give-ways. UrgentNow() reads what waits on the priority feed
    // (memory and sockets only, no SQL), as an apply slice's interrupt does;
    // but not while the lane itself is being applied, whose records must not
    // change under it: then a message waiting on the feed claims unread.
    if (applier_.urgent_waiting()) return claim_.Hold();
    if (applying_priority_) {
      if (link_.PriorityWaiting()) claim_.Hold();
      return;
    }
    if (urgent_.UrgentNow()) claim_.Hold();
  }

  // What the hub holds beyond the replica, for the alerts an apply is about
  // to page for: applied short of it, they wait for it (AlertTracker).
  void TellTrackerHead() {
    tracker_.set_hub_head(std::max(fetches_.head(), applier_.Covered()),
                          fetches_.priority_catching_up());
  }

  common::Status ApplyPriorityLane() {
    if (applier_.priority_waiting() == 0) return common::Status::Ok();
    const auto started = SteadyClock::now();
    if (!store_.MayTry(started)) return common::Status::Ok();  // kept in memory meanwhile
    TransactionEnd end(&tracker_);
    TellTrackerHead();
    // A drop file importing now gives way (rolls back) within milliseconds
    // to an urgent alert.
    if (applier_.urgent_waiting()) claim_.Hold();
    auto applied = [&] {
      // Cleared also if the apply throws.
      struct Applying {
        bool& flag;
        ~Applying() { flag = false; }
      } applying{applying_priority_};
      applying_priority_ = true;
      return applier_.ApplyPriority();
    }();
    claim_.Release();
    if (!applied.ok()) return applied.status();
    end.committed = true;
    NoteStoreWorks();
    NoteReceipts();
    if (*applied > 0) {
      spdlog::info(
          "priority lane: {} alert(s) applied ahead of the backlog in {} us", *applied,
          std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - started)
              .count());
    }
    return common::Status::Ok();
  }

  // One time slice of the in-order backlog; the priority lane goes first.
  // Matches new alerts against the records already held, when nothing
  // else waits.
  common::Status ScanHistory() {
    auto more = tracker_.ScanHistory(SteadyClock::now() + kScanTimeSlice);
    if (!more.ok()) return more.status();
    NoteReceipts();
    return common::Status::Ok();
  }

  // Writes record_countries and record_dates rows in sorted batches when
  // CountryBatchTiming says so. A batch under way that may not go on leaves
  // the loop waiting for the apply, not spinning: measured, 10,000 idle
  // turns a second, each asking the priority feed's socket seven times.
  bool CountriesMayGoOn() {
    return countries_timing_.MayGoOn(replica_.countries_pending_hint(), applier_.Ready(),
                                     SteadyClock::now());
  }

  common::Status IndexCountries() {
    // Nothing pending (also after a Reset mid-batch): nothing under way.
    if (replica_.countries_pending_hint() == 0) countries_more_ = false;
    if (!CountriesMayGoOn() || BulkHeld()) return common::Status::Ok();
    // Rolled back for an urgent alert, as an apply slice is, but never two
    // slices in a row: the batch always moves on.
    const bool may_preempt = !replica_.countries_preempted();
    auto more = replica_.IndexCountries(SteadyClock::now() + kApplySlice, urgent_.Interrupt(),
                                        [&] { return may_preempt && applier_.urgent_waiting(); });
    if (!more.ok()) return more.status();
    // What was applied while a batch ran waits from its end on.
    if (!replica_.country_batch_under_way()) countries_timing_.NoteBatchEnded();
    countries_more_ = *more;
    NoteStoreWorks();
    // High alerts the slice read from the priority feed: applied now.
    return ApplyPriorityLane();
  }

  // No bulk transaction (apply, country batch, history scan) starts while
  // `submit` knocked and has not rung its commit yet, nor while the
  // checkpointer catches up with a log that grew past its limit (the next
  // transaction then starts the log again; urgent alerts still go in), nor
  // while the full-text index is kTextLagLimit records behind the cursor.
  bool BulkHeld() {
    const auto now = SteadyClock::now();
    return urgent_.Held(now) || checkpointer_->CatchingUp(now) || TextBehind();
  }
  // A query with --text matches the records above text.db's reach in a
  // table of its own, filled as it starts: its cost grows with the lag.
  // A failing indexer (a full disk, a broken text.db) holds nothing: the
  // replica goes on, and queries read more from documents meanwhile.
  bool TextBehind() const {
    return text_ != nullptr && !text_->failing() &&
           replica_.cursor() - text_->reach() > kTextLagLimit;
  }
  // A text.db that could not be opened as the agent started (a full disk: a
  // trial's index stayed behind until a restart) is tried again every
  // kTextRetryEvery while node.db works.
  void OpenText(SteadyClock::time_point now) {
    if (text_ != nullptr || now - text_tried_ < kTextRetryEvery || !store_.healthy()) return;
    text_tried_ = now;
    auto text = TextIndexer::Open(data_dir_);
    if (!text.ok()) {
      spdlog::debug("full-text index: still cannot open it: {}", text.status().message());
      return;
    }
    text_ = std::move(*text);
    text_->Start();
    spdlog::info("full-text index: open again; it catches up with the replica");
  }

  // When a held loop looks again: the knock's end, or soon for a checkpoint
  // or the full-text index.
  SteadyClock::time_point HeldUntil(SteadyClock::time_point now) const {
    if (!checkpointer_->catching_up() && !TextBehind()) return urgent_.held_until();
    return std::max(urgent_.held_until(), now + kCatchUpPoll);
  }

  // Receipts the tracker queued go out with the next send.
  void NoteReceipts() {
    if (tracker_.TakeQueued()) sender_.MarkDirty();
  }

  // Hit receipts a restored hub refused, offered again once what they name
  // is applied (AlertTracker::OfferHitsAgain); outside any apply transaction.
  // A failing node.db keeps them for a later turn, backed off as every
  // write is (StoreHealth).
  void OfferHitsAgain() {
    if (!tracker_.hits_ready() || !store_.MayTry(SteadyClock::now())) return;
    auto again = tracker_.OfferHitsAgain();
    if (!again.ok()) return Guard(again.status());
    NoteStoreWorks();
    if (*again > 0) sender_.MarkDirty();
  }

  common::Status ApplyBacklog() {
    CEN_RETURN_IF_ERROR(ApplyPriorityLane());
    const auto started = SteadyClock::now();
    if (!applier_.Due(started) || BulkHeld()) return common::Status::Ok();
    if (!store_.MayTry(started)) return common::Status::Ok();
    // The slice ends early when an urgent alert comes in on the priority
    // feed, or when `submit` rings (it may have queued one to send).
    TransactionEnd end(&tracker_);
    TellTrackerHead();
    auto applied = applier_.ApplySlice(started + kApplySlice, urgent_.Interrupt());
    // Rolled back (for an urgent alert, or because it failed): what the
    // tracker noted in memory during it is read again.
    end.committed = applied.ok() && !applier_.preempted();
    if (!applied.ok()) return applied.status();
    if (*applied > 0) countries_timing_.NoteApplied(SteadyClock::now());
    NoteStoreWorks();
    NoteReceipts();
    fetches_.MoreIfRoom(SteadyClock::now());
    fetches_.RequestIfBehind(SteadyClock::now());
    // High alerts the slice read from the priority feed: applied now.
    return ApplyPriorityLane();
  }

  common::Status SendOutbox() {
    if (status_.hub_state != HubState::kConnected) return common::Status::Ok();
    const auto now = SteadyClock::now();
    if (now - outbox_looked_ >= kOutboxLookEvery) {
      outbox_looked_ = now;
      const int64_t version = db_->DataVersion();
      if (version != outbox_data_version_) {
        outbox_data_version_ = version;
        sender_.MarkDirty();
      }
    }
    return sender_.Pump([this](const std::string& frame) { return Send(frame); });
  }

  common::Status Tick() {
    const auto now = SteadyClock::now();
    OpenText(now);
    const bool connected = status_.hub_state == HubState::kConnected;
    if (connected) hub_since_ = now;
    if (!connected && hubs_.size() > 1 && status_.hub_state != HubState::kUnauthorized &&
        now - hub_since_ >= kTryNextHubAfter) {
      CEN_RETURN_IF_ERROR(UseHub((current_hub_ + 1) % hubs_.size(),
                                 "no answer from " + hubs_[current_hub_].endpoint));
    }
    // While node.db fails, a WELCOME may not be taken in (another journal
    // to rebuild from): a HELLO a second, not five.
    if (!connected && now - last_hello_ >= (store_.healthy() ? kHelloEvery : kHelloWhileFailing))
      SendHello();
    if (connected) answered_ = now;
    if (!connected && status_.hub_state != HubState::kUnauthorized && !handshake_failure_logged_ &&
        !unanswered_said_ && now - std::max(answered_, last_heard_) >= kUnansweredAfter) {
      // Nothing listening, a host that does not resolve, a firewall: the
      // transport says nothing at all (a trial saw only "connecting").
      std::string tried;
      for (const HubAddress& h : hubs_) tried += (tried.empty() ? "" : ", ") + h.endpoint;
      const std::string why =
          "no hub has answered for " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::seconds>(now - answered_).count()) +
          " s (" + tried + "): is it running, and is `hub` in " + data_dir_ +
          "/node.toml its ingest endpoint (host and port)?";
      spdlog::warn("hub link: {}", why);
      SetState(HubState::kConnecting, why);
      unanswered_said_ = true;
    }
    if (connected && pings_unanswered_ >= kHubSilentPings && now - last_heard_ >= kHubSilentAfter) {
      const std::string silent =
          "no answer from " + hubs_[current_hub_].endpoint + " for " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::seconds>(now - last_heard_).count()) +
          " s";
      if (hubs_.size() > 1) return UseHub((current_hub_ + 1) % hubs_.size(), silent);
      if (!silence_said_) spdlog::warn("hub link: {}; waiting for it", silent);
      silence_said_ = true;
    }
    if (connected) {
      if (link_.FeedSilent(now, kFeedWatchdog)) {
        spdlog::warn("no feed message (not even a HEAD) for {} s; subscribing again",
                     std::chrono::duration_cast<std::chrono::seconds>(kFeedWatchdog).count());
        link_.Resubscribe();
      }
      if (sender_.AckOverdue(now, kAckTimeout)) {
        spdlog::warn("{} records unacknowledged for {} s; sending them again", sender_.in_flight(),
                     std::chrono::duration_cast<std::chrono::seconds>(kAckTimeout).count());
        ForgetInFlight();
      }
      fetches_.Tick(now);
      if (now - last_ping_ >= kPingEvery) {
        auto size = outbox_.Size();
        Send(WireFrame::Encode({{"t", frame::kPing},
                                {"replica_gseq", replica_.cursor()},
                                {"outbox", size.ok() ? *size : 0}}));
        last_ping_ = now;
        ++pings_unanswered_;
      }
      // While node.db fails, acknowledgements could not be recorded: nothing
      // is sent until it works again.
      if (store_.healthy()) CEN_RETURN_IF_ERROR(SendOutbox());
      fetches_.RequestIfBehind(now);
    }
    status_.hub_head = fetches_.head();
    const std::string problem = Problem();
    if (!problem.empty()) {
      status_.detail = problem;
      shown_problem_ = problem;
    } else if (!shown_problem_.empty()) {
      if (status_.detail == shown_problem_) status_.detail.clear();
      shown_problem_.clear();
    }
    // The file at once when the link changes too: on a full disk it is all
    // `cen-node status` can read that is new.
    if (problem != written_problem_ || status_.hub_state != written_file_state_ ||
        now - last_state_file_write_ >= kStatusEvery) {
      WriteStateFile();
      written_problem_ = problem;
      written_file_state_ = status_.hub_state;
      last_state_file_write_ = now;
    }
    if (!(status_ == written_status_) || now - last_status_write_ >= kStatusEvery) {
      if (!store_.MayTry(now)) return common::Status::Ok();
      last_status_write_ = now;
      // The status row is also the probe that finds node.db writable again.
      CEN_RETURN_IF_ERROR(status_.Write(*db_));
      written_status_ = status_;
      NoteStoreWorks();
    }
    return common::Status::Ok();
  }

  std::string data_dir_;
  std::optional<AgentDoorbell> bell_;
  common::Database* db_;
  common::WalCheckpointer* checkpointer_;  // not owned
  std::unique_ptr<TextIndexer> text_;      // null while text.db cannot be opened
  SteadyClock::time_point text_tried_{};   // OpenText()
  NodeConfig config_;
  common::CurveKeys keys_;
  Outbox outbox_;
  Replica replica_;
  zmq::context_t ctx_;
  HubLink link_;

  AgentStatus status_;
  AgentStatus written_status_;
  common::StoreHealth store_{"node.db"};
  std::optional<common::StateFile> state_file_;
  std::string written_problem_;
  HubState written_file_state_ = HubState::kStopped;  // the link agent.state last said
  std::string shown_problem_;                         // the store problem in status_.detail, if any
  SteadyClock::time_point last_state_file_write_{};

  int64_t outbox_data_version_ = -1;
  SteadyClock::time_point outbox_looked_{};     // data_version last read
  SteadyClock::time_point urgent_looked_{};     // the priority feed last looked at
  std::unique_ptr<common::UrgentWatch> watch_;  // after bell_: it watches the bell's socket
  int watched_generation_ = -1;                 // the priority socket watch_ watches

  FeedApplier applier_;
  FetchPlanner fetches_;
  FeedReader reader_;
  ReplicaReconciler reconciler_;
  std::string welcomed_region_;                // the region of the last WELCOME
  std::string welcomed_groups_;                // its groups, joined with ','
  std::set<std::string> welcomed_at_;          // endpoints a WELCOME came from in this run
  SteadyClock::time_point answered_{};         // connected last, or started
  bool unanswered_said_ = false;               // "no hub has answered" said since
  bool welcome_again_ = false;                 // the last WELCOME's writes failed: HELLO again
  SteadyClock::time_point region_hello_at_{};  // a HELLO went for a region a PONG named
  bool countries_more_ = false;                // IndexCountries has a batch under way
  CountryBatchTiming countries_timing_{Replica::kCountryBatchRecords};
  OutboxSender sender_;
  HookRunner hooks_;
  AlertTracker tracker_;
  UrgentLane urgent_;

  SteadyClock::time_point last_hello_{};
  // The hub and, in a cluster, its other members; the one the link uses and
  // since when it has not been left for another.
  std::vector<HubAddress> hubs_;
  size_t current_hub_ = 0;
  SteadyClock::time_point hub_since_{};
  SteadyClock::time_point last_heard_{};  // the last frame from the hub
  bool silence_said_ = false;             // "no answer from" logged for a single hub
  int pings_unanswered_ = 0;              // PINGs sent since the last frame from the hub
  SteadyClock::time_point last_ping_{};
  SteadyClock::time_point last_status_write_{};
  std::unique_ptr<DropFolderThread> drop_folder_;
  const std::atomic<bool>* stop_ = nullptr;           // Run()'s
  std::optional<SteadyClock::time_point> stop_seen_;  // by OnLockBusy()
  // ApplyPriorityLane() is applying the lane (OnLockBusy must not add to it).
  bool applying_priority_ = false;
  // A failed CURVE handshake was logged since the last WELCOME.
  bool handshake_failure_logged_ = false;
  // The hub's last ERROR logged, when, and how many came since unlogged.
  std::string last_hub_error_;
  SteadyClock::time_point hub_error_logged_{};
  int64_t hub_errors_unsaid_ = 0;
  // node.db's write lock claimed for the priority lane (see OnLockBusy).
  UrgentClaim claim_{data_dir_};
};

}  // namespace

common::Status NodeAgent::Run(const std::atomic<bool>& stop) {
  auto config = NodeConfig::Load(data_dir_);
  if (!config.ok()) return config.status();
  if (!overrides_.drop_dir.empty()) config->drop_dir = overrides_.drop_dir;
  if (!overrides_.on_alert.empty()) config->on_alert = overrides_.on_alert;
  if (!overrides_.on_hit.empty()) config->on_hit = overrides_.on_hit;
  if (overrides_.rt_priority >= 0) config->rt_priority = overrides_.rt_priority;
  CEN_RETURN_IF_ERROR(config->CheckHubKey(data_dir_));
  auto keys = common::CurveKeys::Load(data_dir_);
  if (!keys.ok()) return keys.status();
  auto lock = common::InstanceLock::Acquire(data_dir_, common::InstanceLock::kAgent);
  if (!lock.ok()) return lock.status();
  auto db = NodeSchema::OpenForAgent(data_dir_);
  if (!db.ok()) return db.status();
  CEN_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=NORMAL"));
  // A page cache of up to 256 MiB (SQLite allocates it as pages are used):
  // with the default 64 MiB a replica past about 600,000 records re-read
  // the index pages its random inserts touch. Catching up 1M records:
  // 17,507-18,175 records/s and 63-66 us of CPU each, against 14,951 and 76.
  CEN_RETURN_IF_ERROR(db->Exec("PRAGMA cache_size=-262144"));
  // The full-text index is written behind the apply, on the other core.
  // Without it (text.db cannot be opened) the agent still runs: --text
  // reads every record from documents, and `cen-node status` says how many.
  // Opened before any other thread runs: it may rewrite an old text.db with
  // larger pages (common/page_size_upgrade.h).
  auto text = TextIndexer::Open(data_dir_);
  // Checkpoints run on a thread of their own: inside an apply slice they
  // held the loop (and an urgent alert) for 50-150 ms. The bulk work pauses
  // whenever the log passes max_log_mib (default 64) until a checkpoint
  // copied all of it, so the log starts again from its beginning. Without
  // it, applying an export grew the log without end (325 MB at 300,000
  // records), and every page read searched a growing log index.
  auto checkpointer = common::WalCheckpointer::StartBounded(*db, config->max_log_mib);
  if (!checkpointer.ok()) return checkpointer.status();
  if (text.ok()) {
    (*text)->Start();
  } else {
    spdlog::warn(
        "no full-text index for now ({}); tried again every {} s (--text reads the records "
        "directly meanwhile); if {} is damaged, delete it and restart the agent to rebuild it",
        text.status().message(), kTextRetryEvery.count(), TextDb::Path(data_dir_));
  }
  AgentLoop loop(data_dir_, &*db, checkpointer->get(),
                 text.ok() ? std::move(*text) : std::unique_ptr<TextIndexer>(), std::move(*config),
                 std::move(*keys));
  return loop.Run(stop);
}

}  // namespace cen::node
