// A doorbell from the commands that queue records (`cen-node submit`, `drop`)
// to the running agent: a Unix datagram socket `agent.bell` in the data
// directory. Ringing it wakes the agent at once instead of at its next poll,
// which is what an urgent alert needs. It carries no data: the outbox in
// node.db stays the only hand-over, so a lost ring costs at most one poll
// interval, never a record.
//
//   // agent
//   auto bell = AgentDoorbell::Listen(data_dir);   // error: path too long, ...
//   zmq::pollitem_t item{nullptr, bell->fd(), ZMQ_POLLIN, 0};
//   ... if (item.revents & ZMQ_POLLIN) bell->Clear();
//   // submit, before it writes (the agent frees the write lock for it) ...
//   AgentDoorbell::Ring(data_dir, AgentDoorbell::Bell::kAboutToWrite);
//   // ... and after its commit
//   AgentDoorbell::Ring(data_dir);                 // never blocks, never fails
//
// Not thread-safe.
#pragma once

#include <string>

#include "common/status.h"

namespace cen::node {

class AgentDoorbell {
 public:
  enum class Bell : char {
    kQueued = 1,        // records were queued in the outbox: send them
    kAboutToWrite = 2,  // a command waits for node.db's write lock: start no bulk transaction
  };
  // What Clear() read, in the order it was rung.
  struct Heard {
    bool queued = false;   // some kQueued
    bool waiting = false;  // a kAboutToWrite not followed by a kQueued
  };

  // Binds the socket, replacing a stale one left by an agent that was killed.
  // REQUIRES: this process holds the node's InstanceLock.
  static common::Result<AgentDoorbell> Listen(const std::string& data_dir);
  // Wakes the agent of `data_dir` if one listens; does nothing otherwise.
  static void Ring(const std::string& data_dir, Bell bell = Bell::kQueued);

  AgentDoorbell(AgentDoorbell&& other) noexcept;
  AgentDoorbell& operator=(AgentDoorbell&& other) noexcept;
  AgentDoorbell(const AgentDoorbell&) = delete;
  AgentDoorbell& operator=(const AgentDoorbell&) = delete;
  ~AgentDoorbell();

  int fd() const { return fd_; }
  // Reads every ring waiting, so the socket polls quiet again.
  Heard Clear();
  // A ring waits (records were handed in, maybe an urgent alert), without
  // reading it.
  bool Rung() const;

 private:
  AgentDoorbell(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  static std::string PathOf(const std::string& data_dir);

  int fd_ = -1;
  std::string path_;
};

}  // namespace cen::node
