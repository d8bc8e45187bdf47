// Query benchmark: cen-query's answer times on a realistic replica of N
// records (default 1,000,000), beside the same SQL run bare on the same file
// in the same run, so the cost of cen-query around SQLite can be quoted.
//
//   cen_query_bench --records 1000000              # generate, then measure
//   cen_query_bench --data DIR --generate-only     # keep a replica to try cen-query on
//   cen_query_bench --data DIR --reuse             # measure an existing replica again
//
// The replica is made through Replica::Apply, the agent's own write path, from
// tests/bench/realistic_records.h: skewed commodities and countries, real HS
// subheadings, routes with transit countries, descriptions of varied length
// in English, French, Spanish, German, Portuguese, Russian and Chinese. Each query runs through
// QueryCommand::Run (open read-only, plan, format, audit entry) 20 times after
// 2 warm-up runs; p50 and p95 are printed, and again for the cen-query binary
// started as an analyst's shell starts it (a new process each time), beside a
// process that only prints its version.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "common/code_lists.h"
#include "common/sqlite_db.h"
#include "common/uuid7.h"
#include "node/agent/replica.h"
#include "node/agent/text_indexer.h"
#include "node/query/query_command.h"
#include "node/store/node_schema.h"
#include "tests/bench/bench_support.h"
#include "tests/bench/realistic_records.h"

namespace {

namespace fs = std::filesystem;
using cen::node::QueryOptions;
using cen::node::QueryVerb;
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

void Check(const cen::common::Status& s, const char* what) {
  if (!s.ok()) {
    std::cerr << "bench: " << what << ": " << s.message() << "\n";
    std::exit(1);
  }
}

void Generate(const std::string& dir, int64_t n) {
  for (const std::string& hs : cen::bench::RealisticRecords::HsCodes())
    if (!cen::common::CodeLists::IsHsSubheading(hs)) {
      std::cerr << "bench: " << hs << " is not an HS subheading\n";
      std::exit(1);
    }
  fs::create_directories(dir);
  auto db = cen::common::Database::Open(cen::node::NodeSchema::DbPath(dir),
                                        cen::common::Database::Mode::kReadWriteCreate);
  Check(db.status(), "create node.db");
  Check(cen::node::NodeSchema::Create(*db, "RILO-BENCH"), "schema");
  Check(db->Exec("PRAGMA synchronous=NORMAL"), "pragma");
  // The generator is not what is measured: a 2 GiB page cache keeps its
  // random index inserts off the disk so a million records take minutes.
  Check(db->Exec("PRAGMA cache_size=-2097152"), "pragma");
  cen::node::Replica replica(&*db);
  Check(replica.Load(), "load");
  cen::bench::RealisticRecords gen(20261128);
  const auto t0 = SteadyClock::now();
  std::vector<cen::common::MsgpackMap> batch;
  for (int64_t g = 1; g <= n; ++g) {
    auto packed = cen::common::MsgpackMap::FromJson(gen.Delivered(g));
    Check(packed.status(), "pack");
    batch.push_back(std::move(*packed));
    if (batch.size() == 20000 || g == n) {
      Check(replica.Apply(batch, g), "apply");
      batch.clear();
      while (replica.countries_pending_hint() >= cen::node::Replica::kCountryBatchRecords ||
             (g == n && replica.countries_pending_hint() > 0)) {
        auto more = replica.IndexCountries(SteadyClock::now() + std::chrono::seconds(1));
        Check(more.status(), "index countries");
        if (!*more) break;
      }
      if (g % 100000 == 0 || g == n)
        std::cerr << "\rgenerated " << g << " / " << n << " records" << std::flush;
    }
  }
  // The full-text index, as the agent's TextIndexer writes it behind the
  // apply.
  auto text = cen::node::TextIndexer::Open(dir);
  Check(text.status(), "open text.db");
  Check((*text)->IndexAll(), "index text");
  const double s = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  std::cerr << "\n";
  std::printf("generate: %lld records through Replica::Apply in %.1f s (%.0f records/s), %.0f MB\n",
              static_cast<long long>(n), s, static_cast<double>(n) / s,
              static_cast<double>(fs::file_size(cen::node::NodeSchema::DbPath(dir))) / 1e6);
}

struct Timing {
  double p50;
  double p95;
};

Timing Percentiles(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(q * static_cast<double>(ms.size())))];
  };
  return {at(0.5), at(0.95)};
}

template <typename F>
Timing Measure(F&& run, int repeats) {
  for (int i = 0; i < 2; ++i) run();
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = SteadyClock::now();
    run();
    ms.push_back(std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count());
  }
  return Percentiles(ms);
}

// The core statement of each query, bare: prepared once on an open
// connection, every row stepped, no document fetched, nothing formatted.
Timing MeasureRaw(cen::common::Database& db, const std::string& sql,
                  const cen::node::SqlCondition& where, int repeats) {
  auto stmt = db.Prepare(sql);
  Check(stmt.status(), "prepare raw");
  return Measure(
      [&] {
        where.BindTo(*stmt, 1);
        while (true) {
          auto row = stmt->Step();
          Check(row.status(), "raw step");
          if (!*row) break;
        }
        stmt->Reset();
      },
      repeats);
}

// The cen-query binary run once with `args`, as a shell starts it: a new
// process, its output to /dev/null; it must exit 0.
void RunBinary(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::string binary = CEN_QUERY_BIN;
  argv.push_back(binary.data());
  std::vector<std::string> copy = args;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  // As the in-process runs: English, tables 160 columns wide.
  std::vector<std::string> env_copy = {"COLUMNS=160", "LANG=C.UTF-8", "LC_ALL=C.UTF-8"};
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view var(*e);
    if (!var.starts_with("COLUMNS=") && !var.starts_with("LANG=") && !var.starts_with("LC_") &&
        !var.starts_with("LANGUAGE="))
      env_copy.emplace_back(var);
  }
  std::vector<char*> envp;
  for (std::string& e : env_copy) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  const int spawned =
      posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    std::fprintf(stderr, "cannot start %s: %s\n", binary.c_str(), std::strerror(spawned));
    std::exit(1);
  }
  int status = 0;
  pid_t waited = 0;
  do {
    waited = waitpid(pid, &status, 0);
  } while (waited < 0 && errno == EINTR);
  if (waited != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string line;
    for (const std::string& a : args) line += " " + a;
    std::fprintf(stderr, "cen-query%s failed (status %d)\n", line.c_str(), status);
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cen_query_bench: cen-query answer times on a generated replica"};
  int64_t records = 1000000;
  std::string dir;
  bool generate_only = false;
  bool reuse = false;
  int repeats = 20;
  app.add_option("--records", records, "Records to generate")->capture_default_str();
  app.add_option("--data", dir, "Node data directory to make (default: a temporary one)");
  app.add_flag("--generate-only", generate_only, "Make the replica and stop");
  app.add_flag("--reuse", reuse, "Measure the replica already in --data");
  app.add_option("--repeats", repeats, "Measured runs per query")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  cen::bench::FlushDirtyPages();  // what earlier benchmarks left unwritten
  const bool temporary = dir.empty();
  if (temporary) dir = (fs::temp_directory_path() / "cen-query-bench").string();
  if (!reuse) {
    fs::remove_all(dir);
    Generate(dir, records);
  } else {
    // As the agent does when it starts: a text.db of an earlier definition
    // (ideographs not split, before 2026-12-06) is built again, and the
    // index is brought up to the cursor; no query trusts an older one.
    auto text = cen::node::TextIndexer::Open(dir);
    Check(text.status(), "open text.db");
    Check((*text)->IndexAll(), "index text");
  }
  if (generate_only) return 0;

  auto query = [&](QueryVerb verb, const QueryOptions& o) {
    std::ostringstream out;
    std::ostringstream err;
    Check(cen::node::QueryCommand::Run(verb, o, out, err), "query");
    return out.str();
  };
  QueryOptions filter;
  filter.data_dir = dir;
  filter.format = "table";
  filter.width = 160;
  filter.filter.commodities = {"drugs"};
  filter.filter.countries = {"NL"};
  filter.filter.from = "2021-01-01";
  filter.filter.to = "2022-12-31";
  QueryOptions count = filter;
  count.count = true;
  QueryOptions text;
  text.data_dir = dir;
  text.format = "table";
  text.width = 160;
  text.filter.text = "\"reefer container\" pangolin";
  QueryOptions stats;
  stats.data_dir = dir;
  stats.format = "table";
  stats.by = {"commodity", "reporting_country"};
  stats.period = "year";

  auto raw_db = cen::common::Database::Open(cen::node::NodeSchema::DbPath(dir),
                                            cen::common::Database::Mode::kReadOnly);
  Check(raw_db.status(), "open raw");
  for (QueryOptions* o : {&filter, &count, &text, &stats}) Check(o->filter.Check(), "filter");

  struct Row {
    const char* name;
    const char* target;
    Timing cen;
    Timing raw;
    std::string matches;
    Timing binary;  // the same question to the cen-query binary, a process each run
  };
  // The binary's flags for a row's question, after --data DIR.
  const auto binary = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--data", dir});
    return Measure([&] { RunBinary(args); }, repeats);
  };
  std::vector<Row> rows;
  // A listing of 100 rows, beside its SQL alone.
  const auto listing = [&](const char* name, const QueryOptions& o,
                           const std::vector<std::string>& args) {
    const auto w = o.filter.Condition();
    QueryOptions c = o;
    c.count = true;
    rows.push_back({name, "p95 < 50 ms", Measure([&] { query(QueryVerb::kSearch, o); }, repeats),
                    MeasureRaw(*raw_db,
                               // The limit as cen-query gives it (a value SQLite does not
                               // see while planning): a literal 101 makes it walk the
                               // whole table in key order hoping to stop early.
                               "SELECT r.uuid, d.doc FROM records r JOIN documents d ON "
                               "d.gseq = r.gseq WHERE " +
                                   w.sql + " ORDER BY r.gseq LIMIT (SELECT 101)",
                               w, repeats),
                    query(QueryVerb::kSearch, c), binary(args)});
  };
  const std::vector<std::string> table = {"--format", "table"};
  const auto with = [](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  const std::vector<std::string> filter_flags = {"--commodity", "drugs", "--country", "NL",
                                                 "--from",      "2021",  "--to",      "2022"};
  listing("filter: --commodity drugs --country NL --from 2021 --to 2022 (table, 100 rows)", filter,
          with(filter_flags, table));
  // Without a country flag: commodity and dates come from record_dates.
  QueryOptions by_commodity = filter;
  by_commodity.filter.countries.clear();
  by_commodity.filter.commodities = {"cites"};
  Check(by_commodity.filter.Check(), "filter");
  listing("filter: --commodity cites --from 2021 --to 2022 (table, 100 rows)", by_commodity,
          with({"--commodity", "cites", "--from", "2021", "--to", "2022"}, table));
  QueryOptions by_month = by_commodity;
  by_month.filter.commodities.clear();
  by_month.filter.from = "2023-06";
  by_month.filter.to = "2023-06";
  Check(by_month.filter.Check(), "filter");
  listing("filter: --from 2023-06 --to 2023-06 (table, 100 rows)", by_month,
          with({"--from", "2023-06", "--to", "2023-06"}, table));
  {
    // The raw query's filter readies its --text on the raw connection, as
    // cen-query does on its own (text.db attached, nothing above its reach).
    cen::node::QueryFilter raw_text = text.filter;
    Check(raw_text.PrepareText(*raw_db), "prepare --text");
    const auto w = raw_text.Condition();
    rows.push_back({"text: --text '\"reefer container\" pangolin' (table, 100 rows)", "p95 < 50 ms",
                    Measure([&] { query(QueryVerb::kSearch, text); }, repeats),
                    MeasureRaw(*raw_db,
                               "SELECT r.uuid FROM records r WHERE " + w.sql +
                                   " ORDER BY r.gseq LIMIT (SELECT 101)",
                               w, repeats),
                    [&] {
                      QueryOptions c = text;
                      c.count = true;
                      return query(QueryVerb::kSearch, c);
                    }(),
                    binary(with({"--text", "\"reefer container\" pangolin"}, table))});
  }
  // --count of the listings' questions: with a country flag from
  // record_countries, without one from record_dates, never visiting records.
  const auto counting = [&](const char* name, QueryOptions o,
                            const std::vector<std::string>& args) {
    o.count = true;
    const auto w = o.filter.Condition();
    rows.push_back(
        {name, "p95 < 20 ms", Measure([&] { query(QueryVerb::kSearch, o); }, repeats),
         MeasureRaw(*raw_db, "SELECT count(*) FROM records r WHERE " + w.sql, w, repeats),
         query(QueryVerb::kSearch, o), binary(with(args, {"--count"}))});
  };
  counting("count: the first filter with --count", count, filter_flags);
  counting("count: --from 2023-06 --to 2023-06 --count", by_month,
           {"--from", "2023-06", "--to", "2023-06"});
  QueryOptions commodity_count = by_commodity;
  commodity_count.filter.from.clear();
  commodity_count.filter.to.clear();
  counting("count: --commodity cites --count", commodity_count, {"--commodity", "cites"});
  {
    const cen::node::SqlCondition none{"1", {}};
    rows.push_back({"stats --by commodity,reporting_country --period year", "p95 < 1 s",
                    Measure([&] { query(QueryVerb::kStats, stats); }, std::max(5, repeats / 4)),
                    MeasureRaw(*raw_db,
                               "SELECT r.commodity, r.reporting_country, substr(r.event_date, 1, "
                               "4), r.unit, count(*), total(r.quantity) FROM records r WHERE "
                               "r.kind = 'seizure' GROUP BY 1, 2, 3, 4",
                               none, std::max(5, repeats / 4)),
                    "", [&] {
                      std::vector<std::string> args = {
                          "--data",   dir,    "stats",    "--by", "commodity,reporting_country",
                          "--period", "year", "--format", "table"};
                      return Measure([&] { RunBinary(args); }, std::max(5, repeats / 4));
                    }()});
  }
  std::printf(
      "\ncen-query on %s (%lld records)\n", dir.c_str(),
      static_cast<long long>(raw_db->QueryInt("SELECT count(*) FROM records")->value_or(0)));
  std::printf("%-82s %9s %9s %9s %9s %9s %9s  %s\n", "query", "p50 ms", "p95 ms", "raw p50",
              "raw p95", "proc p50", "proc p95", "target / matches");
  for (const Row& r : rows) {
    std::string matches = r.matches;
    if (!matches.empty() && matches.back() == '\n') matches.pop_back();
    std::printf("%-82s %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f  %s%s%s\n", r.name, r.cen.p50, r.cen.p95,
                r.raw.p50, r.raw.p95, r.binary.p50, r.binary.p95, r.target,
                matches.empty() ? "" : ", matches ", matches.c_str());
  }
  const Timing started = Measure([&] { RunBinary({"--version"}); }, repeats);
  std::printf(
      "\ncen-query figures (p50, p95: the target's figure) include opening node.db read-only,\n"
      "the plan, formatting and the audit entry; raw is the core SQL (the page of ids, the\n"
      "count, the scan) stepped bare on an open connection; proc is the cen-query binary\n"
      "asked the same, a new process each time, as from a shell: a process that only prints\n"
      "its version (loading its libraries) takes p50 %.1f ms, p95 %.1f ms here.\n",
      started.p50, started.p95);
  if (temporary) fs::remove_all(dir);
  return 0;
}
