#include "hub/cluster/raft_member.h"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <utility>

namespace cen::hub {
namespace {

// One proposal in flight: libraft's request and what to call when it ends.
struct Proposal {
  struct raft_apply req {};
  RaftMember::Done done;
};

common::Status RaftError(std::string_view what, int rv, const char* detail = nullptr) {
  std::string message = std::string(what) + ": " + raft_strerror(rv);
  if (detail != nullptr && detail[0] != '\0') message += std::string(" (") + detail + ")";
  return common::Unavailable(message);
}

}  // namespace

RaftMember::RaftMember(Options options, HubStateMachine* machine)
    : options_(std::move(options)), machine_(machine) {}

common::Result<std::unique_ptr<RaftMember>> RaftMember::Start(Options options,
                                                              HubStateMachine* machine) {
  // libuv writes to streams whose other end may have closed; like every
  // cenhub daemon (common/signals), the process ignores SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<RaftMember> member(new RaftMember(std::move(options), machine));
  CEN_RETURN_IF_ERROR(member->Init());
  return member;
}

common::Status RaftMember::Init() {
  std::string self_address;
  for (const ClusterPeer& m : options_.members) {
    if (m.id == options_.id) self_address = m.ConfigAddress();
  }
  if (self_address.empty())
    return common::InvalidInput("member " + std::to_string(options_.id) +
                                " is not in the member list");
  if (uv_loop_init(&loop_) != 0) return common::Internal("cannot start an event loop");
  loop_open_ = true;
  if (uv_async_init(&loop_, &submit_async_, &RaftMember::OnSubmit) != 0)
    return common::Internal("cannot start an event loop");
  submit_async_.data = this;
  submit_open_ = true;

  transport_ = std::make_unique<CurveTransport>(&loop_, options_.keys, options_.members);
  int rv = raft_uv_init(&io_, &loop_, options_.raft_dir.c_str(), transport_->transport());
  if (rv != 0) return RaftError("cannot open the Raft log in " + options_.raft_dir, rv, io_.errmsg);
  io_open_ = true;
  rv = raft_init(&raft_, &io_, machine_->fsm(), options_.id, self_address.c_str());
  if (rv != 0) return RaftError("cannot start Raft", rv, raft_errmsg(&raft_));
  raft_open_ = true;
  machine_->set_raft(&raft_);

  if (options_.bootstrap) {
    raft_configuration conf;
    raft_configuration_init(&conf);
    for (const ClusterPeer& m : options_.members) {
      rv = raft_configuration_add(&conf, m.id, m.ConfigAddress().c_str(), RAFT_VOTER);
      if (rv != 0) {
        raft_configuration_close(&conf);
        return RaftError("member " + std::to_string(m.id), rv);
      }
    }
    rv = raft_bootstrap(&raft_, &conf);
    raft_configuration_close(&conf);
    if (rv != 0 && rv != RAFT_CANTBOOTSTRAP)  // CANTBOOTSTRAP: a log exists already
      return RaftError("cannot bootstrap the cluster", rv, raft_errmsg(&raft_));
  }

  raft_set_election_timeout(&raft_, options_.election_timeout_ms);
  raft_set_heartbeat_timeout(&raft_, options_.heartbeat_timeout_ms);
  raft_set_snapshot_threshold(&raft_, options_.snapshot_threshold);
  raft_set_snapshot_trailing(&raft_, options_.snapshot_trailing);
  raft_set_pre_vote(&raft_, true);  // a member back from a partition does not depose the leader
  rv = raft_start(&raft_);
  if (rv != 0) return RaftError("cannot start Raft", rv, raft_errmsg(&raft_));
  SyncMembers();
  return common::Status::Ok();
}

void RaftMember::OnRaftClosed(struct raft* r) {
  static_cast<RaftMember*>(r->data)->raft_closed_ = true;
  // libraft 0.15 (Debian 12) may run its I/O's close callback, which freed
  // these, a second time: its uvMaybeFireCloseCb does not forget the
  // callback once called, and the last of its closing work to end calls it
  // again (a trial's cluster member died in "double free" on 7 of 14
  // stops). Forgotten here, a second call frees nothing and lands here again.
  r->address = nullptr;
  r->configuration.servers = nullptr;
  r->configuration.n = 0;
  r->log.entries = nullptr;
  r->log.refs = nullptr;
  r->log.size = r->log.front = r->log.back = r->log.refs_size = 0;
}

RaftMember::~RaftMember() {
  if (raft_open_) {
    raft_.data = this;
    raft_close(&raft_, &RaftMember::OnRaftClosed);
    while (!raft_closed_) uv_run(&loop_, UV_RUN_ONCE);
  }
  if (!raft_open_ && transport_) transport_->CloseUnused();  // libraft never closed it
  if (submit_open_) uv_close(reinterpret_cast<uv_handle_t*>(&submit_async_), nullptr);
  if (loop_open_) {
    // The rest of libraft's closing work ends before raft_uv_close frees
    // what it reads (the second call above comes from it). Bounded: a
    // handle left open must not hold the hub's exit.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (uv_loop_alive(&loop_) && std::chrono::steady_clock::now() < until) {
      pollfd p{uv_backend_fd(&loop_), POLLIN, 0};
      ::poll(&p, 1, std::max(0, std::min(uv_backend_timeout(&loop_), 20)));
      uv_run(&loop_, UV_RUN_NOWAIT);
    }
  }
  if (io_open_) raft_uv_close(&io_);
  if (loop_open_) {
    uv_run(&loop_, UV_RUN_DEFAULT);  // the close callbacks
    uv_loop_close(&loop_);
  }
  // Proposals submitted but never proposed fail.
  for (auto& [entry, done] : submitted_) {
    if (done) done(RAFT_SHUTDOWN, nullptr);
  }
}

void RaftMember::RunOnce(std::chrono::milliseconds timeout) {
  const std::chrono::milliseconds wait = std::min(timeout, backend_timeout());
  pollfd p{uv_backend_fd(&loop_), POLLIN, 0};
  ::poll(&p, 1, static_cast<int>(wait.count()));
  uv_run(&loop_, UV_RUN_NOWAIT);
  SyncMembers();
  NoteContacts();
}

void RaftMember::NoteContacts() {
  if (!is_leader() || raft_.leader_state.progress == nullptr) {
    heard_.clear();
    deferred_.clear();  // a leader again says again why a standby waits
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  for (unsigned i = 0; i < raft_.configuration.n; ++i) {
    if (raft_.leader_state.progress[i].recent_recv) heard_[raft_.configuration.servers[i].id] = now;
  }
}

int RaftMember::backend_fd() const { return uv_backend_fd(&loop_); }

std::chrono::milliseconds RaftMember::backend_timeout() const {
  const int t = uv_backend_timeout(&loop_);
  return std::chrono::milliseconds(t < 0 ? 1000 : t);
}

int RaftMember::Propose(const std::string& entry, Done done) {
  auto* p = new Proposal;
  p->done = std::move(done);
  p->req.data = p;
  const std::string framed = HubStateMachine::Frame(entry);
  raft_buffer buf;
  buf.len = framed.size();
  buf.base = raft_malloc(framed.size());
  if (buf.base == nullptr) {
    delete p;
    return RAFT_NOMEM;
  }
  std::memcpy(buf.base, framed.data(), framed.size());
  const int rv =
      raft_apply(&raft_, &p->req, &buf, 1, [](struct raft_apply* req, int status, void* result) {
        auto* proposal = static_cast<Proposal*>(req->data);
        if (proposal->done)
          proposal->done(status, static_cast<const HubStateMachine::Applied*>(result));
        delete proposal;
      });
  if (rv != 0) {
    raft_free(buf.base);
    delete p;
  }
  return rv;
}

int RaftMember::Barrier(std::function<void(int status)> done) {
  struct Request {
    struct raft_barrier req {};
    std::function<void(int)> done;
  };
  auto* r = new Request;
  r->req.data = r;
  r->done = std::move(done);
  const int rv = raft_barrier(&raft_, &r->req, [](struct raft_barrier* req, int status) {
    auto* request = static_cast<Request*>(req->data);
    if (request->done) request->done(status);
    delete request;
  });
  if (rv != 0) delete r;
  return rv;
}

void RaftMember::Submit(std::string entry, Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    submitted_.emplace_back(std::move(entry), std::move(done));
  }
  uv_async_send(&submit_async_);
}

void RaftMember::OnSubmit(uv_async_t* handle) {
  auto* self = static_cast<RaftMember*>(handle->data);
  std::deque<std::pair<std::string, Done>> submitted;
  {
    std::lock_guard<std::mutex> lock(self->mu_);
    submitted.swap(self->submitted_);
  }
  for (auto& [entry, done] : submitted) {
    const int rv = self->Propose(entry, done);
    if (rv != 0 && done) done(rv, nullptr);
  }
}

bool RaftMember::is_leader() const {
  return raft_state(const_cast<struct raft*>(&raft_)) == RAFT_LEADER;
}

std::pair<raft_id, const char*> RaftMember::Leader() const {
  raft_id id = 0;
  const char* address = nullptr;
  raft_leader(const_cast<struct raft*>(&raft_), &id, &address);
  return {id, address};
}

raft_id RaftMember::leader_id() const { return Leader().first; }

std::string RaftMember::leader_address() const {
  const auto [id, address] = Leader();
  return address == nullptr ? std::string() : ClusterPeer::FromConfig(id, address).address;
}

uint64_t RaftMember::term() const { return raft_.current_term; }
uint64_t RaftMember::commit_index() const { return raft_.commit_index; }
uint64_t RaftMember::last_applied() const {
  return raft_last_applied(const_cast<struct raft*>(&raft_));
}

uint64_t RaftMember::last_index() const {
  return raft_last_index(const_cast<struct raft*>(&raft_));
}

std::vector<RaftMember::Progress> RaftMember::progress() const {
  std::vector<Progress> members;
  if (!is_leader() || raft_.leader_state.progress == nullptr) return members;
  // libraft keeps one progress per server, in the configuration's order.
  for (unsigned i = 0; i < raft_.configuration.n; ++i) {
    const raft_progress& p = raft_.leader_state.progress[i];
    const raft_id id = raft_.configuration.servers[i].id;
    // The leader's own entry is not kept up to date: it holds what it stored.
    // libraft clears recent_recv for every member once per election timeout,
    // so a live follower read as not heard from until its next reply (status
    // flickered; cluster remove refused now and then): heard within two
    // election timeouts (at least a second) is heard from.
    const auto heard = heard_.find(id);
    const auto window = std::max(std::chrono::milliseconds(1000),
                                 std::chrono::milliseconds(2 * raft_.election_timeout));
    const bool recent =
        id == raft_.id || p.recent_recv ||
        (heard != heard_.end() && std::chrono::steady_clock::now() - heard->second < window);
    members.push_back({id, id == raft_.id ? raft_.last_stored : p.match_index, recent});
  }
  return members;
}

void RaftMember::SyncMembers() {
  const bool uncommitted = raft_.configuration_uncommitted_index != 0;
  const raft_index index =
      uncommitted ? raft_.configuration_uncommitted_index : raft_.configuration_index;
  // A joining member knows no configuration until the leader sends one: it
  // keeps the members it was given.
  if (raft_.configuration.n == 0 ||
      (index == synced_configuration_ && uncommitted == synced_uncommitted_))
    return;
  synced_configuration_ = index;
  synced_uncommitted_ = uncommitted;
  std::vector<ClusterPeer> peers;
  for (const Member& m : members()) {
    peers.push_back(m.peer);
    // A configuration written before addresses named keys: hub.toml's.
    if (peers.back().public_key.empty()) {
      for (const ClusterPeer& known : options_.members) {
        if (known.id == m.peer.id) peers.back() = known;
      }
    }
  }
  transport_->SetMembers(peers);
}

std::vector<RaftMember::Member> RaftMember::members() const {
  std::vector<Member> out;
  for (unsigned i = 0; i < raft_.configuration.n; ++i) {
    const raft_server& s = raft_.configuration.servers[i];
    out.push_back({ClusterPeer::FromConfig(s.id, s.address), s.role});
  }
  return out;
}

const char* RaftMember::RoleName(int role) {
  switch (role) {
    case RAFT_VOTER:
      return "voter";
    case RAFT_STANDBY:
      return "standby";
    default:
      return "spare";
  }
}

bool RaftMember::ChangePending() const {
  return raft_.configuration_uncommitted_index != 0 || raft_.leader_state.change != nullptr ||
         raft_.leader_state.promotee_id != 0;
}

int RaftMember::AddMember(const ClusterPeer& member, std::function<void(int status)> done) {
  auto* change = new Change{{}, member.id, std::move(done)};
  change->req.data = change;
  const std::string address = member.ConfigAddress();
  // Added as a spare; PromoteCaughtUp() makes it a standby, then a voter.
  const int rv =
      raft_add(&raft_, &change->req, member.id, address.c_str(), &RaftMember::ChangeDone);
  if (rv != 0) Forget(change);
  return rv;
}

int RaftMember::RemoveMember(raft_id id, std::function<void(int status)> done) {
  auto* change = new Change{{}, id, std::move(done)};
  change->req.data = change;
  const int rv = raft_remove(&raft_, &change->req, id, &RaftMember::ChangeDone);
  if (rv != 0) Forget(change);
  return rv;
}

void RaftMember::Forget(Change* change) {
  // libraft 0.15's raft_assign records the request before it can fail, and
  // leaves it recorded: no callback will come, and no change could follow.
  if (is_leader() && raft_.leader_state.change == &change->req) raft_.leader_state.change = nullptr;
  delete change;
}

void RaftMember::ChangeDone(raft_change* req, int status) {
  auto* change = static_cast<Change*>(req->data);
  change->done(status);
  delete change;
}

std::vector<raft_id> RaftMember::SilentVoters(const std::vector<Progress>& progresses) const {
  std::vector<raft_id> silent;
  for (const Member& v : members()) {
    if (v.role != RAFT_VOTER) continue;
    bool heard = false;
    for (const Progress& p : progresses) heard = heard || (p.id == v.peer.id && p.recent);
    if (!heard) silent.push_back(v.peer.id);
  }
  return silent;
}

void RaftMember::PromoteCaughtUp() {
  if (!is_leader() || ChangePending()) return;
  const uint64_t last = last_index();
  const std::vector<Progress> progresses = progress();
  for (const Member& m : members()) {
    int next = -1;
    if (m.role == RAFT_SPARE) {
      next = RAFT_STANDBY;  // a member just added: it receives the log from now on
    } else if (m.role == RAFT_STANDBY) {
      // Within a few entries of the leader and heard from: a voter that counts.
      bool caught_up = false;
      for (const Progress& p : progresses) {
        if (p.id == m.peer.id && p.recent && p.match_index + 8 >= last) caught_up = true;
      }
      if (!caught_up) continue;
      // Unless the voters that answer need it for a majority: libraft counts
      // a voter being added at once, in the configuration not yet committed
      // (check-quorum), so the leader steps down unless the newcomer answers
      // within an election timeout. A trial replaced a dead member as the
      // README says, and each time the newcomer was silent then (why is not
      // known yet: HubServer::NoteRaftGap logs such a member's busy loop):
      // 2-17 s without a leader. It votes once the dead member is removed or
      // back.
      size_t voters = 0;
      for (const Member& v : members()) voters += v.role == RAFT_VOTER ? 1 : 0;
      const std::vector<raft_id> silent = SilentVoters(progresses);
      const size_t answering = voters - silent.size();
      // Every voter answering (a cluster growing), or a majority of the new
      // configuration without it: it may be slow.
      if (!silent.empty() && answering * 2 <= voters + 1) {
        std::string names;
        for (const raft_id id : silent) names += (names.empty() ? "" : ", ") + std::to_string(id);
        // Said once, and again when who is silent changes.
        if (auto [it, added] = deferred_.try_emplace(m.peer.id, names);
            added || it->second != names) {
          it->second = names;
          spdlog::info(
              "cluster: member {} holds the log; it becomes a voter once the voters that answer "
              "make a majority without it (not heard from: member {}; remove it with cen-hub "
              "cluster remove, or start it)",
              m.peer.id, names);
        }
        continue;
      }
      deferred_.erase(m.peer.id);
      next = RAFT_VOTER;
    }
    if (next < 0) continue;
    const raft_id id = m.peer.id;
    auto* change =
        new Change{{}, id, [id, next](int status) {
                     if (status != 0) {
                       spdlog::warn("cluster: member {} not made a {}: {}", id, RoleName(next),
                                    raft_strerror(status));
                     } else {
                       spdlog::info("cluster: member {} is now a {}", id, RoleName(next));
                     }
                   }};
    change->req.data = change;
    const int rv = raft_assign(&raft_, &change->req, id, next, &RaftMember::ChangeDone);
    if (rv != 0) {
      spdlog::warn("cluster: member {} not made a {}: {}", id, RoleName(next), raft_strerror(rv));
      Forget(change);
    }
    return;  // one change at a time
  }
}

}  // namespace cen::hub
