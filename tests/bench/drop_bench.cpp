// Data drop benchmark: rows/s of `cen-node drop` on a generated CSV file
// (validated, classified and durable in the outbox, synchronous=FULL), its
// peak memory at two file sizes (flat: the file is streamed), beside raw
// SQLite inserts of the same records into the same tables in the same run.
//
//   cen_drop_bench --rows 1000000 --small 100000 --realistic 1000000
//
// 1. Generates ROWS seizures as CSV (about 300 bytes a row) and the first
//    SMALL rows as a second file.
// 2. Baselines: one transaction of plain prepared INSERTs (a) into the outbox
//    alone, (b) of msgpack bodies into own_records + outbox, as a drop writes.
// 3. Runs the real `cen-node drop` binary on each file in a fresh node, then
//    again on the big file (every row unchanged), and --dry-run; each as a
//    child process, whose peak RSS (VmHWM) is read while it runs. Then the big file once
//    more into a node whose agent (`cen-node run`) runs, as at an office:
//    its checkpointer, not the drop, copies the log into node.db; beside it
//    the raw inserts with their log left to a checkpointer too.
// 4. REALISTIC records (tests/bench/realistic_records.h: seven languages,
//    varied lengths, ~5 % alerts) as NDJSON, dropped with no agent and beside
//    one, beside raw inserts of the very bodies those drops store (made
//    before the clock starts).
// 5. Acknowledges every version the big drop queued, as the agent does when
//    the hub's ACK frames come, beside the raw outbox DELETEs alone.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/curve_keys.h"
#include "common/instance_lock.h"
#include "common/msgpack_json.h"
#include "common/sqlite_db.h"
#include "common/uuid7.h"
#include "node/drops/drop_importer.h"
#include "node/node_commands.h"
#include "node/store/node_schema.h"
#include "node/store/outbox.h"
#include "node/store/outbox_record.h"
#include "tests/bench/bench_support.h"
#include "tests/bench/realistic_records.h"
#include "tests/e2e/process.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using cen::bench::CheckOk;
using cen::bench::SecondsBetween;
using cen::bench::SteadyClock;
using cen::common::Database;
using nlohmann::json;

constexpr const char* kHeader =
    "kind,ref,seizure_date,reporting_country,commodity,description,quantity,unit,location,"
    "location_type,direction,detection,transport_mode,departure,destination,source_eval,"
    "info_eval,lang";

// Row i of the generated drop, without its line end.
std::string MakeRow(int64_t i, std::mt19937& rng) {
  static const char* kCountries[] = {"FR", "DE", "NL", "ES", "BE", "IT", "PT", "PL", "GR", "SE"};
  static const char* kFrom[] = {"CO", "EC", "BR", "PE", "MX", "NG", "CN", "IN", "AF", "PK"};
  static const char* kCommodities[] = {"drugs", "tobacco", "cites", "currency", "ipr"};
  static const char* kTypes[] = {"seaport", "airport", "land_border", "postal"};
  const auto pick = [&](auto& list) { return list[rng() % (sizeof list / sizeof list[0])]; };
  std::ostringstream row;
  row << "seizure,BENCH-" << i << ",2026-0" << 1 + rng() % 9 << "-1" << rng() % 10 << ","
      << pick(kCountries) << "," << pick(kCommodities)
      << ",\"Concealed in a consignment declared as fruit, found by x-ray; lot " << i
      << " of the operation, packages wrapped in carbon paper\","
      << 1 + static_cast<double>(rng() % 50000) / 10.0 << ",KGM,Port of entry " << rng() % 100
      << "," << pick(kTypes) << ",import,x_ray,1," << pick(kFrom) << "," << pick(kCountries)
      << ",B,2,en";
  return row.str();
}

void GenerateCsv(const fs::path& path, int64_t rows) {
  std::mt19937 rng(42);
  std::ofstream out(path, std::ios::binary);
  out << kHeader << "\n";
  for (int64_t i = 0; i < rows; ++i) out << MakeRow(i, rng) << "\n";
}

// `rows` realistic records (tests/bench/realistic_records.h: seven languages,
// skewed countries and commodities, varied lengths; about 5 % alerts), one
// JSON object a line, as a national export in NDJSON.
void GenerateNdjson(const fs::path& path, int64_t rows) {
  cen::bench::RealisticRecords records(7);
  std::ofstream out(path, std::ios::binary);
  for (int64_t i = 0; i < rows; ++i) out << records.Submitted("DROP", i).dump() << "\n";
}

// One row of the raw baseline: what a drop stores for a record.
struct RawRow {
  std::string uuid;
  std::string kind;
  std::string ref;
  std::string body;
};

// The rows a drop of `ndjson` stores (uuid, kind, ref and the body sent to
// the hub), made before any clock starts.
std::vector<RawRow> RawRowsOf(const fs::path& ndjson) {
  std::vector<RawRow> rows;
  std::ifstream in(ndjson);
  for (std::string line; std::getline(in, line);) {
    const cen::node::OutboxRecord rec(json::parse(line));
    std::string uuid = cen::common::Uuid7::Generate();
    std::string body = rec.Body(uuid, 1);
    rows.push_back({std::move(uuid), rec.kind(), rec.ref(), std::move(body)});
  }
  return rows;
}

std::string InitNode(const fs::path& dir) {
  std::ostringstream key;
  auto hub_keys = cen::common::CurveKeys::Generate();
  CheckOk(hub_keys.status(), "keys");
  cen::node::NodeInitOptions o{dir.string(), "BENCH", "tcp://127.0.0.1:9", hub_keys->public_key(),
                               "EU"};
  CheckOk(cen::node::NodeCommands::Init(o, key), "node init");
  return dir.string();
}

// Raw SQLite: `rows` msgpack bodies into own_records and their keys into the
// outbox, as a drop stores them (or the outbox alone), with a drop's page
// cache, one transaction, synchronous=FULL; timed until the commit, which
// copies the log into the database (SQLite's automatic checkpoint) unless
// `leave_log` (as a drop leaves it to a running agent's checkpointer).
// `given`: those rows instead of one generated record under new keys.
double RawInserts(const fs::path& dir, int64_t rows, bool own_records, bool leave_log = false,
                  const std::vector<RawRow>* given = nullptr) {
  auto db = cen::node::NodeSchema::Open(InitNode(dir), Database::Mode::kReadWrite);
  CheckOk(db.status(), "open");
  CheckOk(db->Exec("PRAGMA synchronous=FULL"), "pragma");
  CheckOk(db->Exec(cen::node::DropImporter::kCachePragma), "pragma");
  if (leave_log) CheckOk(db->Exec("PRAGMA wal_autocheckpoint=0"), "pragma");
  // One record's JSON content and body, reused: SQLite's cost does not depend on the bytes.
  json rec = {
      {"kind", "seizure"},          {"ref", "BENCH-0"},      {"seizure_date", "2026-03-14"},
      {"reporting_country", "FR"},  {"commodity", "drugs"},  {"description", std::string(120, 'x')},
      {"quantity", 12.5},           {"unit", "KGM"},         {"location", "Port of entry 1"},
      {"location_type", "seaport"}, {"direction", "import"}, {"detection", "x_ray"},
      {"transport_mode", 1},        {"departure", "CO"},     {"destination", "FR"},
      {"source_eval", "B"},         {"info_eval", 2},        {"lang", "en"},
      {"scope", "global"},          {"handling", "H0"}};
  rec["uuid"] = cen::common::Uuid7::Generate();
  rec["version"] = 1;
  const std::string body = cen::common::MsgpackJson::Encode(rec);
  auto own = db->Prepare(
      "INSERT INTO own_records(uuid, version, kind, ref, body, queued_at) "
      "VALUES (?, 1, ?, ?, ?, '2026-11-28T00:00:00.000Z')");
  auto out = db->Prepare("INSERT INTO outbox(uuid, version) VALUES (?, 1)");
  CheckOk(own.status(), "prepare");
  CheckOk(out.status(), "prepare");
  if (given != nullptr) rows = static_cast<int64_t>(given->size());
  const auto t0 = SteadyClock::now();
  auto tx = db->Begin();
  CheckOk(tx.status(), "begin");
  for (int64_t i = 0; i < rows; ++i) {
    RawRow made;  // the generated record under new keys (its body is `body`)
    if (given == nullptr)
      made = {cen::common::Uuid7::Generate(), "seizure", "BENCH-" + std::to_string(i), ""};
    const RawRow& r = given != nullptr ? (*given)[static_cast<size_t>(i)] : made;
    if (own_records) {
      const std::string& row_body = given != nullptr ? r.body : body;
      CheckOk(own->Bind(1, r.uuid).Bind(2, r.kind).Bind(3, r.ref).BindBlob(4, row_body).Run(),
              "insert");
    }
    CheckOk(out->Bind(1, r.uuid).Run(), "insert");
  }
  CheckOk(tx->Commit(), "commit");
  return static_cast<double>(rows) / SecondsBetween(t0, SteadyClock::now());
}

// What acknowledging the queued versions of `node` costs, as the agent does
// it when the hub's ACK frames come (Outbox::Acknowledge: a frame of
// `frame` verdicts per transaction, synchronous=NORMAL); with `raw`, the
// same frames as plain DELETEs of the outbox rows alone (what any durable
// queue must write). Returns CPU microseconds per acknowledged version.
double AckCpuPerRecord(const fs::path& node, int frame, bool raw) {
  auto db = cen::node::NodeSchema::Open(node.string(), Database::Mode::kReadWrite);
  CheckOk(db.status(), "open");
  CheckOk(db->Exec("PRAGMA synchronous=NORMAL"), "pragma");
  std::vector<cen::node::Outbox::Ack> acks;
  {
    auto stmt = db->Prepare("SELECT uuid, version FROM outbox ORDER BY seq");
    CheckOk(stmt.status(), "prepare");
    for (auto row = stmt->Step(); row.ok() && *row; row = stmt->Step())
      acks.push_back({stmt->ColumnText(0), stmt->ColumnInt(1), true,
                      static_cast<int64_t>(acks.size()) + 1, ""});
  }
  cen::node::Outbox outbox(&*db);
  auto del = db->Prepare("DELETE FROM outbox WHERE uuid=? AND version=?");
  CheckOk(del.status(), "prepare");
  const double cpu0 = cen::bench::SelfCpuSeconds();
  for (size_t i = 0; i < acks.size(); i += static_cast<size_t>(frame)) {
    const std::vector<cen::node::Outbox::Ack> part(
        acks.begin() + static_cast<std::ptrdiff_t>(i),
        acks.begin() + static_cast<std::ptrdiff_t>(std::min(acks.size(), i + frame)));
    if (!raw) {
      CheckOk(outbox.Acknowledge(part), "acknowledge");
      continue;
    }
    auto tx = db->Begin();
    CheckOk(tx.status(), "begin");
    for (const auto& a : part) CheckOk(del->Bind(1, a.uuid).Bind(2, a.version).Run(), "delete");
    CheckOk(tx->Commit(), "commit");
  }
  return (cen::bench::SelfCpuSeconds() - cpu0) * 1e6 / static_cast<double>(acks.size());
}

struct ChildRun {
  int exit_code = -1;
  double seconds = 0;
  long max_rss_kb = 0;
  std::string out;
};

// The peak resident memory of process `pid` since its last exec (VmHWM in
// /proc/PID/status), in KiB; 0 once it is gone.
long PeakRssKb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmHWM:")) return std::atol(line.c_str() + 6);
  }
  return 0;
}

// Runs argv with stdout to `out_path`, reading its peak RSS every 5 ms until
// it exits. Not wait4()'s ru_maxrss: posix_spawn's child runs in this
// process's memory until its exec, and the kernel counts this process's
// peak as the child's (a 1M-record drop "peaked" at 823 MiB beside the raw
// baseline's freed gigabyte; /usr/bin/time measured 80 MiB).
ChildRun RunChild(const std::vector<std::string>& args, const fs::path& out_path) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  ChildRun run;
  const auto t0 = SteadyClock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
    std::cerr << "bench: cannot start " << args[0] << "\n";
    std::exit(1);
  }
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      std::cerr << "bench: lost " << args[0] << " (waitpid: " << std::strerror(errno) << ")\n";
      std::exit(1);
    }
    // A zombie has no VmHWM line: the last reading while it ran stays.
    run.max_rss_kb = std::max(run.max_rss_kb, PeakRssKb(pid));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  run.seconds = SecondsBetween(t0, SteadyClock::now());
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream in(out_path);
  std::getline(in, run.out);
  return run;
}

ChildRun Drop(const fs::path& node, const fs::path& csv, const fs::path& work,
              std::vector<std::string> extra = {}) {
  std::vector<std::string> args{CEN_NODE_BIN, "drop", "--data", node.string(), "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(csv.string());
  cen::bench::FlushDirtyPages();  // the previous run's gigabyte, written out before this one
  ChildRun run = RunChild(args, work / "drop.out");
  if (run.exit_code != 0) {
    std::cerr << "bench: cen-node drop exited " << run.exit_code << ": " << run.out << "\n";
    std::exit(1);
  }
  return run;
}

// A drop of `csv` into `node` while its agent runs (`cen-node run`; its hub
// is not there, which changes nothing for a drop). `copied` is set to the
// seconds from the drop's end until the agent's checkpointer has copied the
// log into node.db (node.db reaching `full_db_bytes`, 95 % of what a node
// holds after the same drop with no agent), or -1 after 120 s.
ChildRun DropBesideAgent(const fs::path& node, const fs::path& csv, const fs::path& work,
                         uintmax_t full_db_bytes, double& copied) {
  cen::e2e::Process agent("agent", {CEN_NODE_BIN, "run", "--data", node.string()}, work);
  const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
  while (!cen::common::InstanceLock::IsHeld(node.string(), cen::common::InstanceLock::kAgent)) {
    if (!agent.Running() || SteadyClock::now() > deadline) {
      std::cerr << "bench: the agent did not start\n" << agent.Tail(20);
      std::exit(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ChildRun run = Drop(node, csv, work);
  const auto ended = SteadyClock::now();
  copied = -1;
  const fs::path db = node / "node.db";
  while (SteadyClock::now() - ended < std::chrono::seconds(120)) {
    if (fs::file_size(db) >= full_db_bytes) {
      copied = SecondsBetween(ended, SteadyClock::now());
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  agent.Signal(SIGTERM);
  if (!agent.Wait(std::chrono::seconds(60))) agent.Kill();
  return run;
}

void Report(const std::string& what, int64_t rows, const ChildRun& run) {
  std::cout << what << static_cast<long>(static_cast<double>(rows) / run.seconds) << " rows/s ("
            << run.seconds << " s), peak RSS " << run.max_rss_kb / 1024 << " MiB; " << run.out
            << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  cen::bench::UseDaemonHeap(argv);
  CLI::App app{"cenhub data drop benchmark: cen-node drop on a generated CSV, beside raw SQLite"};
  int64_t rows = 1000000;
  int64_t small = 100000;
  bool keep = false;
  app.add_option("--rows", rows, "Rows in the big file")->capture_default_str();
  app.add_option("--small", small, "Rows in the small file (memory comparison)")
      ->capture_default_str();
  int64_t realistic = 1000000;
  app.add_option("--realistic", realistic,
                 "Realistic records (seven languages, ~675 B) in the NDJSON file; 0: none")
      ->capture_default_str();
  app.add_flag("--keep", keep, "Keep the work directory afterwards");
  CLI11_PARSE(app, argc, argv);
  cen::bench::FlushDirtyPages();  // what earlier benchmarks left unwritten
  if (small > rows) small = rows;

  char tmpl[] = "/tmp/cen-drop-bench-XXXXXX";
  const fs::path dir = ::mkdtemp(tmpl);
  const fs::path big_csv = dir / "big.csv";
  const fs::path small_csv = dir / "small.csv";
  GenerateCsv(big_csv, rows);
  GenerateCsv(small_csv, small);
  std::cout << "cenhub drop benchmark: " << rows << " rows (" << fs::file_size(big_csv) / 1048576
            << " MiB CSV) and " << small << " rows; work dir " << dir << "; "
            << std::thread::hardware_concurrency() << " cores\n";

  const double raw_outbox = RawInserts(dir / "raw-outbox", rows, false);
  std::cout << "baseline  raw SQLite, outbox INSERTs alone, 1 tx, synchronous=FULL:           "
            << static_cast<long>(raw_outbox) << " rows/s\n";
  const double raw_both = RawInserts(dir / "raw-both", rows, true);
  std::cout << "baseline  raw SQLite, own_records + outbox INSERTs, 1 tx, synchronous=FULL:   "
            << static_cast<long>(raw_both) << " rows/s\n";
  cen::bench::FlushDirtyPages();  // the gigabyte above, written out first
  const double raw_left = RawInserts(dir / "raw-left", rows, true, /*leave_log=*/true);
  std::cout << "baseline  raw SQLite, own_records + outbox INSERTs, 1 tx, synchronous=FULL, log "
            << "left to a checkpointer: " << static_cast<long>(raw_left) << " rows/s\n";

  const fs::path small_node = InitNode(dir / "node-small");
  Report("drop      " + std::to_string(small) + " rows, new:       ", small,
         Drop(small_node, small_csv, dir));
  const fs::path big_node = InitNode(dir / "node-big");
  Report("drop      --dry-run " + std::to_string(rows) + " rows:   ", rows,
         Drop(big_node, big_csv, dir, {"--dry-run"}));
  const ChildRun big = Drop(big_node, big_csv, dir);
  Report("drop      " + std::to_string(rows) + " rows, new:      ", rows, big);
  Report("drop      " + std::to_string(rows) + " rows again (unchanged): ", rows,
         Drop(big_node, big_csv, dir));
  std::cout << "ratio     drop / raw own_records+outbox inserts = "
            << static_cast<double>(rows) / big.seconds / raw_both << "\n";

  double copied = 0;
  const ChildRun beside =
      DropBesideAgent(InitNode(dir / "node-agent"), big_csv, dir,
                      fs::file_size(fs::path(big_node) / "node.db") * 95 / 100, copied);
  Report("drop      " + std::to_string(rows) + " rows, new, agent running: ", rows, beside);
  std::cout << "          the agent's checkpointer had copied the log into node.db "
            << (copied < 0 ? std::string("not within 120") : std::to_string(copied))
            << " s after the drop ended\n";
  std::cout << "ratio     drop beside the agent / raw inserts with the log left = "
            << static_cast<double>(rows) / beside.seconds / raw_left << "\n";

  if (realistic > 0) {
    // The same scenarios on realistic records: longer (the JSON ~675 B), in
    // seven languages, alerts among them, beside raw inserts of the very
    // bodies the drop stores.
    const fs::path ndjson = dir / "realistic.ndjson";
    GenerateNdjson(ndjson, realistic);
    std::cout << "realistic " << realistic << " records (" << fs::file_size(ndjson) / 1048576
              << " MiB NDJSON, seven languages)\n";
    double raw_real = 0;
    double raw_real_left = 0;
    {
      const std::vector<RawRow> bodies = RawRowsOf(ndjson);
      cen::bench::FlushDirtyPages();
      raw_real = RawInserts(dir / "raw-real", 0, true, false, &bodies);
      cen::bench::FlushDirtyPages();
      raw_real_left = RawInserts(dir / "raw-real-left", 0, true, /*leave_log=*/true, &bodies);
    }
    std::cout << "baseline  raw SQLite, the same bodies into own_records + outbox, 1 tx, "
              << "synchronous=FULL: " << static_cast<long>(raw_real)
              << " rows/s; log left to a checkpointer: " << static_cast<long>(raw_real_left)
              << " rows/s\n";
    const fs::path real_node = InitNode(dir / "node-real");
    const ChildRun real = Drop(real_node, ndjson, dir);
    Report("drop      " + std::to_string(realistic) + " realistic records, new: ", realistic, real);
    double real_copied = 0;
    const ChildRun real_beside =
        DropBesideAgent(InitNode(dir / "node-real-agent"), ndjson, dir,
                        fs::file_size(real_node / "node.db") * 95 / 100, real_copied);
    Report("drop      " + std::to_string(realistic) + " realistic records, new, agent running: ",
           realistic, real_beside);
    std::cout << "ratio     realistic drop / raw = "
              << static_cast<double>(realistic) / real.seconds / raw_real
              << "; beside the agent / raw with the log left = "
              << static_cast<double>(realistic) / real_beside.seconds / raw_real_left << "\n";
  }

  // The hub's verdicts on what the big drop queued, 32 to a frame.
  constexpr int kAckFrame = 32;
  const double raw_ack = AckCpuPerRecord(dir / "raw-both", kAckFrame, /*raw=*/true);
  const double ack = AckCpuPerRecord(big_node, kAckFrame, /*raw=*/false);
  std::cout << "ack       Outbox::Acknowledge of " << rows << " versions, " << kAckFrame
            << " to a frame: " << ack << " us CPU per version; raw SQLite, the outbox DELETEs "
            << "alone: " << raw_ack << " us (ratio " << ack / raw_ack << ")\n";
  if (keep) {
    std::cout << "work directory kept: " << dir << "\n";
  } else {
    fs::remove_all(dir);
  }
  return 0;
}
