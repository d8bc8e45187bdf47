// libraft's connections between hub cluster members, carried by ZeroMQ with
// CURVE: every byte between two members is encrypted, and a member accepts a
// connection only from a key in the member table (its own ZAP handler), so
// an unknown peer can neither join nor inject entries. A peer must also be
// the member its key belongs to: a HELLO claiming another member's id is
// refused.
//
//   CurveTransport transport(loop, keys, {{1, "tcp://10.0.0.1:7100", "Yne@$w-vo<fVvi]a<NY6..."},
//                                         {2, ...}, {3, ...}});
//   raft_uv_init(&io, loop, raft_dir, transport.transport());
//
// libraft reads and writes byte streams (a raft_uv_transport hands it one
// uv stream per connection). Each stream here is one end of a Unix socket
// pair; a relay thread moves the bytes of the other end to and from ZeroMQ:
// an outgoing connection is a DEALER of its own, incoming ones arrive on the
// member's ROUTER. Every relayed chunk is numbered, so a chunk lost when
// ZeroMQ reconnects under a stream closes that stream (libraft connects
// again) instead of corrupting it.
//
// Thread-safe as libraft uses it: its callbacks run on the uv loop's thread;
// the relay thread shares only the queues behind mu_.
#pragma once

extern "C" {
#include <raft.h>
#include <raft/uv.h>
}

#include <atomic>
#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "common/curve_keys.h"
#include "common/status.h"

namespace cen::hub {

// A member of the cluster as every member knows it.
struct ClusterPeer {
  raft_id id = 0;
  std::string address;      // ZeroMQ endpoint its ROUTER binds: tcp://HOST:PORT
  std::string public_key;   // CURVE, Z85
  std::string ingest = {};  // where nodes reach it: tcp://HOST:PORT

  // The address libraft keeps for it in the cluster's configuration: "RAFT
  // INGEST KEY", so that the configuration (replicated, in every snapshot)
  // names each member whole, members added later included.
  std::string ConfigAddress() const;
  // The member a configuration's address names (a bare endpoint: no ingest
  // endpoint, no key).
  static ClusterPeer FromConfig(raft_id id, std::string_view config_address);
};

class CurveTransport {
 public:
  // Wire format of a relayed chunk: one type byte, then for kData an 8-byte
  // sequence number (big-endian) and the bytes.
  static constexpr char kHello = 'H';  // then "ID ADDRESS": opens a stream
  static constexpr char kData = 'D';
  static constexpr char kBye = 'B';  // the stream is closed

  CurveTransport(uv_loop_t* loop, common::CurveKeys keys, std::vector<ClusterPeer> members);
  // The members whose keys its connections accept and whom it connects to,
  // from now on (the cluster's configuration changed). Any thread.
  void SetMembers(std::vector<ClusterPeer> members);
  ~CurveTransport();
  CurveTransport(const CurveTransport&) = delete;
  CurveTransport& operator=(const CurveTransport&) = delete;

  raft_uv_transport* transport() { return &transport_; }
  // Stops the relay and closes the loop's handle when libraft never did
  // (its start failed); a no-op once closed.
  void CloseUnused() {
    if (!closing_) Close(&transport_, nullptr);
  }
  // Connections refused by the ZAP handler or for a false HELLO, so far.
  int64_t refused() const { return refused_.load(); }

 private:
  // What the relay thread hands the loop's thread.
  struct Accepted {
    int fd;
    raft_id id;
    std::string address;
  };
  struct Connecting {
    raft_uv_connect* req;
    uv_stream_t* stream;  // nullptr: failed
    raft_uv_connect_cb cb;
  };
  // What the loop's thread hands the relay thread: a new outgoing stream.
  struct Outgoing {
    int fd;
    raft_id id;
    std::string address;
    std::string public_key;
  };
  struct Stream;  // one relayed stream (relay thread)

  static int Init(raft_uv_transport* t, raft_id id, const char* address);
  static int Listen(raft_uv_transport* t, raft_uv_accept_cb cb);
  static int Connect(raft_uv_transport* t, raft_uv_connect* req, raft_id id, const char* address,
                     raft_uv_connect_cb cb);
  static void Close(raft_uv_transport* t, raft_uv_transport_close_cb cb);
  static void OnAsync(uv_async_t* handle);
  static void OnAsyncClosed(uv_handle_t* handle);
  // A uv stream (raft_malloc'd: libraft frees it) over `fd`, or nullptr.
  uv_stream_t* OpenStream(int fd);
  void Wake();  // the relay thread

  // The relay thread: binds the ROUTER and the ZAP handler, says so through
  // `bound`, then moves bytes until stop_.
  void Relay(std::promise<common::Status>* bound);
  void StopRelay();
  // Relay thread, one turn each: new outgoing streams; a ZAP request; what
  // arrived on the ROUTER; what arrived on a stream's DEALER; what libraft
  // wrote into a stream (or its closing); what waits and what went stale.
  void OpenOutgoing();
  void AnswerZap();
  void ReadRouter();
  void ReadDealer(Stream& s);
  void ReadStream(Stream& s, short revents);
  void Sweep();
  // A HELLO from `routing_id`: a new incoming stream, if the member its key
  // belongs to is the one it claims to be.
  void Accept(const zmq::message_t& routing_id, zmq::message_t& hello);
  // A chunk for `s`: data in sequence goes to libraft, anything else closes it.
  void Take(Stream& s, const zmq::message_t& chunk);
  // Sends `chunk` to the peer of `s`; false when ZeroMQ cannot take it yet.
  bool Send(Stream& s, const std::string& chunk);
  // Writes what waits for libraft; false when the stream is broken.
  static bool Flush(Stream& s);
  // Closes the stream (libraft reads its end), telling the peer if asked.
  void Drop(int fd, bool tell_peer);
  Stream* ByRoutingId(const std::string& routing_id);

  uv_loop_t* loop_;
  common::CurveKeys keys_;
  std::vector<ClusterPeer> members_;  // guarded by members_mu_
  mutable std::mutex members_mu_;
  raft_uv_transport transport_{};
  uv_async_t async_{};
  bool async_open_ = false;
  raft_id self_id_ = 0;
  std::string self_address_;         // the endpoint it binds
  std::string self_config_address_;  // as the configuration names it
  raft_uv_accept_cb accept_cb_ = nullptr;
  raft_uv_transport_close_cb close_cb_ = nullptr;
  bool closing_ = false;
  int wake_fd_ = -1;  // eventfd: the relay thread polls it

  // Relay thread only.
  std::unique_ptr<zmq::context_t> ctx_;
  std::unique_ptr<zmq::socket_t> zap_;
  std::unique_ptr<zmq::socket_t> router_;
  std::map<int, std::unique_ptr<Stream>> streams_;  // by the relay's fd

  std::atomic<bool> stop_{false};
  std::atomic<int64_t> refused_{0};
  std::thread relay_;
  mutable std::mutex mu_;
  std::deque<Accepted> accepted_;      // guarded by mu_
  std::deque<Connecting> connecting_;  // guarded by mu_ (filled and drained on the loop thread)
  std::deque<Outgoing> outgoing_;      // guarded by mu_
};

}  // namespace cen::hub
