// Replica write benchmark: what applying one delivered record costs a node,
// beside a plain (gseq, uuid, body) table written with the same records, in
// the same transactions, in the same run.
//
//   cen_replica_bench --records 200000 --batch 4096
//
// Both sides start from the msgpack bytes the hub sends (the replica side
// decodes them, as the agent does) and open their file as the agent does
// (WAL, synchronous=NORMAL, 64 MiB cache). Printed per side: records/s, CPU
// microseconds per record, bytes handed to write(2) per record (WAL and
// checkpoints) and the file size per record.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/msgpack_json.h"
#include "common/msgpack_map.h"
#include "common/sqlite_db.h"
#include "common/wire_frame.h"
#include "node/agent/replica.h"
#include "node/agent/text_indexer.h"
#include "node/store/node_schema.h"
#include "tests/bench/bench_support.h"
#include "tests/bench/realistic_records.h"

namespace {

namespace fs = std::filesystem;
using cen::common::Database;
using nlohmann::json;
using SteadyClock = cen::bench::SteadyClock;
constexpr auto Check = cen::bench::CheckOk;

// Bytes this process has passed to write(2) so far.
int64_t BytesWritten() {
  std::ifstream io("/proc/self/io");
  std::string key;
  int64_t value = 0;
  while (io >> key >> value)
    if (key == "wchar:") return value;
  return 0;
}

struct Figures {
  double rate;
  double cpu_us;
  double written;
  double file;
};

int64_t FileBytes(const fs::path& db) {
  int64_t n = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    const auto size = fs::file_size(db.string() + suffix, ec);
    if (!ec) n += static_cast<int64_t>(size);
  }
  return n;
}

template <typename ApplyBatch>
Figures Run(const fs::path& db_path, size_t n, size_t batch, ApplyBatch&& apply) {
  const double cpu0 = cen::bench::SelfCpuSeconds();
  const int64_t w0 = BytesWritten();
  const auto t0 = SteadyClock::now();
  for (size_t i = 0; i < n; i += batch) {
    apply(i, std::min(n, i + batch));
    if ((i / batch) % 16 == 0) std::cerr << "\r  " << i << " / " << n << std::flush;
  }
  const double s = cen::bench::SecondsBetween(t0, SteadyClock::now());
  std::cerr << "\r                              \r";
  const auto dn = static_cast<double>(n);
  return {dn / s, (cen::bench::SelfCpuSeconds() - cpu0) * 1e6 / dn,
          static_cast<double>(BytesWritten() - w0) / dn,
          static_cast<double>(FileBytes(db_path)) / dn};
}

void Print(const char* what, const Figures& f) {
  std::printf(
      "%-44s %8.0f records/s  %6.1f us CPU/record  %7.0f B written/record  %6.0f B file/record\n",
      what, f.rate, f.cpu_us, f.written, f.file);
}

// CPU µs per record to decode `frames` with `decode` (each frame three times).
template <typename Decode>
double DecodeCpu(const std::vector<std::string>& frames, size_t records, Decode&& decode) {
  const double cpu0 = cen::bench::SelfCpuSeconds();
  for (int round = 0; round < 3; ++round)
    for (const std::string& frame : frames) decode(frame);
  return (cen::bench::SelfCpuSeconds() - cpu0) * 1e6 / static_cast<double>(3 * records);
}

// How the agent reads a feed frame: the same records in frames of 5,000, as
// a FETCH answer brings them, decoded by MsgpackMap::DecodeOwned (strings
// left in the frame's bytes, its checks included), beside
// MsgpackMap::Decode (strings copied into msgpack-c's zone) and a plain
// copy of the frame's bytes (DecodeOwned here copies the frame in first; the
// agent moves its message in). Here, frames freed at once, the two decodes
// cost about the same; in the agent, whose frames live until applied, the
// zone's copies and the page faults of their fresh memory were 5 % of its
// samples in a catch-up (DecodeOwned: 4 %).
void MeasureDecode(const std::vector<std::string>& bodies) {
  std::vector<std::string> frames;
  for (size_t i = 0; i < bodies.size(); i += 5000) {
    const size_t end = std::min(bodies.size(), i + 5000);
    frames.push_back(cen::common::WireFrame::EncodeRecords(
        "BATCH", std::vector<std::string>(bodies.begin() + static_cast<std::ptrdiff_t>(i),
                                          bodies.begin() + static_cast<std::ptrdiff_t>(end))));
  }
  size_t sink = 0;
  const double copy_us = DecodeCpu(frames, bodies.size(), [&](const std::string& f) {
    std::string copy(f);
    sink += copy.size();
  });
  const double decode_us = DecodeCpu(frames, bodies.size(), [&](const std::string& f) {
    auto map = cen::common::MsgpackMap::Decode(f);
    Check(map.status(), "decode");
    sink += map->Maps("records").size();
  });
  const double owned_us = DecodeCpu(frames, bodies.size(), [&](const std::string& f) {
    auto map = cen::common::MsgpackMap::DecodeOwned(f);
    Check(map.status(), "decode");
    sink += map->Maps("records").size();
  });
  std::printf(
      "decode    a frame of 5,000 records (MsgpackMap::DecodeOwned, as the agent reads it): "
      "%.2f us CPU per record; MsgpackMap::Decode %.2f us; baseline, a copy of the frame's "
      "bytes: %.2f us (%zu)\n",
      owned_us, decode_us, copy_us, sink % 10);
}

}  // namespace

int main(int argc, char** argv) {
  cen::bench::UseDaemonHeap(argv);
  CLI::App app{"cenhub replica write benchmark: Replica::Apply beside a plain table"};
  size_t records = 200000;
  size_t batch = 4096;
  int64_t country_batch = cen::node::Replica::kCountryBatchRecords;
  bool keep = false;
  app.add_option("--records", records, "Records to apply")->capture_default_str();
  app.add_option("--country-batch", country_batch,
                 "Records per record_countries batch (Replica::kCountryBatchRecords); the "
                 "country index's own cost is printed apart")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--batch", batch, "Records per transaction (the agent applies up to 4096)")
      ->capture_default_str();
  app.add_flag("--keep", keep, "Keep the work directory afterwards");
  CLI11_PARSE(app, argc, argv);
  cen::bench::FlushDirtyPages();  // what earlier benchmarks left unwritten
  if (batch == 0) batch = 1;

  char tmpl[] = "/tmp/cen-replica-bench-XXXXXX";
  const fs::path dir = ::mkdtemp(tmpl);
  cen::bench::RealisticRecords gen(20261130);
  std::vector<std::string> bodies;
  std::vector<std::string> uuids;
  size_t json_bytes = 0;
  for (size_t i = 0; i < records; ++i) {
    const json r = gen.Delivered(static_cast<int64_t>(i + 1));
    json_bytes += r.dump().size();
    uuids.push_back(r["uuid"].get<std::string>());
    bodies.push_back(cen::common::MsgpackJson::Encode(r));
  }
  std::printf(
      "cenhub replica benchmark: %zu realistic records (%.0f B of JSON on average), %zu per "
      "transaction; work dir %s\n",
      records, static_cast<double>(json_bytes) / static_cast<double>(records), batch, dir.c_str());

  MeasureDecode(bodies);

  // Baseline: the same bytes into a plain table.
  const fs::path plain_path = dir / "plain.db";
  auto plain = Database::Open(plain_path.string(), Database::Mode::kReadWriteCreate);
  Check(plain.status(), "open plain.db");
  Check(plain->Exec("PRAGMA synchronous=NORMAL; CREATE TABLE records(gseq INTEGER PRIMARY KEY, "
                    "uuid TEXT NOT NULL, body BLOB NOT NULL)"),
        "plain schema");
  auto ins = plain->Prepare("INSERT INTO records(gseq, uuid, body) VALUES (?, ?, ?)");
  Check(ins.status(), "prepare");
  const Figures base = Run(plain_path, records, batch, [&](size_t from, size_t to) {
    auto tx = plain->Begin();
    Check(tx.status(), "begin");
    for (size_t i = from; i < to; ++i)
      Check(
          ins->Bind(1, static_cast<int64_t>(i + 1)).Bind(2, uuids[i]).BindBlob(3, bodies[i]).Run(),
          "insert");
    Check(tx->Commit(), "commit");
  });

  const fs::path node_dir = dir / "node";
  fs::create_directories(node_dir);
  const fs::path node_path = cen::node::NodeSchema::DbPath(node_dir.string());
  {
    auto db = Database::Open(node_path.string(), Database::Mode::kReadWriteCreate);
    Check(db.status(), "create node.db");
    Check(cen::node::NodeSchema::Create(*db, "RILO-BENCH"), "schema");
  }
  auto db = cen::node::NodeSchema::Open(node_dir.string(), Database::Mode::kReadWrite);
  Check(db.status(), "open node.db");
  Check(db->Exec("PRAGMA synchronous=NORMAL"), "pragma");
  cen::node::Replica replica(&*db);
  replica.set_country_batch_records(country_batch);
  Check(replica.Load(), "load");
  auto text = cen::node::TextIndexer::Open(node_dir.string());
  Check(text.status(), "open text.db");
  double country_cpu = 0;
  int64_t country_written = 0;
  double text_cpu = 0;
  const Figures mine = Run(node_path, records, batch, [&](size_t from, size_t to) {
    std::vector<cen::common::MsgpackMap> docs;
    docs.reserve(to - from);
    for (size_t i = from; i < to; ++i) {
      auto doc = cen::common::MsgpackMap::Decode(bodies[i]);
      Check(doc.status(), "decode");
      docs.push_back(std::move(*doc));
    }
    Check(replica.Apply(docs, static_cast<int64_t>(to)), "apply");
    // The full text, which the agent indexes behind the apply on a thread of
    // its own: here on this one, counted in the figure.
    const double text0 = cen::bench::SelfCpuSeconds();
    Check((*text)->IndexAll(), "index text");
    text_cpu += cen::bench::SelfCpuSeconds() - text0;
    // What the agent does once a batch's worth of records wait, or when idle.
    if (replica.countries_pending_hint() >= country_batch || to == records) {
      const double cpu0 = cen::bench::SelfCpuSeconds();
      const int64_t w0 = BytesWritten();
      while (true) {
        auto more = replica.IndexCountries(SteadyClock::now() + std::chrono::milliseconds(25));
        Check(more.status(), "index countries");
        if (!*more) break;
      }
      country_cpu += cen::bench::SelfCpuSeconds() - cpu0;
      country_written += BytesWritten() - w0;
    }
  });

  Print("baseline  plain table (gseq, uuid, body)", base);
  Print("replica   Replica::Apply (decode + apply + full text + countries)", mine);
  std::printf("of which  the full-text index (text.db, TextIndexer): %.1f us CPU/record\n",
              text_cpu * 1e6 / static_cast<double>(records));
  std::printf(
      "of which  the country index (record_countries, record_dates) in batches of %lld "
      "records: %.1f us CPU/record, %.0f B written/record\n",
      static_cast<long long>(country_batch), country_cpu * 1e6 / static_cast<double>(records),
      static_cast<double>(country_written) / static_cast<double>(records));
  std::printf(
      "ratio     replica / plain table: %.2f of the rate, %.1fx the CPU, %.1fx the bytes "
      "written\n",
      mine.rate / base.rate, mine.cpu_us / base.cpu_us, mine.written / base.written);
  if (keep) {
    std::printf("work directory kept: %s\n", dir.c_str());
  } else {
    fs::remove_all(dir);
  }
  return 0;
}
