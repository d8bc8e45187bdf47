// One member of a hub cluster: libraft with its libuv disk I/O (the log and
// snapshots under DATA_DIR/raft), its connections over CurveTransport, and
// the HubStateMachine that applies committed entries to hub.db.
//
//   auto member = RaftMember::Start(options, machine.get());
//   member->Submit(entry, [](int status, const HubStateMachine::Applied* a) { ... });
//   while (running) member->RunOnce(std::chrono::milliseconds(100));
//
// An entry is applied (and `done` runs) only once a majority of the members
// hold it durably: the ack after Raft commit.
//
// Not thread-safe, except Submit(): everything runs on the thread that
// calls RunOnce().
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/curve_keys.h"
#include "common/status.h"
#include "hub/cluster/curve_transport.h"
#include "hub/cluster/hub_state_machine.h"

namespace cen::hub {

class RaftMember {
 public:
  struct Options {
    std::string raft_dir;  // libraft's log and snapshots; must exist
    raft_id id = 0;
    // Every member, this one included: the configuration a new cluster
    // starts with, and the keys its connections accept.
    std::vector<ClusterPeer> members;
    common::CurveKeys keys;  // this member's
    unsigned election_timeout_ms = 1000;
    unsigned heartbeat_timeout_ms = 100;
    unsigned snapshot_threshold = 1024;  // entries between snapshots
    unsigned snapshot_trailing = 256;    // entries kept behind a snapshot
    // False for a member joining a running cluster: it waits, with an empty
    // log, for the leader that added it (`cen-hub cluster add`).
    bool bootstrap = true;
  };
  // What became of a proposal: 0 once applied here (with what it did), or a
  // libraft error (RAFT_NOTLEADER, RAFT_LEADERSHIPLOST, ...).
  using Done = std::function<void(int status, const HubStateMachine::Applied* applied)>;

  // Starts the member. A raft_dir without a log is bootstrapped with
  // `members` as the cluster's first configuration. Ignores SIGPIPE for the
  // whole process, as every cenhub daemon does.
  static common::Result<std::unique_ptr<RaftMember>> Start(Options options,
                                                           HubStateMachine* machine);
  // Closes libraft and the transport, running the loop until they are.
  ~RaftMember();
  RaftMember(const RaftMember&) = delete;
  RaftMember& operator=(const RaftMember&) = delete;

  // Waits up to `timeout` for I/O, timers or a submitted entry, and handles
  // what is ready.
  void RunOnce(std::chrono::milliseconds timeout);
  // The fd an outer poll can wait on instead (readable: call RunOnce(0)),
  // and how long it may wait at most.
  int backend_fd() const;
  std::chrono::milliseconds backend_timeout() const;

  // Proposes `entry` now (call on the loop's thread). Fails at once with
  // RAFT_NOTLEADER on a follower.
  int Propose(const std::string& entry, Done done);
  // Proposes `entry` from any thread; `done` runs on the loop's thread.
  void Submit(std::string entry, Done done);
  // A barrier (leader only): `done(0)` once every entry before it, of any
  // term, is applied here; else a libraft error.
  int Barrier(std::function<void(int status)> done);
  // Membership changes (leader only), each committed like an entry:
  // `member` joins as a standby (it receives the log, does not vote) and
  // becomes a voter once it has caught up (PromoteCaughtUp()); or leaves.
  int AddMember(const ClusterPeer& member, std::function<void(int status)> done);
  int RemoveMember(raft_id id, std::function<void(int status)> done);
  // Makes a standby that holds nearly the whole log a voter (leader only;
  // one change at a time). Call now and then.
  void PromoteCaughtUp();
  // The cluster's configuration as this member knows it.
  struct Member {
    ClusterPeer peer;
    int role = RAFT_VOTER;  // RAFT_VOTER, RAFT_STANDBY or RAFT_SPARE
  };
  std::vector<Member> members() const;
  static const char* RoleName(int role);
  // A configuration change is in flight (leader only): another must wait.
  bool ChangePending() const;

  bool is_leader() const;
  // The leader this member knows of (0 and "" when none).
  raft_id leader_id() const;
  std::string leader_address() const;  // its Raft endpoint
  uint64_t term() const;
  // The timeouts libraft runs with (Options' election and heartbeat timeouts).
  unsigned election_timeout_ms() const { return raft_.election_timeout; }
  unsigned heartbeat_timeout_ms() const { return raft_.heartbeat_timeout; }
  uint64_t commit_index() const;
  uint64_t last_applied() const;
  // The leader's view of each member of the configuration: the last entry
  // it knows the member holds, and whether it heard from it within an
  // election timeout. Empty on a follower (it does not know).
  struct Progress {
    raft_id id = 0;
    uint64_t match_index = 0;
    bool recent = false;
  };
  std::vector<Progress> progress() const;
  uint64_t last_index() const;
  raft_id id() const { return options_.id; }
  const CurveTransport& transport() const { return *transport_; }

 private:
  RaftMember(Options options, HubStateMachine* machine);
  common::Status Init();
  static void OnSubmit(uv_async_t* handle);
  // raft_close's callback: sets raft_closed_ and makes a second call of
  // libraft's own close work free nothing (raft_member.cpp).
  static void OnRaftClosed(struct raft* r);
  // raft_leader(): the leader's id and address (0 and nullptr when none).
  std::pair<raft_id, const char*> Leader() const;
  // Gives the transport the configuration's members when it changed.
  void SyncMembers();
  // The leader: notes when it last heard from each member (progress()).
  void NoteContacts();
  // One membership change in flight: libraft's request and what to call.
  struct Change {
    raft_change req{};
    raft_id id = 0;
    std::function<void(int status)> done;
  };
  static void ChangeDone(raft_change* req, int status);
  // Frees a change libraft refused.
  void Forget(Change* change);
  // The voters not heard from (RaftMember::progress()); none when every
  // voter answers.
  std::vector<raft_id> SilentVoters(const std::vector<Progress>& progresses) const;

  Options options_;
  HubStateMachine* machine_;                                        // not owned
  std::map<raft_id, std::chrono::steady_clock::time_point> heard_;  // NoteContacts()
  // Standbys caught up and kept from voting, with the silent voters logged.
  std::map<raft_id, std::string> deferred_;
  uv_loop_t loop_{};
  bool loop_open_ = false;
  std::unique_ptr<CurveTransport> transport_;
  raft_io io_{};
  bool io_open_ = false;
  struct raft raft_ {};
  bool raft_open_ = false;
  uv_async_t submit_async_{};
  bool submit_open_ = false;
  bool raft_closed_ = false;  // raft_close's callback has run
  std::mutex mu_;
  std::deque<std::pair<std::string, Done>> submitted_;  // guarded by mu_
  raft_index synced_configuration_ = 0;                 // the configuration the transport has
  bool synced_uncommitted_ = false;
};

}  // namespace cen::hub
