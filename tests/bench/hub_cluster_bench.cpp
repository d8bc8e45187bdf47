// Hub cluster benchmark: one hub, then three hubs on Raft, on loopback, fed
// the same realistic records from a node's ingest connection (a CURVE DEALER
// speaking the wire protocol, PUBLISH frames of --batch records with
// --window frames in flight). For each: records acked per second and the
// ACK latency of a PUBLISH. Then the cluster's leader is SIGKILLed --kills
// times while records stream: the time from the kill to the first ACK of
// the new leader, and, at the end, every record acked is in every member's
// journal (gseq dense), so an acked record lost would be counted.
//
//   cen_hub_cluster_bench --records 30000 --kills 5
//
// The client probes the other members at once after a kill; the cen-node
// agent waits up to 2 s without a WELCOME before it tries the next member,
// so add that to "kill -> first ACK" for an agent.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "common/curve_keys.h"
#include "common/msgpack_json.h"
#include "common/socket_options.h"
#include "common/sqlite_db.h"
#include "common/uuid7.h"
#include "common/wire_frame.h"
#include "hub/hub_commands.h"
#include "hub/hub_config.h"
#include "hub/hub_schema.h"
#include "tests/bench/bench_cluster.h"
#include "tests/bench/bench_support.h"
#include "tests/bench/realistic_records.h"
#include "tests/e2e/process.h"

namespace {

namespace fs = std::filesystem;
using cen::bench::CheckOk;
using cen::bench::SteadyClock;
using cen::common::CurveKeys;
using cen::common::WireFrame;
using nlohmann::json;
namespace frame = cen::common::frame;
constexpr auto Seconds = cen::bench::SecondsBetween;

// `members` hubs initialised in `dir` (one: a single hub, no Raft), node
// BENCH allowed on each, every member starting from the same hub.db.
struct Hubs {
  std::vector<std::string> dirs, ingest, keys;
  std::vector<std::unique_ptr<cen::e2e::Process>> running;
  fs::path logs;

  static Hubs Init(const fs::path& dir, int members, const std::string& node_key) {
    Hubs h;
    h.logs = dir / "logs";
    fs::create_directories(h.logs);
    std::vector<cen::hub::ClusterMemberConfig> table;
    for (int i = 0; i < members; ++i) {
      cen::hub::InitOptions o;
      o.data_dir = (dir / ("hub-" + std::to_string(i))).string();
      o.ingest_port = cen::bench::FreePort();
      o.feed_port = cen::bench::FreePort();
      std::ostringstream out;
      CheckOk(cen::hub::HubCommands::Init(o, out), "cen-hub init");
      h.dirs.push_back(o.data_dir);
      h.ingest.push_back("tcp://127.0.0.1:" + std::to_string(o.ingest_port));
      h.keys.push_back(out.str().substr(0, 40));
      table.push_back({i + 1, "tcp://127.0.0.1:" + std::to_string(cen::bench::FreePort()),
                       h.ingest.back(), h.keys.back()});
    }
    cen::hub::AllowOptions allow{h.dirs[0], "BENCH", node_key, "EU"};
    std::ostringstream sink;
    CheckOk(cen::hub::HubCommands::Allow(allow, sink), "cen-hub allow");
    for (int i = 0; i < members && members > 1; ++i) {
      if (i > 0) {
        fs::remove(h.dirs[static_cast<size_t>(i)] + "/hub.db");
        fs::copy_file(h.dirs[0] + "/hub.db", h.dirs[static_cast<size_t>(i)] + "/hub.db");
      }
      auto config = cen::hub::HubConfig::Load(h.dirs[static_cast<size_t>(i)]);
      CheckOk(config.status(), "hub.toml");
      config->cluster_member = i + 1;
      config->cluster_members = table;
      CheckOk(config->Save(h.dirs[static_cast<size_t>(i)]), "hub.toml");
    }
    h.running.resize(static_cast<size_t>(members));
    return h;
  }
  void Start(size_t i) {
    running[i] = std::make_unique<cen::e2e::Process>(
        "hub-" + std::to_string(i), std::vector<std::string>{CEN_HUB_BIN, "run", "--data", dirs[i]},
        logs);
  }
  void Kill(size_t i) {
    running[i]->Kill();
    running[i].reset();
  }
  void StopAll() {
    for (auto& p : running) {
      if (!p) continue;
      p->Signal(SIGTERM);
      if (!p->Wait(std::chrono::seconds(15))) p->Kill();
      p.reset();
    }
  }
};

// A node's ingest connection to one member.
class Client {
 public:
  Client(zmq::context_t& ctx, const Hubs& hubs, size_t member, const CurveKeys& keys)
      : socket_(ctx, zmq::socket_type::dealer) {
    cen::common::SocketOptions::CurveClient(socket_, hubs.keys[member], keys.public_key(),
                                            keys.secret_key());
    socket_.set(zmq::sockopt::sndhwm, 0);
    socket_.connect(hubs.ingest[member]);
  }
  void Send(const std::string& bytes) { (void)socket_.send(zmq::buffer(bytes)); }
  std::optional<json> Receive(std::chrono::milliseconds timeout) {
    zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, timeout);
    if (!(items[0].revents & ZMQ_POLLIN)) return std::nullopt;
    zmq::message_t msg;
    if (!socket_.recv(msg)) return std::nullopt;
    auto f = WireFrame::Decode(msg.to_string_view());
    if (!f.ok()) return std::nullopt;
    return *f;
  }
  // HELLO: true when welcomed (this member leads).
  bool Hello(std::chrono::milliseconds timeout) {
    Send(WireFrame::Encode({{"t", frame::kHello},
                            {"proto", frame::kProtocolVersion},
                            {"replica_gseq", 0},
                            {"outbox", 0}}));
    const auto reply = Receive(timeout);
    return reply && WireFrame::Type(*reply) == frame::kWelcome;
  }

 private:
  zmq::socket_t socket_;
};

// The first running member (other than `skip`) that welcomes the node.
std::unique_ptr<Client> FindLeader(zmq::context_t& ctx, const Hubs& hubs, const CurveKeys& keys,
                                   size_t* leader, std::optional<size_t> skip = {}) {
  const auto give_up = SteadyClock::now() + std::chrono::seconds(60);
  while (SteadyClock::now() < give_up) {
    for (size_t i = 0; i < hubs.dirs.size(); ++i) {
      if (!hubs.running[i] || i == skip) continue;
      auto client = std::make_unique<Client>(ctx, hubs, i, keys);
      if (client->Hello(std::chrono::milliseconds(150))) {
        *leader = i;
        return client;
      }
    }
  }
  std::cerr << "bench: no member welcomed the node within 60 s\n";
  std::exit(1);
}

// The records of one PUBLISH frame, ready for the wire, and their uuids.
struct Frame {
  std::string bytes;
  std::vector<std::string> uuids;
};

std::vector<Frame> MakeFrames(int records, int batch, uint64_t seed) {
  cen::bench::RealisticRecords gen(seed);
  std::vector<Frame> frames;
  for (int i = 0; i < records; i += batch) {
    Frame f;
    std::vector<std::string> encoded;
    for (int k = i; k < std::min(records, i + batch); ++k) {
      json r = gen.Submitted("BENCH-" + std::to_string(seed), k);
      r["uuid"] = cen::common::Uuid7::Generate();
      r["version"] = 1;
      f.uuids.push_back(r["uuid"]);
      encoded.push_back(cen::common::MsgpackJson::Encode(r));
    }
    f.bytes = WireFrame::EncodeRecords(frame::kPublish, encoded);
    frames.push_back(std::move(f));
  }
  return frames;
}

struct Run {
  double seconds = 0;
  int64_t acked = 0;
  std::vector<double> latencies_ms;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// Sends `frames` from `first` on with `window` in flight; returns at the end
// or when `stop_after` frames were acked (then *next says where it stopped).
// Records the uuids acked into `acked`.
Run Stream(Client& client, const std::vector<Frame>& frames, size_t first, size_t window,
           std::map<std::string, int64_t>* acked, size_t* next, size_t stop_after = SIZE_MAX) {
  Run run;
  std::map<std::string, std::pair<size_t, SteadyClock::time_point>> in_flight;  // first uuid
  size_t sent = first;
  size_t done = 0;
  const auto started = SteadyClock::now();
  while ((sent < frames.size() || !in_flight.empty()) && done < stop_after) {
    while (sent < frames.size() && in_flight.size() < window) {
      in_flight[frames[sent].uuids.front()] = {sent, SteadyClock::now()};
      client.Send(frames[sent].bytes);
      ++sent;
    }
    auto reply = client.Receive(std::chrono::milliseconds(5000));
    if (!reply) break;
    if (WireFrame::Type(*reply) != frame::kAck) continue;
    const json& acks = (*reply)["acks"];
    if (acks.empty()) continue;
    auto it = in_flight.find(acks[0]["uuid"].get<std::string>());
    if (it == in_flight.end()) continue;
    run.latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(SteadyClock::now() - it->second.second).count());
    for (const json& a : acks) {
      if (a["status"] == "NEW" || a["status"] == "DUP") {
        (*acked)[a["uuid"].get<std::string>()] = a["gseq"].get<int64_t>();
        ++run.acked;
      }
    }
    in_flight.erase(it);
    ++done;
  }
  run.seconds = Seconds(started, SteadyClock::now());
  // What was sent and not acked is sent again by the next Stream().
  size_t lowest = sent;
  for (const auto& [uuid, f] : in_flight) lowest = std::min(lowest, f.first);
  *next = lowest;
  return run;
}

void Report(const char* what, const Run& run) {
  std::cout << what << ": " << static_cast<int64_t>(static_cast<double>(run.acked) / run.seconds)
            << " records/s acked (" << run.acked << " in " << run.seconds
            << " s); ACK latency per PUBLISH p50 " << Percentile(run.latencies_ms, 0.5)
            << " ms, p99 " << Percentile(run.latencies_ms, 0.99) << " ms\n";
}

}  // namespace

int main(int argc, char** argv) {
  cen::bench::UseDaemonHeap(argv);
  CLI::App app{"Single hub against a three-hub Raft cluster: throughput, ACK latency, failover"};
  int records = 30000;
  int batch = 256;
  size_t window = 8;
  int kills = 5;
  std::string dir_arg;
  app.add_option("--records", records, "Records per run (default 30000)");
  app.add_option("--batch", batch, "Records per PUBLISH frame (default 256)");
  app.add_option("--window", window, "PUBLISH frames in flight (default 8)");
  app.add_option("--kills", kills, "Leader kills in the failover run (default 5)");
  app.add_option("--dir", dir_arg, "Work directory (default: a new one in /tmp, removed)");
  CLI11_PARSE(app, argc, argv);
  cen::bench::FlushDirtyPages();  // what earlier benchmarks left unwritten
  const fs::path dir = dir_arg.empty() ? fs::temp_directory_path() /
                                             ("cen-hub-cluster-bench-" + std::to_string(getpid()))
                                       : fs::path(dir_arg);
  fs::create_directories(dir);
  auto keys = CurveKeys::Generate();
  CheckOk(keys.status(), "keys");
  zmq::context_t ctx;

  std::map<std::string, int64_t> acked;
  size_t next = 0;
  // Baseline: one hub, same records (another seed: new uuids).
  Hubs single = Hubs::Init(dir / "single", 1, keys->public_key());
  single.Start(0);
  size_t leader = 0;
  Run one;
  {
    auto client = FindLeader(ctx, single, *keys, &leader);
    one = Stream(*client, MakeFrames(records, batch, 1), 0, window, &acked, &next);
  }
  single.StopAll();
  Report("single hub", one);

  Hubs cluster = Hubs::Init(dir / "cluster", 3, keys->public_key());
  for (size_t i = 0; i < 3; ++i) cluster.Start(i);
  acked.clear();
  Run three;
  {
    auto client = FindLeader(ctx, cluster, *keys, &leader);
    three = Stream(*client, MakeFrames(records, batch, 2), 0, window, &acked, &next);
  }
  Report("three-hub cluster", three);
  std::cout << "cluster / single: "
            << (static_cast<double>(three.acked) / three.seconds) /
                   (static_cast<double>(one.acked) / one.seconds)
            << " (target >= 0.5)\n";

  // Failover: kill the leader every so many frames while streaming.
  const std::vector<Frame> frames = MakeFrames(records, batch, 3);
  // Every kill between two stretches of streaming, with one stretch to spare.
  const size_t per_kill = std::max<size_t>(1, frames.size() / static_cast<size_t>(kills + 2));
  std::vector<double> failovers;
  acked.clear();
  next = 0;
  auto client = FindLeader(ctx, cluster, *keys, &leader);
  for (int k = 0; k <= kills && next < frames.size(); ++k) {
    Stream(*client, frames, next, window, &acked, &next, per_kill);
    if (k == kills || next >= frames.size()) break;
    const auto killed_at = SteadyClock::now();
    const size_t dead = leader;
    cluster.Kill(dead);
    client = FindLeader(ctx, cluster, *keys, &leader, dead);
    // The first ACK from the new leader: resend from the oldest unacked.
    size_t after = next;
    Stream(*client, frames, next, 1, &acked, &after, 1);
    failovers.push_back(Seconds(killed_at, SteadyClock::now()));
    next = after;
    cluster.Start(dead);  // back as a follower; it catches up
  }
  while (next < frames.size()) Stream(*client, frames, next, window, &acked, &next);
  std::cout << "failover over " << failovers.size() << " leader kills: kill -> first ACK of the "
            << "new leader";
  for (double f : failovers) std::cout << " " << f << " s";
  std::cout << "; max "
            << (failovers.empty() ? 0 : *std::max_element(failovers.begin(), failovers.end()))
            << " s (target <= 5 s)\n";

  // Every record acked is in the journal of every member, once; gseq dense.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  cluster.StopAll();
  int64_t lost = 0;
  for (const std::string& d : cluster.dirs) {
    auto db = cen::common::Database::Open(d + "/hub.db", cen::common::Database::Mode::kReadOnly);
    CheckOk(db.status(), "hub.db");
    auto find = db->Prepare("SELECT count(*) FROM journal WHERE uuid = ?");
    CheckOk(find.status(), "query");
    for (const auto& [uuid, gseq] : acked) {
      auto row = find->Bind(1, uuid).Step();
      if (!row.ok() || !*row || find->ColumnInt(0) != 1) ++lost;
      find->Reset();
    }
    auto dense = db->QueryInt("SELECT count(*) = max(gseq) FROM journal");
    std::cout << d << ": " << (dense.ok() && dense->value_or(0) == 1 ? "gseq dense" : "GSEQ GAP")
              << "\n";
  }
  std::cout << "acknowledged records missing (or doubled) in a member's journal: " << lost << " of "
            << acked.size() << " x 3 (target 0)\n";
  if (dir_arg.empty()) fs::remove_all(dir);
  return lost == 0 ? 0 : 1;
}
