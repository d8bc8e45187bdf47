// Catch-up benchmark: how fast a FRESH node's agent replicates a journal of N
// records it has never seen (issue target: >= 30,000 records/s for a
// 1,000,000-record journal on a 2-core machine), beside Replica::Apply
// in-process and a plain SQLite table fed the same journal bytes, measured in
// the same run.
//
//   cen_catchup_bench --records 1000000          # --keep keeps the work dir
//
// 1. Setup (not the measured figure): a hub and two nodes, SRC and FRESH.
//    SRC's outbox gets N realistic records (tests/bench/realistic_records.h)
//    through Outbox::Enqueue, as `cen-node submit` does; the hub and SRC's
//    agent run until the hub has journaled all N (SRC's outbox empty, journal
//    head N). SRC's agent is then stopped (SIGTERM).
// 2. Catch-up: FRESH's agent (`cen-node run`) starts with an empty replica;
//    the clock runs from its start until its cursor (node.db `cursor.gseq`,
//    read read-only) reaches N. Printed: records/s, the agent's and the hub's
//    CPU microseconds per record over the catch-up (/proc/PID/stat), and the
//    time until the agent's country and full-text indexes have caught up as
//    well. (FRESH answers each alert with a receipt, which the hub journals beyond N
//    meanwhile: part of the hub's and agent's work, not of the count.)
// 3. Baselines, once every process is stopped, from the journal's own msgpack
//    bodies of gseq 1..N (hub.db, read-only: the bytes a FETCH answer
//    carries), in transactions of 4096 records: (a) Replica::Apply (decode +
//    apply, then the country index, as replica_bench, and the full-text
//    index after each transaction, on the same thread) into a fresh node.db,
//    (b) a plain (gseq INTEGER PRIMARY KEY, uuid TEXT, body BLOB) table. Only
//    the decode and the writes are timed, not the reads from hub.db.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "common/msgpack_json.h"
#include "common/msgpack_map.h"
#include "common/sqlite_db.h"
#include "node/agent/replica.h"
#include "node/agent/text_indexer.h"
#include "node/store/node_schema.h"
#include "node/store/outbox.h"
#include "node/store/text_db.h"
#include "tests/bench/bench_cluster.h"
#include "tests/bench/bench_support.h"
#include "tests/bench/realistic_records.h"
#include "tests/e2e/process.h"

namespace {

namespace fs = std::filesystem;
using cen::common::Database;
using nlohmann::json;
using SteadyClock = cen::bench::SteadyClock;
constexpr auto Seconds = cen::bench::SecondsBetween;
constexpr auto Check = cen::bench::CheckOk;

constexpr uint64_t kSeed = 20261201;
constexpr size_t kBatch = 4096;        // records per baseline transaction
constexpr double kTargetRate = 30000;  // records/s, the target
constexpr auto kPoll = std::chrono::milliseconds(50);
constexpr double kProgressEvery = 5;  // seconds between progress lines (stderr)

// One integer from a database opened read-only for the question (-1 when the
// file cannot be read yet, 0 for NULL).
int64_t QueryIn(const fs::path& db_path, const char* sql) {
  auto db = Database::Open(db_path.string(), Database::Mode::kReadOnly);
  if (!db.ok()) return -1;
  auto n = db->QueryInt(sql);
  return n.ok() ? n->value_or(0) : -1;
}

fs::path NodeDb(const std::string& dir) { return cen::node::NodeSchema::DbPath(dir); }
fs::path HubDb(const std::string& hub_dir) { return fs::path(hub_dir) / "hub.db"; }

// Rate and CPU of one baseline, over the timed sections only.
struct Figures {
  double rate = 0;
  double cpu_us = 0;  // per record
};

// One chunk of the journal as the hub delivers it.
struct Chunk {
  std::vector<int64_t> gseqs;
  std::vector<std::string> uuids;
  std::vector<std::string> bodies;
};

// Walks hub.db's journal up to gseq `upto` in chunks of kBatch (reads
// untimed) and times `apply(chunk)` on each.
template <typename ApplyChunk>
Figures OverJournal(const std::string& hub_dir, int64_t upto, const char* what,
                    ApplyChunk&& apply) {
  auto hub = Database::Open(HubDb(hub_dir).string(), Database::Mode::kReadOnly);
  Check(hub.status(), "open hub.db");
  auto read = hub->Prepare(
      "SELECT gseq, uuid, body FROM journal WHERE gseq > ? AND gseq <= ? ORDER BY gseq "
      "LIMIT ?");
  Check(read.status(), "prepare journal read");
  double wall = 0;
  double cpu = 0;
  int64_t done = 0;
  int64_t after = 0;
  auto last_print = SteadyClock::now();
  while (true) {
    Chunk chunk;
    read->Bind(1, after).Bind(2, upto).Bind(3, static_cast<int64_t>(kBatch));
    while (true) {
      auto row = read->Step();
      Check(row.status(), "journal read");
      if (!*row) break;
      chunk.gseqs.push_back(read->ColumnInt(0));
      chunk.uuids.push_back(read->ColumnText(1));
      chunk.bodies.push_back(read->ColumnBlob(2));
    }
    read->Reset();
    if (chunk.gseqs.empty()) break;
    after = chunk.gseqs.back();
    const double c0 = cen::bench::SelfCpuSeconds();
    const auto t0 = SteadyClock::now();
    apply(chunk);
    wall += Seconds(t0, SteadyClock::now());
    cpu += cen::bench::SelfCpuSeconds() - c0;
    done += static_cast<int64_t>(chunk.gseqs.size());
    if (Seconds(last_print, SteadyClock::now()) >= kProgressEvery) {
      last_print = SteadyClock::now();
      std::cerr << "  " << what << ": " << done << " records\n";
    }
  }
  if (done == 0) return {};
  const auto n = static_cast<double>(done);
  return {n / wall, cpu * 1e6 / n};
}

Figures BaselineReplica(const fs::path& dir, const std::string& hub_dir, int64_t upto) {
  const fs::path node_dir = dir / "baseline-replica";
  fs::create_directories(node_dir);
  {
    auto db = Database::Open(NodeDb(node_dir.string()).string(), Database::Mode::kReadWriteCreate);
    Check(db.status(), "create baseline node.db");
    Check(cen::node::NodeSchema::Create(*db, "BASELINE"), "schema");
  }
  auto db = cen::node::NodeSchema::Open(node_dir.string(), Database::Mode::kReadWrite);
  Check(db.status(), "open baseline node.db");
  Check(db->Exec("PRAGMA synchronous=NORMAL"), "pragma");
  cen::node::Replica replica(&*db);
  Check(replica.Load(), "load");
  auto text = cen::node::TextIndexer::Open(node_dir.string());
  Check(text.status(), "open text.db");
  auto index_countries = [&] {
    while (true) {
      auto more = replica.IndexCountries(SteadyClock::now() + std::chrono::milliseconds(100));
      Check(more.status(), "index countries");
      if (!*more) break;
    }
  };
  Figures f = OverJournal(hub_dir, upto, "baseline Replica::Apply", [&](const Chunk& c) {
    std::vector<cen::common::MsgpackMap> docs;
    docs.reserve(c.bodies.size());
    for (const auto& body : c.bodies) {
      auto doc = cen::common::MsgpackMap::Decode(body);
      Check(doc.status(), "decode");
      docs.push_back(std::move(*doc));
    }
    Check(replica.Apply(docs, c.gseqs.back()), "apply");
    // The full text, which the agent indexes on a thread of its own: here
    // on this one, so this figure is the whole work on one core.
    Check((*text)->IndexAll(), "index text");
    // What the agent does once a batch's worth of records wait for their country rows.
    if (replica.countries_pending_hint() >= cen::node::Replica::kCountryBatchRecords)
      index_countries();
  });
  // The rest of the country index, as the agent does once idle: timed too.
  const double c0 = cen::bench::SelfCpuSeconds();
  const auto t0 = SteadyClock::now();
  index_countries();
  const double tail = Seconds(t0, SteadyClock::now());
  const double tail_cpu = cen::bench::SelfCpuSeconds() - c0;
  const auto n = static_cast<double>(replica.cursor());
  if (f.rate > 0 && n > 0) {
    f.cpu_us += tail_cpu * 1e6 / n;
    f.rate = n / (n / f.rate + tail);
  }
  return f;
}

Figures BaselinePlain(const fs::path& dir, const std::string& hub_dir, int64_t upto) {
  auto db = Database::Open((dir / "baseline-plain.db").string(), Database::Mode::kReadWriteCreate);
  Check(db.status(), "open baseline-plain.db");
  Check(db->Exec("PRAGMA synchronous=NORMAL; CREATE TABLE records(gseq INTEGER PRIMARY KEY, "
                 "uuid TEXT NOT NULL, body BLOB NOT NULL)"),
        "plain schema");
  auto ins = db->Prepare("INSERT INTO records(gseq, uuid, body) VALUES (?, ?, ?)");
  Check(ins.status(), "prepare");
  return OverJournal(hub_dir, upto, "baseline plain table", [&](const Chunk& c) {
    auto tx = db->Begin();
    Check(tx.status(), "begin");
    for (size_t i = 0; i < c.gseqs.size(); ++i)
      Check(ins->Bind(1, c.gseqs[i]).Bind(2, c.uuids[i]).BindBlob(3, c.bodies[i]).Run(), "insert");
    Check(tx->Commit(), "commit");
  });
}

void StopAll(std::vector<cen::e2e::Process>& procs) {
  for (auto& p : procs) p.Signal(SIGTERM);
  for (auto& p : procs) (void)p.Wait(std::chrono::seconds(30));
}

[[noreturn]] void GiveUp(const std::string& why, std::vector<cen::e2e::Process>& procs,
                         const fs::path& dir) {
  std::cerr << "bench: " << why << "; logs and databases kept in " << dir << "\n";
  for (auto& p : procs) std::cerr << p.Tail(10) << "\n";
  StopAll(procs);
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  cen::bench::UseDaemonHeap(argv);
  CLI::App app{
      "cenhub catch-up benchmark: a fresh node replicates a journal of N records, beside "
      "Replica::Apply and raw SQLite"};
  int records = 1000000;
  double limit_s = 3600;
  bool keep = false;
  app.add_option("--records", records, "Records in the journal")->capture_default_str();
  app.add_option("--timeout", limit_s, "Give up on any one wait after this many seconds")
      ->capture_default_str();
  app.add_flag("--keep", keep, "Keep the work directory (logs, databases) afterwards");
  CLI11_PARSE(app, argc, argv);
  cen::bench::FlushDirtyPages();  // what earlier benchmarks left unwritten
  if (records <= 0) records = 1;

  // Line by line, so the progress lines on stderr interleave in order.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  char tmpl[] = "/tmp/cen-catchup-bench-XXXXXX";
  const fs::path dir = ::mkdtemp(tmpl);
  std::cout << "cenhub catch-up benchmark: a fresh node replicates " << records
            << " realistic records; " << std::thread::hardware_concurrency() << " cores; work dir "
            << dir << "\n";

  const cen::bench::BenchCluster cluster = cen::bench::BenchCluster::Init(dir, {"SRC", "FRESH"});
  const std::string& src_dir = cluster.node_dirs[0];
  const std::string& fresh_dir = cluster.node_dirs[1];

  // 1. Setup: SRC's outbox, as `cen-node submit` fills it.
  double fill_s = 0;
  size_t json_bytes = 0;
  {
    auto db = cen::node::NodeSchema::Open(src_dir, Database::Mode::kReadWrite);
    Check(db.status(), "open SRC node.db");
    Check(db->Exec("PRAGMA synchronous=FULL"), "pragma");
    cen::node::Outbox outbox(&*db);
    cen::bench::RealisticRecords gen(kSeed);
    auto last_print = SteadyClock::now();
    for (int i = 0; i < records; i += 5000) {
      std::vector<json> batch;
      for (int j = i; j < std::min(records, i + 5000); ++j) {
        batch.push_back(gen.Submitted("SRC-", j));
        json_bytes += batch.back().dump().size();
      }
      const auto f0 = SteadyClock::now();
      Check(outbox.Enqueue(std::move(batch)).status(), "enqueue");
      fill_s += Seconds(f0, SteadyClock::now());
      if (Seconds(last_print, SteadyClock::now()) >= kProgressEvery) {
        last_print = SteadyClock::now();
        std::cerr << "  setup: " << std::min(records, i + 5000)
                  << " records queued in SRC's outbox\n";
      }
    }
  }
  std::cout << "setup     " << records << " records queued in SRC's outbox in " << fill_s << " s ("
            << static_cast<long>(records / fill_s) << " records/s), "
            << json_bytes / static_cast<size_t>(records) << " B of JSON on average\n";

  // 1. Setup: the hub journals them all from SRC.
  std::vector<cen::e2e::Process> procs;
  procs.reserve(3);  // hub, SRC, FRESH: the references below stay valid
  procs.emplace_back("hub", std::vector<std::string>{CEN_HUB_BIN, "run", "--data", cluster.hub_dir},
                     dir);
  procs.emplace_back("SRC", std::vector<std::string>{CEN_NODE_BIN, "run", "--data", src_dir}, dir);
  cen::e2e::Process& hub = procs[0];
  const std::string hub_head_sql = "SELECT max(gseq) FROM journal";
  {
    const auto t0 = SteadyClock::now();
    auto last_print = t0;
    while (true) {
      const int64_t outbox = QueryIn(NodeDb(src_dir), "SELECT count(*) FROM outbox");
      const int64_t head = QueryIn(HubDb(cluster.hub_dir), hub_head_sql.c_str());
      if (outbox == 0 && head >= records) break;
      if (outbox == 0 && head >= 0) {
        const int64_t rejected =
            QueryIn(NodeDb(src_dir), "SELECT count(*) FROM own_acks WHERE NOT accepted");
        if (rejected > 0)
          GiveUp("the hub refused " + std::to_string(rejected) +
                     " records (own_status.reason in SRC's node.db)",
                 procs, dir);
      }
      if (!hub.Running() || !procs[1].Running()) GiveUp("a process ended during setup", procs, dir);
      const double t = Seconds(t0, SteadyClock::now());
      if (t > limit_s)
        GiveUp("the hub had not journaled every record after " + std::to_string(limit_s) + " s",
               procs, dir);
      if (Seconds(last_print, SteadyClock::now()) >= kProgressEvery) {
        last_print = SteadyClock::now();
        std::cerr << "  setup: hub head " << head << " / " << records << ", SRC outbox " << outbox
                  << " (" << static_cast<long>(t) << " s)\n";
      }
      std::this_thread::sleep_for(kPoll);
    }
    std::cout << "setup     hub journaled all " << records << " from SRC in "
              << Seconds(t0, SteadyClock::now()) << " s (outbox empty, journal head " << records
              << ")\n";
  }
  // Only the catch-up is left to do: SRC's agent goes.
  procs[1].Signal(SIGTERM);
  if (!procs[1].Wait(std::chrono::seconds(60)))
    GiveUp("SRC's agent did not stop within 60 s of SIGTERM", procs, dir);
  const int64_t head = QueryIn(HubDb(cluster.hub_dir), hub_head_sql.c_str());
  const int64_t journal_bytes =
      QueryIn(HubDb(cluster.hub_dir), "SELECT sum(length(body)) FROM journal");
  std::cout << "journal   head " << head << ", " << journal_bytes / std::max<int64_t>(head, 1)
            << " B of msgpack per record on average\n";

  // 2. The catch-up.
  cen::bench::FlushDirtyPages();  // the set-up's journal, written out before the clock
  const double hub_cpu0 = cen::bench::CpuSeconds(hub.pid());
  const auto t0 = SteadyClock::now();
  procs.emplace_back("FRESH", std::vector<std::string>{CEN_NODE_BIN, "run", "--data", fresh_dir},
                     dir);
  cen::e2e::Process& fresh = procs.back();
  std::optional<double> first_at;     // cursor > 0
  std::optional<double> complete_at;  // cursor == head
  std::optional<double> indexed_at;   // and no countries_pending, text.db at the head
  double fresh_cpu = 0;
  double hub_cpu = 0;
  double fresh_cpu_indexed = 0;
  double fresh_rss_mib = 0;
  {
    auto last_print = t0;
    int64_t last_cursor = 0;
    while (true) {
      const int64_t cursor = QueryIn(NodeDb(fresh_dir), "SELECT gseq FROM cursor");
      const double t = Seconds(t0, SteadyClock::now());
      if (!first_at && cursor > 0) first_at = t;
      if (!complete_at && cursor >= head) {
        // Read at once: the agent goes on with its country index.
        fresh_cpu = cen::bench::CpuSeconds(fresh.pid());
        hub_cpu = cen::bench::CpuSeconds(hub.pid()) - hub_cpu0;
        complete_at = t;
      }
      if (complete_at &&
          QueryIn(NodeDb(fresh_dir), "SELECT count(*) FROM countries_pending") == 0 &&
          QueryIn(cen::node::TextDb::Path(fresh_dir), "SELECT gseq FROM text_state") >= head) {
        fresh_cpu_indexed = cen::bench::CpuSeconds(fresh.pid());
        fresh_rss_mib = cen::bench::PeakRssMiB(fresh.pid());
        indexed_at = Seconds(t0, SteadyClock::now());
        break;
      }
      if (!hub.Running() || !fresh.Running())
        GiveUp("a process ended during the catch-up", procs, dir);
      if (t > limit_s)
        GiveUp("FRESH's cursor was at " + std::to_string(cursor) + " of " + std::to_string(head) +
                   " after " + std::to_string(limit_s) + " s",
               procs, dir);
      if (Seconds(last_print, SteadyClock::now()) >= kProgressEvery) {
        const double dt = Seconds(last_print, SteadyClock::now());
        last_print = SteadyClock::now();
        std::cerr << "  catch-up: cursor " << cursor << " / " << head << " ("
                  << static_cast<long>(t) << " s, "
                  << static_cast<long>(static_cast<double>(cursor - last_cursor) / dt)
                  << " records/s lately)\n";
        last_cursor = cursor;
      }
      std::this_thread::sleep_for(kPoll);
    }
  }
  StopAll(procs);
  // A node answers each alert it receives with a receipt: the hub journals
  // those during the catch-up too (beyond the head the clock waited for).
  const int64_t head_after = QueryIn(HubDb(cluster.hub_dir), hub_head_sql.c_str());
  const int64_t receipts =
      QueryIn(HubDb(cluster.hub_dir), "SELECT count(*) FROM journal WHERE origin='FRESH'");

  const auto n = static_cast<double>(head);
  const double catchup_rate = n / *complete_at;
  std::printf(
      "catch-up  FRESH's cursor reached %lld in %.2f s: %.0f records/s (first record "
      "applied after %.2f s; %.0f records/s from there)\n",
      static_cast<long long>(head), *complete_at, catchup_rate, first_at.value_or(0),
      n / (*complete_at - first_at.value_or(0)));
  std::printf(
      "catch-up  country and full-text indexes complete as well after %.2f s: %.0f records/s\n",
      *indexed_at, n / *indexed_at);
  std::printf(
      "cpu       agent %.2f s (%.1f us/record), hub %.2f s (%.1f us/record) until the "
      "cursor reached the head; agent %.2f s (%.1f us/record) with its indexes\n",
      fresh_cpu, fresh_cpu * 1e6 / n, hub_cpu, hub_cpu * 1e6 / n, fresh_cpu_indexed,
      fresh_cpu_indexed * 1e6 / n);
  std::printf("memory    agent peak RSS %.0f MiB over the catch-up and its indexes\n",
              fresh_rss_mib);

  std::printf(
      "journal   FRESH sent %lld receipts (one per alert) that the hub journaled "
      "meanwhile; head %lld once every process stopped\n",
      static_cast<long long>(receipts), static_cast<long long>(head_after));

  // 3. Baselines on the journal's own bytes, nothing else running.
  const Figures replica = BaselineReplica(dir, cluster.hub_dir, head);
  const Figures plain = BaselinePlain(dir, cluster.hub_dir, head);
  std::printf(
      "baseline  Replica::Apply in-process (decode + apply + country and full-text indexes, one "
      "thread), %zu/tx: "
      "%.0f records/s, %.1f us CPU/record\n",
      kBatch, replica.rate, replica.cpu_us);
  std::printf(
      "baseline  raw SQLite plain (gseq, uuid, body) table, %zu/tx, NORMAL:           "
      "%.0f records/s, %.1f us CPU/record\n",
      kBatch, plain.rate, plain.cpu_us);
  std::printf(
      "ratio     catch-up / Replica::Apply = %.2f; catch-up / plain table = %.3f; "
      "catch-up (incl. country index) / Replica::Apply = %.2f\n",
      catchup_rate / replica.rate, catchup_rate / plain.rate, (n / *indexed_at) / replica.rate);
  std::printf("target    fresh-node catch-up >= %.0f records/s: %s\n", kTargetRate,
              catchup_rate >= kTargetRate ? "met" : "MISSED");
  if (records < 1000000)
    std::printf("note      the target is stated for a 1,000,000-record journal; this run had %d\n",
                records);

  if (keep) {
    std::printf("work directory kept: %s\n", dir.c_str());
  } else {
    fs::remove_all(dir);
  }
  return 0;
}
