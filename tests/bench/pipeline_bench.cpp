// Pipeline benchmark: records/s from three nodes through the hub into every
// replica, beside the raw SQLite insert rate for the same schemas and beside
// NATS JetStream carrying the same records, all measured in the same run, so
// the ratios can be quoted.
//
//   cen_pipeline_bench --records 100000          # --no-peers skips JetStream
//   cen_pipeline_bench --records 60000 --rounds 3  # medians of three rounds
//
// Every record is a realistic one (tests/bench/realistic_records.h: seven
// languages, skewed countries and commodities, about 5% alerts); node k
// submits the same sequence in every stage.
// 1. Baselines: plain prepared INSERTs in 1000-row transactions into (a) the
//    replica tables of node.db (synchronous=NORMAL), (b) the hub journal of
//    hub.db (synchronous=FULL, as the hub commits).
// 2. Outbox fill: each node's records queued through Outbox::Enqueue (what
//    `cen-node submit` does), durable (synchronous=FULL).
// 3. Pipeline: the hub and three agents start as real processes on loopback
//    with CURVE; the clock starts when the hub listens (the agents start
//    then) and runs until every outbox is acked and until every replica
//    holds every record; the daemons' CPU (the hub's since it listens) is
//    read then and once every full-text and country index holds every
//    record too.
// 4. Peers (JetStreamPeer): a real nats-server with JetStream file storage;
//    one publisher per node, one consumer per replica applying each fetched
//    batch in one transaction, (a) into cenhub's previous replica schema
//    (schema 4, Schema4Replica), (b) into a plain (gseq, uuid, body) table.
// With --rounds N, steps 2-4 run N times on fresh files, then the medians.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <sstream>
#include <thread>

#include "common/msgpack_json.h"
#include "common/sqlite_db.h"
#include "common/uuid7.h"
#include "hub/hub_commands.h"
#include "hub/hub_schema.h"
#include "node/node_commands.h"
#include "node/store/node_schema.h"
#include "node/store/outbox.h"
#include "tests/bench/bench_cluster.h"
#include "tests/bench/bench_support.h"
#include "tests/bench/jetstream_peer.h"
#include "tests/bench/realistic_records.h"
#include "tests/e2e/process.h"

namespace {

namespace fs = std::filesystem;
using cen::common::Database;
using nlohmann::json;
using SteadyClock = cen::bench::SteadyClock;
constexpr auto Seconds = cen::bench::SecondsBetween;
constexpr auto Check = cen::bench::CheckOk;

constexpr uint64_t kSeed = 20261130;

// The records node number `index` submits: the same sequence every time.
cen::bench::RealisticRecords NodeRecords(size_t index) {
  return cen::bench::RealisticRecords(kSeed + index);
}

double BaselineReplicaInserts(const fs::path& dir, int n) {
  auto db = Database::Open((dir / "baseline-node.db").string(), Database::Mode::kReadWriteCreate);
  Check(db.status(), "open baseline db");
  Check(cen::node::NodeSchema::Create(*db, "baseline"), "schema");
  Check(db->Exec("PRAGMA synchronous=NORMAL"), "pragma");
  cen::bench::RealisticRecords gen(kSeed - 1);
  std::vector<std::string> docs;
  std::vector<std::string> uuids;
  for (int i = 0; i < n; ++i) {
    uuids.push_back(cen::common::Uuid7::Generate());
    docs.push_back(gen.Submitted("B-", i).dump());
  }
  auto ver = db->Prepare("INSERT INTO documents(gseq, doc) VALUES (?, ?)");
  auto rec = db->Prepare(
      "INSERT INTO records(uuid, version, gseq, kind, origin, ref, scope, handling, received_at, "
      "event_date, commodity, reporting_country, quantity, unit) VALUES (?, 1, ?, 'seizure', "
      "'B', ?, 'global', 'H0', '2026-11-28T00:00:00Z', '2026-03-14', 'drugs', 'FR', 1.0, 'KGM')");
  const auto t0 = SteadyClock::now();
  for (int i = 0; i < n; i += 1000) {
    auto tx = db->Begin();
    Check(tx.status(), "begin");
    for (int j = i; j < std::min(n, i + 1000); ++j) {
      Check(ver->Bind(1, j + 1).Bind(2, docs[j]).Run(), "insert");
      Check(rec->Bind(1, uuids[j]).Bind(2, j + 1).Bind(3, "B-" + std::to_string(j)).Run(),
            "insert");
    }
    Check(tx->Commit(), "commit");
  }
  return n / Seconds(t0, SteadyClock::now());
}

double BaselineJournalInserts(const fs::path& dir, int n) {
  auto db = Database::Open((dir / "baseline-hub.db").string(), Database::Mode::kReadWriteCreate);
  Check(db.status(), "open baseline hub db");
  Check(cen::hub::HubSchema::Create(*db), "schema");
  Check(db->Exec("PRAGMA synchronous=FULL"), "pragma");
  cen::bench::RealisticRecords gen(kSeed - 1);
  std::vector<std::string> bodies;
  std::vector<std::string> uuids;
  for (int i = 0; i < n; ++i) {
    bodies.push_back(cen::common::MsgpackJson::Encode(gen.Submitted("B-", i)));
    uuids.push_back(cen::common::Uuid7::Generate());
  }
  auto ins = db->Prepare(
      "INSERT INTO journal(gseq, uuid, version, origin, kind, ref, scope, received_at, body, "
      "chain) VALUES (?, ?, 1, 'B', 'seizure', ?, 'global', '2026-11-28T00:00:00Z', ?, "
      "zeroblob(32))");
  const auto t0 = SteadyClock::now();
  for (int i = 0; i < n; i += 1000) {
    auto tx = db->Begin();
    Check(tx.status(), "begin");
    for (int j = i; j < std::min(n, i + 1000); ++j) {
      Check(ins->Bind(1, j + 1)
                .Bind(2, uuids[j])
                .Bind(3, "B-" + std::to_string(j))
                .BindBlob(4, bodies[j])
                .Run(),
            "insert");
    }
    Check(tx->Commit(), "commit");
  }
  return n / Seconds(t0, SteadyClock::now());
}

int64_t CountIn(const fs::path& node_dir, const char* sql, const char* file = "node.db") {
  auto db = Database::Open((node_dir / file).string(), Database::Mode::kReadOnly);
  if (!db.ok()) return -1;
  auto n = db->QueryInt(sql);
  return n.ok() ? n->value_or(0) : -1;
}

// How far one node has come, read every 20 ms while the pipeline runs. The
// connections stay open and each poll reads one row where it can: the JetStream
// peer's consumers note their own end in-process, so the clock on cenhub must
// not pay for counting (two count(*) per node over a growing replica and
// its outbox, each database reopened every poll, took ~7 % of this 2-core
// machine). Each answer is still what a reader of the files sees; a count(*)
// confirms the end.
class NodeProbe {
 public:
  explicit NodeProbe(const fs::path& node_dir) : dir_(node_dir) {}

  // Whether every record this node queued has been acknowledged (outbox empty).
  bool OutboxEmpty() { return Int("node.db", "SELECT NOT EXISTS (SELECT 1 FROM outbox)") == 1; }

  // Whether the replica holds `total` records: the cursor (one row) must have
  // passed them before the rows are counted.
  bool ReplicaHolds(int64_t total) {
    if (Int("node.db", "SELECT gseq FROM cursor") < total) return false;
    return Int("node.db", "SELECT count(*) FROM records") == total;
  }

  // Whether text.db's reach covers `total` records.
  bool TextReaches(int64_t total) { return Int("text.db", "SELECT gseq FROM text_state") >= total; }

  // Whether every record's record_countries and record_dates rows are written.
  bool CountriesWritten() {
    return Int("node.db", "SELECT NOT EXISTS (SELECT 1 FROM countries_pending)") == 1;
  }

 private:
  int64_t Int(const std::string& file, const char* sql) {
    std::optional<Database>& db = file == "node.db" ? node_ : text_;
    if (!db) {
      auto opened = Database::Open((dir_ / file).string(), Database::Mode::kReadOnly);
      if (!opened.ok()) return -1;
      db.emplace(std::move(*opened));
    }
    auto n = db->QueryInt(sql);
    return n.ok() ? n->value_or(0) : -1;
  }

  fs::path dir_;
  std::optional<Database> node_;
  std::optional<Database> text_;
};

// What each node publishes to the JetStream peer: the records it submitted to
// cenhub, each with a new uuid, msgpack-encoded as cenhub's outbox holds them.
std::vector<std::vector<cen::bench::PeerMessage>> PeerMessages(const std::vector<std::string>& ids,
                                                               int per_node) {
  std::vector<std::vector<cen::bench::PeerMessage>> out(ids.size());
  for (size_t k = 0; k < ids.size(); ++k) {
    cen::bench::RealisticRecords gen = NodeRecords(k);
    out[k].reserve(static_cast<size_t>(per_node));
    for (int j = 0; j < per_node; ++j) {
      json r = gen.Submitted(ids[k] + "-", j);
      std::string uuid = cen::common::Uuid7::Generate();
      r["uuid"] = uuid;
      out[k].push_back({std::move(uuid), cen::common::MsgpackJson::Encode(r)});
    }
  }
  return out;
}

// Prints one peer run; returns its end-to-end records/s.
double PrintPeer(const char* what, const cen::bench::PeerRun& run, int64_t total, size_t nodes) {
  const double rate = static_cast<double>(total) / run.complete_s;
  std::cout << "peer      " << what << ": all " << total << " publishes acked in " << run.acked_s
            << " s; every one of " << nodes << " consumers complete in " << run.complete_s
            << " s: " << static_cast<long>(rate) << " records/s end to end\n";
  std::cout << "cpu       nats-server " << run.server_cpu_s << " s, bench process "
            << run.process_cpu_s << " s (consumer threads " << run.consumer_cpu_s
            << " s, publisher threads " << run.publisher_cpu_s << " s, the rest nats.c I/O): "
            << static_cast<long>((run.server_cpu_s + run.process_cpu_s) * 1e6 /
                                 static_cast<double>(total))
            << " us of CPU per record\n";
  return rate;
}

// One run of cenhub's pipeline; the CPU figures are the daemons', the hub's first.
struct CenhubRun {
  size_t json_bytes = 0;  // of the records as submitted
  double fill_s = 0;      // filling the outboxes
  double acked_s = 0;
  double complete_s = 0;
  double text_s = 0;
  double indexed_s = 0;
  std::vector<double> cpu;              // once every index holds every record
  std::vector<double> cpu_at_complete;  // what the end-to-end rate paid for
};

// Runs the pipeline in `dir` (a fresh cluster: steps 2 and 3 above); nullopt,
// with the reason on stderr, when it failed.
std::optional<CenhubRun> RunCenhub(const fs::path& dir, const std::vector<std::string>& ids,
                                   int per_node, int rt_priority) {
  CenhubRun run;
  const cen::bench::BenchCluster cluster = cen::bench::BenchCluster::Init(dir, ids);
  const int total = per_node * static_cast<int>(ids.size());

  // Outbox fill, as `cen-node submit` does it.
  for (size_t k = 0; k < ids.size(); ++k) {
    const std::string& id = ids[k];
    auto db = cen::node::NodeSchema::Open((dir / id).string(), Database::Mode::kReadWrite);
    Check(db.status(), "open node db");
    Check(db->Exec("PRAGMA synchronous=FULL"), "pragma");
    cen::node::Outbox outbox(&*db);
    cen::bench::RealisticRecords gen = NodeRecords(k);
    for (int i = 0; i < per_node; i += 5000) {
      std::vector<json> batch;
      for (int j = i; j < std::min(per_node, i + 5000); ++j) {
        batch.push_back(gen.Submitted(id + "-", j));
        run.json_bytes += batch.back().dump().size();
      }
      const auto f0 = SteadyClock::now();
      auto q = outbox.Enqueue(std::move(batch));
      Check(q.status(), "enqueue");
      run.fill_s += Seconds(f0, SteadyClock::now());
    }
  }

  // The pipeline, as processes. The clock starts once the hub listens, as
  // the peer's starts once its server runs: agents started before the hub
  // binds its ports find them closed and libzmq tries again only after
  // 100-200 ms (reconnect_ivl plus its jitter), a wait no running system has.
  std::vector<cen::e2e::Process> procs;
  cen::bench::FlushDirtyPages();  // the fill (and earlier rounds), written out before the clock
  procs.emplace_back("hub", cen::bench::RunArgs(CEN_HUB_BIN, cluster.hub_dir, rt_priority), dir);
  auto hub_running = [&] { return procs.front().Running(); };
  if (!cen::bench::WaitUntilListening(cluster.ingest_port, std::chrono::seconds(30), hub_running) ||
      !cen::bench::WaitUntilListening(cluster.feed_port, std::chrono::seconds(30), hub_running)) {
    std::cerr << "bench: the hub "
              << (hub_running() ? "did not listen within 30 s"
                                : "exited (code " +
                                      std::to_string(procs.front().exit_code().value_or(-1)) + ")")
              << "; logs in " << dir << "\n";
    return std::nullopt;
  }
  const auto t0 = SteadyClock::now();
  // The hub's start-up is left out of its CPU, as the peer leaves out its
  // server's: the agents start with the clock.
  const double hub_cpu0 = cen::bench::CpuSeconds(procs.front().pid());
  // Each daemon's CPU so far, the hub's first (from when it listened).
  auto read_cpu = [&] {
    std::vector<double> cpu;
    for (auto& p : procs) cpu.push_back(cen::bench::CpuSeconds(p.pid()));
    cpu.front() -= hub_cpu0;
    return cpu;
  };
  for (const auto& id : ids)
    procs.emplace_back(id, cen::bench::RunArgs(CEN_NODE_BIN, (dir / id).string(), rt_priority),
                       dir);
  std::optional<double> acked_at;
  std::optional<double> complete_at;
  std::optional<double> text_at;     // and every text.db reaches every record
  std::optional<double> indexed_at;  // and every country index holds every record
  int64_t rejected = 0;
  std::vector<NodeProbe> probes;
  for (const auto& id : ids) probes.emplace_back(dir / id);
  while (Seconds(t0, SteadyClock::now()) < 600) {
    // Each moment is taken after the reads that saw it, never before.
    const bool acked = acked_at || std::all_of(probes.begin(), probes.end(),
                                               [](NodeProbe& p) { return p.OutboxEmpty(); });
    const bool complete =
        complete_at || std::all_of(probes.begin(), probes.end(),
                                   [&](NodeProbe& p) { return p.ReplicaHolds(total); });
    // Every record is found by --text from then on (what text.db has not
    // reached a query reads from documents); the agents' CPU is read once
    // their full-text indexers (and country batches) have caught up too, so
    // it holds all the work.
    const bool text = complete && std::all_of(probes.begin(), probes.end(),
                                              [&](NodeProbe& p) { return p.TextReaches(total); });
    // The same for the country and date index, written in batches once the
    // stream rests (queries check what it lacks on the records' columns).
    const bool indexed = text && std::all_of(probes.begin(), probes.end(),
                                             [](NodeProbe& p) { return p.CountriesWritten(); });
    const double t = Seconds(t0, SteadyClock::now());
    if (!acked_at && acked) {
      acked_at = t;
      // A record the hub refused never reaches a replica: say so now.
      for (const auto& id : ids)
        rejected += CountIn(dir / id, "SELECT count(*) FROM own_acks WHERE NOT accepted");
      if (rejected != 0) break;
    }
    if (!complete_at && complete) {
      complete_at = t;
      run.cpu_at_complete = read_cpu();
    }
    if (!text_at && text) text_at = t;
    if (!indexed_at && indexed) indexed_at = t;
    if (acked_at && complete_at && text_at && indexed_at) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  run.cpu = read_cpu();
  for (auto& p : procs) p.Signal(SIGTERM);
  for (auto& p : procs) (void)p.Wait(std::chrono::seconds(10));
  if (rejected != 0) {
    std::cerr << "bench: the hub refused " << rejected
              << " records (own_status.reason in each node.db); logs in " << dir << "\n";
    return std::nullopt;
  }
  if (!acked_at || !complete_at || !text_at || !indexed_at) {
    std::cerr << "bench: the pipeline did not finish within 600 s; logs in " << dir << "\n";
    return std::nullopt;
  }
  run.acked_s = *acked_at;
  run.complete_s = *complete_at;
  run.text_s = *text_at;
  run.indexed_s = *indexed_at;
  return run;
}

// Prints one run of cenhub's pipeline; returns its end-to-end records/s.
double PrintCenhub(const CenhubRun& run, int total, size_t nodes, double raw_replica,
                   double raw_journal) {
  std::cout << "records   " << total << " in all, " << run.json_bytes / static_cast<size_t>(total)
            << " B of JSON on average as submitted\n";
  std::cout << "submit    outbox enqueue (validated fields, msgpack, durable):                 "
            << static_cast<long>(total / run.fill_s) << " records/s\n";
  const double e2e_rate = total / run.complete_s;
  std::cout << "pipeline  all " << total << " records acked by the hub (fsync'd) in " << run.acked_s
            << " s: " << static_cast<long>(total / run.acked_s) << " records/s\n";
  std::cout << "pipeline  every replica complete (" << nodes << " x " << total << " rows) in "
            << run.complete_s << " s: " << static_cast<long>(e2e_rate) << " records/s end to end\n";
  std::cout << "pipeline  every full-text index (text.db) caught up as well in " << run.text_s
            << " s\n";
  std::cout << "pipeline  every country index (record_countries, record_dates) written as well in "
            << run.indexed_s << " s; the CPU below is read then\n";
  const auto agents_s = [](const std::vector<double>& of) {
    return std::accumulate(of.begin() + 1, of.end(), 0.0);
  };
  const auto us = [&](double seconds) { return static_cast<long>(seconds * 1e6 / total); };
  const std::vector<double>& cpu = run.cpu;
  const std::vector<double>& at = run.cpu_at_complete;
  std::cout << "cpu       hub " << cpu[0] << " s, " << nodes << " agents " << agents_s(cpu)
            << " s: " << us(cpu[0] + agents_s(cpu)) << " us of CPU per record (hub " << us(cpu[0])
            << ", agents " << us(agents_s(cpu)) << "); this machine has "
            << std::thread::hardware_concurrency() << " cores\n";
  std::cout << "cpu       of that, up to every replica complete: " << us(at[0] + agents_s(at))
            << " us per record (hub " << us(at[0]) << ", agents " << us(agents_s(at))
            << "): the work the end-to-end rate waits for\n";
  std::cout << "ratio     end-to-end / raw replica inserts = " << e2e_rate / raw_replica
            << "; end-to-end / raw journal inserts = " << e2e_rate / raw_journal << "\n";
  return e2e_rate;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  // The peers' consumers get the heap the daemons give themselves.
  cen::bench::UseDaemonHeap(argv);
  CLI::App app{
      "cenhub pipeline benchmark: 3 nodes -> hub -> 3 replicas, beside raw SQLite and "
      "NATS JetStream"};
  int records = 100000;
  int nodes = 3;
  int rounds = 1;
  bool keep = false;
  bool peers = true;
  app.add_option("--records", records, "Records in all (split across the nodes)")
      ->capture_default_str();
  app.add_option("--nodes", nodes, "Node agents")->capture_default_str();
  app.add_option("--rounds", rounds,
                 "Runs of cenhub and its peers, one after the other, each on fresh files; with "
                 "more than one, each round's figures, then the medians and the median of the "
                 "rounds' ratios (this machine's speed moves by 10 % within minutes)")
      ->check(CLI::Range(1, 20))
      ->capture_default_str();
  app.add_flag("--peers,!--no-peers", peers,
               "Also run the NATS JetStream peers on the same records (on by default; needs "
               "nats-server)")
      ->capture_default_str();
  app.add_flag("--keep", keep, "Keep the work directory (logs, databases) afterwards");
  int rt_priority = -1;
  app.add_option("--rt-priority", rt_priority,
                 "The daemons' --rt-priority (default: theirs, 1; 0: none)")
      ->check(CLI::Range(0, 99));
  CLI11_PARSE(app, argc, argv);
  cen::bench::FlushDirtyPages();  // what earlier benchmarks left unwritten

  char tmpl[] = "/tmp/cen-bench-XXXXXX";
  const fs::path dir = ::mkdtemp(tmpl);
  std::cout << "cenhub pipeline benchmark: " << records << " realistic records from " << nodes
            << " nodes, every replica gets every record; work dir " << dir << "\n";

  const double raw_replica = BaselineReplicaInserts(dir, records);
  const double raw_journal = BaselineJournalInserts(dir, records);
  std::cout << "baseline  raw SQLite, replica schema (records + documents), 1000/tx, NORMAL:       "
            << static_cast<long>(raw_replica) << " rows/s\n";
  std::cout << "baseline  raw SQLite, hub journal schema, 1000/tx, synchronous=FULL:            "
            << static_cast<long>(raw_journal) << " rows/s\n";

  std::vector<std::string> ids;
  for (int i = 0; i < nodes; ++i) ids.push_back("N" + std::to_string(i + 1));
  const int per_node = records / nodes;
  const int total = per_node * nodes;
  const std::optional<std::string> server =
      peers ? cen::bench::JetStreamPeer::FindServer() : std::nullopt;
  // Prepared before any clock, as cenhub's outboxes are filled before its clock.
  const auto messages =
      server ? PeerMessages(ids, per_node) : std::vector<std::vector<cen::bench::PeerMessage>>();

  std::vector<double> cenhub_rates;
  std::vector<double> schema4_rates;
  std::vector<double> plain_rates;
  std::vector<double> schema4_ratios;
  std::vector<double> plain_ratios;
  for (int round = 1; round <= rounds; ++round) {
    const fs::path round_dir = rounds == 1 ? dir : dir / ("round-" + std::to_string(round));
    fs::create_directories(round_dir);
    if (rounds > 1) std::cout << "round     " << round << " of " << rounds << "\n";
    const std::optional<CenhubRun> run = RunCenhub(round_dir, ids, per_node, rt_priority);
    if (!run) return 1;
    const double e2e_rate = PrintCenhub(*run, total, ids.size(), raw_replica, raw_journal);
    cenhub_rates.push_back(e2e_rate);

    if (!peers) {
      std::cout << "peer      skipped (--no-peers)\n";
    } else if (!server) {
      std::cout << "peer      skipped: nats-server is not on PATH (scripts/setup installs it)\n";
    } else {
      cen::bench::JetStreamPeer peer(*server, round_dir);
      const double schema4_rate =
          PrintPeer("JetStream + SQLite consumers, schema-4 replica apply",
                    peer.Run(cen::bench::JetStreamPeer::Sink::kSchema4Replica, ids, messages),
                    total, ids.size());
      const double plain_rate = PrintPeer(
          "JetStream + SQLite consumers, plain (gseq, uuid, body) table",
          peer.Run(cen::bench::JetStreamPeer::Sink::kPlainTable, ids, messages), total, ids.size());
      std::cout << "ratio     cenhub end-to-end / JetStream + schema-4 consumers = "
                << e2e_rate / schema4_rate
                << "; cenhub end-to-end / JetStream + plain-table consumers = "
                << e2e_rate / plain_rate << "\n";
      std::cout << "note      JetStream file storage does not fsync each message by default "
                   "(nats-server 2.9 syncs every 2 min); the cenhub hub fsyncs each commit\n";
      schema4_rates.push_back(schema4_rate);
      plain_rates.push_back(plain_rate);
      schema4_ratios.push_back(e2e_rate / schema4_rate);
      plain_ratios.push_back(e2e_rate / plain_rate);
    }
    // A round's files go once it is measured (a 60,000-record round leaves
    // about 1 GB), unless asked to keep them.
    if (rounds > 1 && !keep) fs::remove_all(round_dir);
  }

  if (rounds > 1) {
    std::cout << "median    of " << rounds << " rounds: cenhub "
              << static_cast<long>(Median(cenhub_rates)) << " records/s end to end";
    if (!schema4_rates.empty()) {
      std::cout << "; JetStream + schema-4 consumers " << static_cast<long>(Median(schema4_rates))
                << "/s, + plain table " << static_cast<long>(Median(plain_rates))
                << "/s; the rounds' ratios, median: " << Median(schema4_ratios)
                << " (schema-4) and " << Median(plain_ratios) << " (plain table)";
    }
    std::cout << "\n";
  }

  if (keep) {
    std::cout << "work directory kept: " << dir << "\n";
  } else {
    fs::remove_all(dir);
  }
  return 0;
}
