// Urgent-alert latency benchmark: from `cen-node submit` exiting at one office
// to the alert being visible in another office's replica (what cen-query
// reads), first on an idle network (the baseline, measured in the same run),
// then while a national export of --bulk rows, dropped at a third office,
// flows through the hub into every replica.
//
//   cen_alert_bench --bulk 1000000 --alerts 30
//
// Offices: BULK drops the export, ALERT submits urgent alerts, WATCH is where
// they are looked for. All three are real `cen-node run` agents beside a real
// `cen-hub run`, on loopback with CURVE. For each loaded sample the bench also
// prints how far WATCH's replica cursor was behind the alert when it became
// visible: the backlog the alert overtook.
//
// Last, --local-alerts more alerts reach WATCH while WATCH itself imports an
// export of --local-rows rows with `cen-node drop` (one file per alert, the
// alert submitted 0.3-1 s into it): a file is one transaction holding WATCH's
// node.db write lock, and the alert must not wait for its end.
#include <pthread.h>
#include <sched.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/record_validator.h"
#include "common/sqlite_db.h"
#include "tests/bench/bench_cluster.h"
#include "tests/bench/bench_support.h"
#include "tests/e2e/process.h"

namespace {

namespace fs = std::filesystem;
using cen::common::Database;
using SteadyClock = cen::bench::SteadyClock;
constexpr auto Seconds = cen::bench::SecondsBetween;

// A CSV export of `count` seizures, varied in country, date, language and
// length, their refs `ref_prefix`0, 1, ...
void WriteExport(const fs::path& path, int count, std::mt19937& rng,
                 const std::string& ref_prefix = "EXP-") {
  static const char* kCountries[] = {"FR", "RU", "ES", "NL", "EC", "NG", "TH", "BR", "DE", "KZ",
                                     "CN", "US", "MA", "TR", "IN", "CO", "PE", "ZA", "JP", "PL"};
  static const char* kCommodities[] = {"drugs", "tobacco", "cites", "currency", "ipr", "weapons"};
  static const char* kTexts[] = {
      "Cocaine in a reefer container of bananas from Guayaquil",
      "Гашиш в запасном колесе грузовика, выявлен при досмотре",
      "Cigarrillos ocultos en muebles desmontados declarados como madera",
      "Cannabis dans un double fond de valise, contrôle à l'aéroport",
      ("Heroin in the false bottom of a suitcase, checked after a profile hit at the airport, "
       "passenger travelling from Bangkok with a connection in Istanbul"),
      "Pangolin scales declared as fish maw in a consignment of frozen seafood",
      "偽造ブランド品の時計、宅配便の小包で発見"};
  std::ofstream out(path, std::ios::binary);
  out << "kind,ref,seizure_date,reporting_country,commodity,description,quantity,unit\n";
  for (int i = 0; i < count; ++i) {
    const int month = 1 + static_cast<int>(rng() % 12);
    const int day = 1 + static_cast<int>(rng() % 28);
    out << "seizure," << ref_prefix << i << "," << 2014 + static_cast<int>(rng() % 12) << "-"
        << (month < 10 ? "0" : "") << month << "-" << (day < 10 ? "0" : "") << day << ","
        << kCountries[rng() % 20] << "," << kCommodities[rng() % 6] << ",\"" << kTexts[rng() % 7]
        << ", lot " << i << "\"," << 1 + rng() % 5000 << ",KGM\n";
  }
}

int64_t QueryInt(const std::string& db_path, const std::string& sql) {
  auto db = Database::Open(db_path, Database::Mode::kReadOnly);
  if (!db.ok()) return -1;
  auto n = db->QueryInt(sql);
  return n.ok() ? n->value_or(0) : -1;
}

struct Sample {
  double latency_ms = 0;
  double from_start_ms = 0;  // submit started -> visible: the whole path, submit included
  double to_hub_ms = 0;      // submit exit -> the hub's received_at (wall clock, same machine)
  int64_t backlog = 0;       // gseqs between WATCH's cursor and the alert when it became visible
  double visible_wall_ms =
      0;  // when the poll saw it, wall clock (ms since the epoch, µs precision)
};

// While it lives, the calling thread runs at real-time priority (SCHED_FIFO),
// so the bench's own clock readings are not delayed by the load it measures:
// at normal priority, on this 2-core machine with four busy processes, the
// poll that looks for the alert woke a median 8.6 ms (up to 37 ms) after WATCH
// had committed it, and the wait for `submit` saw its exit late as well.
// Children forked meanwhile start at normal priority (SCHED_RESET_ON_FORK);
// the thread sleeps between polls, and the kernel caps real-time CPU anyway.
class RealtimeObserver {
 public:
  explicit RealtimeObserver(bool wanted) {
    if (!wanted) return;
    sched_param param{};
    param.sched_priority = 10;
    engaged_ =
        ::pthread_setschedparam(::pthread_self(), SCHED_FIFO | SCHED_RESET_ON_FORK, &param) == 0;
  }
  ~RealtimeObserver() {
    if (!engaged_) return;
    sched_param param{};
    // Keeping SCHED_RESET_ON_FORK: without privilege (RLIMIT_RTPRIO) the
    // flag cannot be cleared, and the whole call would fail.
    if (::pthread_setschedparam(::pthread_self(), SCHED_OTHER | SCHED_RESET_ON_FORK, &param) != 0)
      std::cerr << "bench: cannot leave real-time priority\n";
  }
  RealtimeObserver(const RealtimeObserver&) = delete;
  RealtimeObserver& operator=(const RealtimeObserver&) = delete;
  bool engaged() const { return engaged_; }

 private:
  bool engaged_ = false;
};

class AlertProbe {
 public:
  AlertProbe(const cen::bench::BenchCluster& cluster, fs::path scratch, bool realtime)
      : cluster_(cluster), scratch_(std::move(scratch)), realtime_(realtime) {}

  // Submits urgent alert `n` at ALERT and waits until WATCH's replica holds it.
  std::optional<Sample> Measure(int n) {
    const RealtimeObserver observer(realtime_);
    const std::string line =
        nlohmann::json{{"kind", "alert"},
                       {"ref", "BENCH-URGENT-" + std::to_string(n)},
                       {"title", "Reefer containers of bananas, alert " + std::to_string(n)},
                       {"body", "Inspect reefer containers from Guayaquil via Algeciras."},
                       {"priority", "urgent"}}
            .dump() +
        "\n";
    const auto started = SteadyClock::now();
    const auto r =
        cen::e2e::RunToCompletion({CEN_NODE_BIN, "submit", "--data", cluster_.node_dirs[1], "-"},
                                  line, std::chrono::seconds(60), scratch_);
    // The moment `submit` exited, as the wait for it saw it (not after its
    // output was read).
    const auto submitted = r.ended_at;
    const long long submitted_wall =
        cen::common::Clock::NowMillis() -
        std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - submitted)
            .count();
    if (!r.exit_code || *r.exit_code != 0) {
      std::cerr << "bench: submit failed: " << r.err << "\n";
      return std::nullopt;
    }
    std::string uuid = r.out.substr(0, r.out.find('\n'));
    auto db = Database::Open(cluster_.node_dirs[2] + "/node.db", Database::Mode::kReadOnly);
    if (!db.ok()) return std::nullopt;
    auto seen = db->Prepare("SELECT gseq, received_at FROM records WHERE uuid = ?");
    auto cursor = db->Prepare("SELECT gseq FROM cursor WHERE id = 1");
    if (!seen.ok() || !cursor.ok()) return std::nullopt;
    while (Seconds(submitted, SteadyClock::now()) < 600) {
      auto row = seen->Bind(1, uuid).Step();
      if (row.ok() && *row) {
        const auto visible = SteadyClock::now();
        const double visible_wall_ms = std::chrono::duration<double, std::milli>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count();
        const int64_t gseq = seen->ColumnInt(0);
        const int64_t journaled =
            cen::common::RecordValidator::TimestampMillis(seen->ColumnText(1)).value_or(-1);
        seen->Reset();
        auto c = cursor->Step();
        const int64_t at = c.ok() && *c ? cursor->ColumnInt(0) : 0;
        cursor->Reset();
        const Sample sample{Seconds(submitted, visible) * 1000, Seconds(started, visible) * 1000,
                            journaled < 0 ? 0.0 : static_cast<double>(journaled - submitted_wall),
                            std::max<int64_t>(0, gseq - at), visible_wall_ms};
        // One line per alert, for tests/bench/alert_trace.py.
        std::ofstream(scratch_.parent_path() / "samples.csv", std::ios::app)
            << n << "," << sample.latency_ms << "," << std::fixed << sample.visible_wall_ms << "\n";
        return sample;
      }
      seen->Reset();
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    std::cerr << "bench: alert " << uuid << " never reached WATCH\n";
    return std::nullopt;
  }

 private:
  const cen::bench::BenchCluster& cluster_;
  fs::path scratch_;
  bool realtime_;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double rank = p / 100.0 * static_cast<double>(v.size() - 1);
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(rank + 0.5));
  return v[i];
}

void Report(const char* label, const std::vector<Sample>& samples) {
  std::vector<double> ms, whole, hub, rest;
  for (const auto& s : samples) {
    ms.push_back(s.latency_ms);
    whole.push_back(s.from_start_ms);
    hub.push_back(s.to_hub_ms);
    rest.push_back(s.latency_ms - s.to_hub_ms);
  }
  std::cout << label << " n=" << samples.size() << "  p50 " << Percentile(ms, 50) << " ms  p90 "
            << Percentile(ms, 90) << " ms  p99 " << Percentile(ms, 99) << " ms  max "
            << Percentile(ms, 100) << " ms\n";
  // Where the time goes: until the hub stamps received_at (the origin's agent
  // sending, the hub's ingest up to its commit), then the commit, the feed and
  // WATCH's apply.
  std::cout << "          of which submit -> hub received_at p50 " << Percentile(hub, 50)
            << " ms  p90 " << Percentile(hub, 90) << " ms; received_at -> visible p50 "
            << Percentile(rest, 50) << " ms  p90 " << Percentile(rest, 90) << " ms\n";
  // The whole path, `submit` included: idle, most of it (the doorbell, the
  // send, the hub's commit, the feed) runs while `submit` is still exiting.
  std::cout << "          submit start -> visible (the whole path) p50 " << Percentile(whole, 50)
            << " ms  p90 " << Percentile(whole, 90) << " ms\n";
}

}  // namespace

int main(int argc, char** argv) {
  cen::bench::UseDaemonHeap(argv);
  CLI::App app{
      "cenhub urgent-alert latency: submit at one office -> visible in another's replica, idle "
      "and behind a national export flowing from a third office"};
  int bulk = 1000000;
  int alerts = 30;
  bool keep = false;
  app.add_option("--bulk", bulk, "Rows in the export dropped at BULK")->capture_default_str();
  app.add_option("--alerts", alerts, "Urgent alerts measured idle, and again under load")
      ->capture_default_str();
  app.add_flag("--keep", keep, "Keep the work directory (logs, databases) afterwards");
  int rt_priority = -1;
  app.add_option("--rt-priority", rt_priority,
                 "The daemons' --rt-priority (default: theirs, 1; 0: none, to measure the "
                 "urgent lane without the priority its watcher lends)")
      ->check(CLI::Range(0, 99));
  int local_rows = 200000;
  int local_alerts = 10;
  app.add_option("--local-rows", local_rows,
                 "Rows in each export WATCH imports itself while an alert reaches it (0: skip)")
      ->capture_default_str();
  app.add_option("--local-alerts", local_alerts,
                 "Alerts measured at WATCH during its own imports, one file each")
      ->capture_default_str();
  bool normal_observer = false;
  app.add_flag("--normal-observer", normal_observer,
               "Time submit's exit and poll for the alert at normal priority, where the load "
               "delays the bench's own wake-ups (default: real-time priority, if permitted)");
  CLI11_PARSE(app, argc, argv);
  cen::bench::FlushDirtyPages();  // what earlier benchmarks left unwritten

  std::mt19937 rng(7);
  char tmpl[] = "/tmp/cen-alert-bench-XXXXXX";
  const fs::path dir = ::mkdtemp(tmpl);
  std::cout << "cenhub urgent-alert benchmark: " << alerts << " alerts idle, then behind a " << bulk
            << "-row export; work dir " << dir << "\n";
  const cen::bench::BenchCluster cluster =
      cen::bench::BenchCluster::Init(dir, {"BULK", "ALERT", "WATCH"});
  const fs::path scratch = dir / "runs";
  fs::create_directories(scratch);

  if (rt_priority >= 0) std::cout << "daemons   --rt-priority " << rt_priority << "\n";
  std::vector<cen::e2e::Process> procs;
  procs.emplace_back("hub", cen::bench::RunArgs(CEN_HUB_BIN, cluster.hub_dir, rt_priority), dir);
  for (size_t i = 0; i < cluster.ids.size(); ++i)
    procs.emplace_back(cluster.ids[i],
                       cen::bench::RunArgs(CEN_NODE_BIN, cluster.node_dirs[i], rt_priority), dir);
  {
    const RealtimeObserver trial(!normal_observer);
    if (trial.engaged())
      std::cout << "observer  real-time priority (SCHED_FIFO) while it times an alert\n";
    else
      std::cout << "observer  normal priority"
                << (normal_observer ? "" : " (SCHED_FIFO refused: run as root for truer figures)")
                << ": the load delays its wake-ups, so loaded latencies read long\n";
  }
  AlertProbe probe(cluster, scratch, !normal_observer);
  int n = 0;

  // Idle: the baseline.
  std::vector<Sample> idle;
  (void)probe.Measure(n++);  // connects everything; not counted
  for (int i = 0; i < alerts; ++i) {
    if (auto s = probe.Measure(n++)) idle.push_back(*s);
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 100));
  }

  // The export: dropped at BULK (durable in its outbox), then it flows.
  const fs::path csv = dir / "export.csv";
  WriteExport(csv, bulk, rng);
  const auto d0 = SteadyClock::now();
  const auto drop = cen::e2e::RunToCompletion(
      {CEN_NODE_BIN, "drop", "--data", cluster.node_dirs[0], csv.string()}, "",
      std::chrono::seconds(1800), scratch);
  if (!drop.exit_code || *drop.exit_code != 0) {
    std::cerr << "bench: drop failed: " << drop.err << "\n";
    return 1;
  }
  const double drop_s = Seconds(d0, SteadyClock::now());
  const auto flow0 = SteadyClock::now();
  const std::string watch_db = cluster.node_dirs[2] + "/node.db";
  const int64_t target = bulk + n;  // every gseq WATCH must reach

  // Loaded: alerts while WATCH's replica still has a backlog to apply.
  std::vector<Sample> loaded;
  while (static_cast<int>(loaded.size()) < alerts) {
    const int64_t at = QueryInt(watch_db, "SELECT gseq FROM cursor");
    if (at >= target - 5000) break;  // the backlog is (almost) applied
    if (auto s = probe.Measure(n++)) loaded.push_back(*s);
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 600));
  }
  // The flow's own pace, for context.
  const int64_t final_target = bulk + n;
  while (QueryInt(watch_db, "SELECT gseq FROM cursor") < final_target &&
         Seconds(flow0, SteadyClock::now()) < 3600)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const double flow_s = Seconds(flow0, SteadyClock::now());

  // At WATCH during its own import: one file per alert, each drained through
  // the hub before the next so the samples see the same load.
  std::vector<Sample> local;
  int gave_way = 0;
  int overtook = 0;  // alerts visible while the file's import still ran
  double local_drop_s = 0;
  for (int i = 0; local_rows > 0 && i < local_alerts; ++i) {
    const fs::path file = dir / ("local-" + std::to_string(i) + ".csv");
    WriteExport(file, local_rows, rng, "LOCAL-" + std::to_string(i) + "-");
    const auto l0 = SteadyClock::now();
    cen::e2e::Process importing(
        "local-drop-" + std::to_string(i),
        {CEN_NODE_BIN, "drop", "--data", cluster.node_dirs[2], file.string()}, scratch);
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 700));
    const bool under_way = importing.Running();
    const auto s = probe.Measure(n++);
    const bool still_importing = importing.Running();
    const auto code = importing.Wait(std::chrono::seconds(1800));
    local_drop_s += Seconds(l0, SteadyClock::now());
    if (!code || *code != 0) {
      std::cerr << "bench: drop at WATCH failed: " << importing.StderrText() << "\n";
      return 1;
    }
    const std::string told = importing.StderrText();
    for (size_t at = told.find("gave way"); at != std::string::npos;
         at = told.find("gave way", at + 1))
      ++gave_way;
    if (s && under_way) {
      local.push_back(*s);
      if (still_importing) ++overtook;
    } else if (s) {
      std::cout << "note      WATCH's file " << i << " was imported before its alert was sent\n";
    }
    fs::remove(file);
    const auto drain0 = SteadyClock::now();
    while (QueryInt(watch_db, "SELECT count(*) FROM outbox") != 0 &&
           Seconds(drain0, SteadyClock::now()) < 600)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  for (auto& p : procs) p.Signal(SIGTERM);
  for (auto& p : procs) (void)p.Wait(std::chrono::seconds(10));

  std::cout << "export    cen-node drop of " << bulk << " rows in " << drop_s << " s ("
            << static_cast<long>(bulk / drop_s) << " rows/s); then WATCH applied it in " << flow_s
            << " s (" << static_cast<long>(bulk / flow_s) << " records/s end to end)\n";
  Report("idle      submit exit -> visible at WATCH:", idle);
  Report("loaded    submit exit -> visible at WATCH:", loaded);
  std::vector<double> backlog;
  for (const auto& s : loaded) backlog.push_back(static_cast<double>(s.backlog));
  std::cout << "loaded    backlog overtaken at WATCH (gseqs between its cursor and the alert): "
               "p50 "
            << static_cast<long>(Percentile(backlog, 50)) << ", min "
            << static_cast<long>(Percentile(backlog, 0)) << ", max "
            << static_cast<long>(Percentile(backlog, 100)) << "\n";
  std::vector<double> idle_ms, loaded_ms, idle_whole, loaded_whole;
  for (const auto& s : idle) {
    idle_ms.push_back(s.latency_ms);
    idle_whole.push_back(s.from_start_ms);
  }
  for (const auto& s : loaded) {
    loaded_ms.push_back(s.latency_ms);
    loaded_whole.push_back(s.from_start_ms);
  }
  const double ratio = Percentile(loaded_ms, 50) / std::max(0.001, Percentile(idle_ms, 50));
  std::cout << "ratio     loaded median / idle median = " << ratio
            << " (the target's measure, from submit exit); of the whole path from submit start: "
            << Percentile(loaded_whole, 50) / std::max(0.001, Percentile(idle_whole, 50)) << "\n";
  std::cout << "targets   idle p99 <= 25 ms: " << (Percentile(idle_ms, 99) <= 25 ? "met" : "MISSED")
            << "; loaded p99 <= 250 ms: "
            << (!loaded_ms.empty() && Percentile(loaded_ms, 99) <= 250 ? "met" : "MISSED")
            << "; loaded median <= 3x idle median: " << (ratio <= 3 ? "met" : "MISSED") << "\n";
  if (!local.empty()) {
    Report("own drop  submit exit -> visible at WATCH, importing a file itself:", local);
    std::vector<double> local_ms;
    for (const auto& s : local) local_ms.push_back(s.latency_ms);
    std::cout << "own drop  " << local.size() << " files of " << local_rows << " rows, "
              << static_cast<long>(static_cast<double>(local_rows) *
                                   static_cast<double>(local.size()) / local_drop_s)
              << " rows/s each import's whole time; alert visible before the file's commit: "
              << overtook << " of " << local.size() << "; the files gave way " << gave_way
              << " times; ratio p50 / idle p50 = "
              << Percentile(local_ms, 50) / std::max(0.001, Percentile(idle_ms, 50)) << "\n";
  }
  if (loaded.size() < static_cast<size_t>(alerts))
    std::cout << "note      only " << loaded.size()
              << " loaded samples: the backlog was applied before more could be taken\n";
  if (keep) {
    std::cout << "work directory kept: " << dir << "\n";
  } else {
    fs::remove_all(dir);
  }
  return 0;
}
