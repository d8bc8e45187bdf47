#include "hub/cluster/curve_transport.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <future>
#include <memory>
#include <utility>
#include <zmq.hpp>

#include "common/socket_options.h"
#include "hub/zap_request.h"

namespace cen::hub {
namespace {

using Clock = std::chrono::steady_clock;

// The largest chunk relayed at once, and the most a member may send in one
// message (a chunk and its header).
constexpr size_t kChunk = 64 * 1024;
constexpr int64_t kMaxMessage = kChunk + 64;
// An incoming stream silent this long is closed (libraft's heartbeats keep
// a live one busy several times a second); an outgoing one that could not
// send for this long is closed too, and libraft connects again.
constexpr auto kSilence = std::chrono::seconds(30);
constexpr auto kStuck = std::chrono::seconds(10);

std::string Chunk(char type, uint64_t seq = 0, std::string_view bytes = {}) {
  std::string out(1, type);
  if (type == CurveTransport::kData) {
    for (int shift = 56; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((seq >> shift) & 0xff));
    out.append(bytes);
  }
  return out;
}

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace

// One relayed stream, owned by the relay thread.
struct CurveTransport::Stream {
  int fd = -1;  // the relay's end of the socket pair
  raft_id peer = 0;
  std::unique_ptr<zmq::socket_t> dealer;  // outgoing: a socket of its own
  std::string routing_id;                 // incoming: the peer on the ROUTER
  uint64_t send_seq = 0;
  uint64_t recv_seq = 0;
  std::string to_fd;   // received, not yet written to fd
  std::string unsent;  // read from fd, not yet taken by ZeroMQ
  Clock::time_point heard = Clock::now();
  Clock::time_point stuck_since{};
};

std::string ClusterPeer::ConfigAddress() const { return address + " " + ingest + " " + public_key; }

ClusterPeer ClusterPeer::FromConfig(raft_id id, std::string_view config_address) {
  ClusterPeer peer{id, "", ""};
  std::string_view rest = config_address;
  std::string* parts[] = {&peer.address, &peer.ingest, &peer.public_key};
  for (std::string* part : parts) {
    const size_t space = rest.find(' ');
    *part = std::string(rest.substr(0, space));
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  }
  return peer;
}

void CurveTransport::SetMembers(std::vector<ClusterPeer> members) {
  std::lock_guard<std::mutex> lock(members_mu_);
  members_ = std::move(members);
}

CurveTransport::CurveTransport(uv_loop_t* loop, common::CurveKeys keys,
                               std::vector<ClusterPeer> members)
    : loop_(loop), keys_(std::move(keys)), members_(std::move(members)) {
  transport_.impl = this;
  transport_.init = &CurveTransport::Init;
  transport_.listen = &CurveTransport::Listen;
  transport_.connect = &CurveTransport::Connect;
  transport_.close = &CurveTransport::Close;
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (uv_async_init(loop_, &async_, &CurveTransport::OnAsync) == 0) {
    async_.data = this;
    async_open_ = true;
  }
}

CurveTransport::~CurveTransport() {
  StopRelay();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void CurveTransport::Wake() {
  const uint64_t one = 1;
  if (::write(wake_fd_, &one, sizeof one) < 0) {
    // The counter is full: the relay thread wakes anyway.
  }
}

void CurveTransport::StopRelay() {
  stop_ = true;
  Wake();
  if (relay_.joinable()) relay_.join();
}

int CurveTransport::Init(raft_uv_transport* t, raft_id id, const char* address) {
  auto* self = static_cast<CurveTransport*>(t->impl);
  if (!self->async_open_ || self->wake_fd_ < 0) {
    std::snprintf(t->errmsg, RAFT_ERRMSG_BUF_SIZE, "cannot set up the relay");
    return RAFT_IOERR;
  }
  self->self_id_ = id;
  self->self_address_ = ClusterPeer::FromConfig(id, address).address;
  self->self_config_address_ = address;
  std::promise<common::Status> bound;
  std::future<common::Status> ready = bound.get_future();
  self->relay_ = std::thread(&CurveTransport::Relay, self, &bound);
  const common::Status s = ready.get();
  if (!s.ok()) {
    self->relay_.join();
    std::snprintf(t->errmsg, RAFT_ERRMSG_BUF_SIZE, "%s", s.message().c_str());
    return RAFT_IOERR;
  }
  return 0;
}

int CurveTransport::Listen(raft_uv_transport* t, raft_uv_accept_cb cb) {
  auto* self = static_cast<CurveTransport*>(t->impl);
  self->accept_cb_ = cb;
  uv_async_send(&self->async_);  // streams accepted before now
  return 0;
}

uv_stream_t* CurveTransport::OpenStream(int fd) {
  auto* pipe = static_cast<uv_pipe_t*>(raft_malloc(sizeof(uv_pipe_t)));
  if (pipe == nullptr) return nullptr;
  if (uv_pipe_init(loop_, pipe, 0) != 0) {
    raft_free(pipe);
    return nullptr;
  }
  if (uv_pipe_open(pipe, fd) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(pipe), [](uv_handle_t* h) { raft_free(h); });
    return nullptr;
  }
  return reinterpret_cast<uv_stream_t*>(pipe);
}

int CurveTransport::Connect(raft_uv_transport* t, raft_uv_connect* req, raft_id id,
                            const char* address, raft_uv_connect_cb cb) {
  auto* self = static_cast<CurveTransport*>(t->impl);
  if (self->closing_) return RAFT_CANCELED;
  std::string key;
  {
    std::lock_guard<std::mutex> lock(self->members_mu_);
    for (const ClusterPeer& m : self->members_) {
      if (m.id == id) key = m.public_key;
    }
  }
  if (key.empty()) {
    // No key, no connection: libraft tries again later.
    std::snprintf(t->errmsg, RAFT_ERRMSG_BUF_SIZE, "member %llu has no key",
                  static_cast<unsigned long long>(id));
    return RAFT_NOCONNECTION;
  }
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return RAFT_NOCONNECTION;
  uv_stream_t* stream = self->OpenStream(fds[0]);
  if (stream == nullptr) {
    ::close(fds[0]);
    ::close(fds[1]);
    return RAFT_NOCONNECTION;
  }
  {
    std::lock_guard<std::mutex> lock(self->mu_);
    self->outgoing_.push_back({fds[1], id, ClusterPeer::FromConfig(id, address).address, key});
    // libraft expects the callback later, not from inside connect().
    self->connecting_.push_back({req, stream, cb});
  }
  self->Wake();
  uv_async_send(&self->async_);
  return 0;
}

void CurveTransport::OnAsync(uv_async_t* handle) {
  auto* self = static_cast<CurveTransport*>(handle->data);
  std::deque<Connecting> connecting;
  std::deque<Accepted> accepted;
  {
    std::lock_guard<std::mutex> lock(self->mu_);
    connecting.swap(self->connecting_);
    if (self->accept_cb_ != nullptr) accepted.swap(self->accepted_);
  }
  for (const Connecting& c : connecting) c.cb(c.req, c.stream, 0);
  for (const Accepted& a : accepted) {
    uv_stream_t* stream = self->closing_ ? nullptr : self->OpenStream(a.fd);
    if (stream == nullptr) {
      ::close(a.fd);
      continue;
    }
    self->accept_cb_(&self->transport_, a.id, a.address.c_str(), stream);
  }
}

void CurveTransport::Close(raft_uv_transport* t, raft_uv_transport_close_cb cb) {
  auto* self = static_cast<CurveTransport*>(t->impl);
  self->closing_ = true;
  self->close_cb_ = cb;
  self->StopRelay();  // nothing is queued after this
  std::deque<Connecting> connecting;
  std::deque<Accepted> accepted;
  std::deque<Outgoing> outgoing;
  {
    std::lock_guard<std::mutex> lock(self->mu_);
    connecting.swap(self->connecting_);
    accepted.swap(self->accepted_);
    outgoing.swap(self->outgoing_);
  }
  for (const Outgoing& o : outgoing) ::close(o.fd);
  // Pending connects are cancelled; their streams were never handed over.
  for (const Connecting& c : connecting) {
    uv_close(reinterpret_cast<uv_handle_t*>(c.stream), [](uv_handle_t* h) { raft_free(h); });
    c.cb(c.req, nullptr, RAFT_CANCELED);
  }
  for (const Accepted& a : accepted) ::close(a.fd);
  if (self->async_open_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&self->async_), &CurveTransport::OnAsyncClosed);
  } else if (cb != nullptr) {
    cb(t);
  }
}

void CurveTransport::OnAsyncClosed(uv_handle_t* handle) {
  auto* self = static_cast<CurveTransport*>(handle->data);
  self->async_open_ = false;
  if (self->close_cb_ != nullptr) self->close_cb_(&self->transport_);
}

void CurveTransport::Relay(std::promise<common::Status>* bound) {
  ctx_ = std::make_unique<zmq::context_t>();
  try {
    zap_ = std::make_unique<zmq::socket_t>(*ctx_, zmq::socket_type::rep);
    zap_->set(zmq::sockopt::linger, 0);
    zap_->bind("inproc://zeromq.zap.01");
    router_ = std::make_unique<zmq::socket_t>(*ctx_, zmq::socket_type::router);
    common::SocketOptions::CurveServer(*router_, keys_.secret_key(), kMaxMessage);
    router_->set(zmq::sockopt::router_handover, 1);
    router_->set(zmq::sockopt::sndhwm, 0);
    router_->bind(self_address_);
  } catch (const zmq::error_t& e) {
    bound->set_value(
        common::Internal("cannot bind the cluster endpoint " + self_address_ + ": " + e.what()));
    router_.reset();
    zap_.reset();
    ctx_.reset();
    return;
  }
  bound->set_value(common::Status::Ok());

  while (!stop_) {
    std::vector<zmq::pollitem_t> items = {{nullptr, wake_fd_, ZMQ_POLLIN, 0},
                                          {zap_->handle(), 0, ZMQ_POLLIN, 0},
                                          {router_->handle(), 0, ZMQ_POLLIN, 0}};
    std::vector<int> item_fd;  // the stream of items[3 + i]
    for (auto& [fd, s] : streams_) {
      // A chunk ZeroMQ could not take yet holds back further reads.
      short events = s->unsent.empty() ? ZMQ_POLLIN : 0;
      if (!s->to_fd.empty()) events |= ZMQ_POLLOUT;
      items.push_back({nullptr, fd, events, 0});
      item_fd.push_back(fd);
      if (s->dealer) {
        items.push_back({s->dealer->handle(), 0, ZMQ_POLLIN, 0});
        item_fd.push_back(fd);
      }
    }
    try {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(100));
      if (items[0].revents & ZMQ_POLLIN) OpenOutgoing();
      if (items[1].revents & ZMQ_POLLIN) AnswerZap();
      ReadRouter();
      for (size_t i = 3; i < items.size(); ++i) {
        auto it = streams_.find(item_fd[i - 3]);
        if (it == streams_.end()) continue;  // closed meanwhile
        if (items[i].socket != nullptr) {
          ReadDealer(*it->second);
        } else if (items[i].revents != 0) {
          ReadStream(*it->second, items[i].revents);
        }
      }
      Sweep();
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) break;
      spdlog::error("cluster relay: {}", e.what());
    }
  }
  for (auto& [fd, s] : streams_) ::close(fd);
  streams_.clear();
  router_.reset();
  zap_.reset();
  ctx_.reset();
}

void CurveTransport::OpenOutgoing() {
  uint64_t count;
  if (::read(wake_fd_, &count, sizeof count) < 0) {
    // Nothing to read: woken for another reason.
  }
  std::deque<Outgoing> outgoing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    outgoing.swap(outgoing_);
  }
  for (Outgoing& o : outgoing) {
    auto s = std::make_unique<Stream>();
    s->fd = o.fd;
    s->peer = o.id;
    SetNonBlocking(o.fd);
    s->dealer = std::make_unique<zmq::socket_t>(*ctx_, zmq::socket_type::dealer);
    common::SocketOptions::CurveClient(*s->dealer, o.public_key, keys_.public_key(),
                                       keys_.secret_key());
    s->dealer->set(zmq::sockopt::maxmsgsize, kMaxMessage);
    s->dealer->set(zmq::sockopt::sndhwm, 1000);
    s->dealer->set(zmq::sockopt::linger, 100);  // a BYE still goes when the stream closes
    s->dealer->connect(o.address);
    s->unsent = Chunk(kHello) + std::to_string(self_id_) + " " + self_config_address_;
    streams_[o.fd] = std::move(s);
  }
}

void CurveTransport::AnswerZap() {
  // Only the other members' keys, each named by its member id.
  const ZapRequest request = ZapRequest::Receive(*zap_);
  raft_id member = 0;
  {
    std::lock_guard<std::mutex> lock(members_mu_);
    for (const ClusterPeer& m : members_) {
      if (!request.client_key.empty() && m.public_key == request.client_key && m.id != self_id_)
        member = m.id;
    }
  }
  if (member != 0) {
    request.Reply(*zap_, "200", "OK", std::to_string(member));
    return;
  }
  ++refused_;
  spdlog::warn("cluster: refused a connection from {} with key {}: not a member", request.address,
               request.client_key.empty() ? "(none)" : request.client_key);
  request.Reply(*zap_, "400", "not a cluster member");
}

void CurveTransport::ReadRouter() {
  while (router_->get(zmq::sockopt::events) & ZMQ_POLLIN) {
    zmq::message_t rid, body;
    if (!router_->recv(rid, zmq::recv_flags::dontwait)) break;
    if (!router_->get(zmq::sockopt::rcvmore) || !router_->recv(body)) continue;
    while (router_->get(zmq::sockopt::rcvmore)) {  // more parts: never sent by a member
      if (!router_->recv(body)) break;
    }
    const auto* p = static_cast<const char*>(body.data());
    Stream* s = ByRoutingId(rid.to_string());
    if (body.size() >= 1 && p[0] == kHello) {
      if (s != nullptr) Drop(s->fd, false);
      Accept(rid, body);
    } else if (s != nullptr) {
      Take(*s, body);
    } else if (body.size() >= 1 && p[0] != kBye) {
      // A stream this member does not know (it restarted): close it there.
      router_->send(rid, zmq::send_flags::sndmore);
      router_->send(zmq::buffer(Chunk(kBye)), zmq::send_flags::none);
    }
  }
}

void CurveTransport::Accept(const zmq::message_t& rid, zmq::message_t& body) {
  // The member its key belongs to (ZAP's User-Id) must be the one it says.
  const char* user = body.gets("User-Id");
  const std::string hello(static_cast<const char*>(body.data()) + 1, body.size() - 1);
  const size_t space = hello.find(' ');
  const std::string claimed = hello.substr(0, space);
  if (user == nullptr || claimed != user || space == std::string::npos) {
    ++refused_;
    spdlog::warn("cluster: member {} said it was member {}: refused", user == nullptr ? "?" : user,
                 claimed);
    router_->send(zmq::buffer(rid.data(), rid.size()), zmq::send_flags::sndmore);
    router_->send(zmq::buffer(Chunk(kBye)), zmq::send_flags::none);
    return;
  }
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return;
  SetNonBlocking(fds[1]);
  auto stream = std::make_unique<Stream>();
  stream->fd = fds[1];
  stream->peer = std::stoull(claimed);
  stream->routing_id = rid.to_string();
  streams_[fds[1]] = std::move(stream);
  {
    std::lock_guard<std::mutex> lock(mu_);
    accepted_.push_back(
        {fds[0], static_cast<raft_id>(std::stoull(claimed)), hello.substr(space + 1)});
  }
  uv_async_send(&async_);
}

void CurveTransport::ReadDealer(Stream& s) {
  const int fd = s.fd;
  while (streams_.count(fd) != 0 && (s.dealer->get(zmq::sockopt::events) & ZMQ_POLLIN)) {
    zmq::message_t msg;
    if (!s.dealer->recv(msg, zmq::recv_flags::dontwait)) break;
    Take(s, msg);
  }
}

void CurveTransport::ReadStream(Stream& s, short revents) {
  if ((revents & ZMQ_POLLOUT) && !Flush(s)) return Drop(s.fd, true);
  if (!s.unsent.empty() || !(revents & (ZMQ_POLLIN | ZMQ_POLLERR))) return;
  char buf[kChunk];
  const ssize_t n = ::read(s.fd, buf, sizeof buf);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
    return Drop(s.fd, true);  // libraft closed its end
  if (n > 0) s.unsent = Chunk(kData, s.send_seq++, {buf, static_cast<size_t>(n)});
}

void CurveTransport::Take(Stream& s, const zmq::message_t& chunk) {
  const auto* p = static_cast<const char*>(chunk.data());
  if (chunk.size() < 1 || p[0] == kBye) return Drop(s.fd, false);
  if (p[0] != kData || chunk.size() < 9) return Drop(s.fd, true);
  uint64_t seq = 0;
  for (size_t i = 1; i < 9; ++i) seq = seq << 8 | static_cast<unsigned char>(p[i]);
  if (seq != s.recv_seq) {
    spdlog::warn("cluster link with member {}: chunk {} where {} was due; reconnecting", s.peer,
                 seq, s.recv_seq);
    return Drop(s.fd, true);
  }
  ++s.recv_seq;
  s.heard = Clock::now();
  s.to_fd.append(p + 9, chunk.size() - 9);
  if (!Flush(s)) Drop(s.fd, true);
}

bool CurveTransport::Send(Stream& s, const std::string& chunk) {
  if (s.dealer) return s.dealer->send(zmq::buffer(chunk), zmq::send_flags::dontwait).has_value();
  router_->send(zmq::buffer(s.routing_id), zmq::send_flags::sndmore);
  router_->send(zmq::buffer(chunk), zmq::send_flags::none);  // HWM 0: never refused
  return true;
}

bool CurveTransport::Flush(Stream& s) {
  while (!s.to_fd.empty()) {
    const ssize_t n = ::send(s.fd, s.to_fd.data(), s.to_fd.size(), MSG_NOSIGNAL);
    if (n <= 0) return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    s.to_fd.erase(0, static_cast<size_t>(n));
  }
  return true;
}

void CurveTransport::Drop(int fd, bool tell_peer) {
  auto it = streams_.find(fd);
  if (it == streams_.end()) return;
  if (tell_peer) {
    try {
      Send(*it->second, Chunk(kBye));
    } catch (const zmq::error_t&) {
      // The peer finds out by the missing chunks.
    }
  }
  ::close(fd);  // libraft reads the end of its stream and closes it
  streams_.erase(it);
}

CurveTransport::Stream* CurveTransport::ByRoutingId(const std::string& routing_id) {
  for (auto& [fd, s] : streams_) {
    if (!s->dealer && s->routing_id == routing_id) return s.get();
  }
  return nullptr;
}

void CurveTransport::Sweep() {
  const auto now = Clock::now();
  std::vector<int> stale;
  for (auto& [fd, s] : streams_) {
    if (!s->unsent.empty()) {
      if (Send(*s, s->unsent)) {
        s->unsent.clear();
        s->stuck_since = {};
      } else if (s->stuck_since == Clock::time_point{}) {
        s->stuck_since = now;
      } else if (now - s->stuck_since > kStuck) {
        stale.push_back(fd);
      }
    }
    if (!s->dealer && now - s->heard > kSilence) stale.push_back(fd);
  }
  for (const int fd : stale) Drop(fd, true);
}

}  // namespace cen::hub
