#include "tests/bench/jetstream_peer.h"

#include <nats/nats.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <ctime>
#include <future>
#include <iostream>
#include <latch>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "common/msgpack_json.h"
#include "common/sqlite_db.h"
#include "tests/bench/bench_cluster.h"
#include "tests/bench/bench_support.h"
#include "tests/bench/schema4_replica.h"

namespace cen::bench {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kStream = "CEN";
constexpr const char* kSubjects = "cen.records.*";
constexpr const char* kUuidHeader = "Cen-Uuid";
constexpr int kFetchBatch = 4096;
constexpr int64_t kFetchWaitMs = 1000;
constexpr auto kRunLimit = std::chrono::seconds(600);

[[noreturn]] void Die(const std::string& what) {
  std::cerr << "bench: jetstream peer: " << what << "\n";
  std::exit(1);
}

// The status text and, when the library left one on this thread, its detail.
std::string NatsError(natsStatus s) {
  std::string text = natsStatus_GetText(s);
  const char* detail = nats_GetLastError(nullptr);
  if (detail != nullptr && *detail != '\0' && text != detail) text += std::string(": ") + detail;
  return text;
}

void CheckNats(natsStatus s, const std::string& what) {
  if (s != NATS_OK) Die(what + ": " + NatsError(s));
}

template <typename T, void (*Destroy)(T*)>
struct NatsDeleter {
  void operator()(T* p) const { Destroy(p); }
};
using ConnectionPtr =
    std::unique_ptr<natsConnection, NatsDeleter<natsConnection, natsConnection_Destroy>>;
using JetStreamPtr = std::unique_ptr<jsCtx, NatsDeleter<jsCtx, jsCtx_Destroy>>;
using SubscriptionPtr =
    std::unique_ptr<natsSubscription, NatsDeleter<natsSubscription, natsSubscription_Destroy>>;
using MetaDataPtr =
    std::unique_ptr<jsMsgMetaData, NatsDeleter<jsMsgMetaData, jsMsgMetaData_Destroy>>;
using StreamInfoPtr =
    std::unique_ptr<jsStreamInfo, NatsDeleter<jsStreamInfo, jsStreamInfo_Destroy>>;

// The messages of one fetch, destroyed with it.
struct FetchedList {
  natsMsgList list{};
  FetchedList() = default;
  FetchedList(const FetchedList&) = delete;
  FetchedList& operator=(const FetchedList&) = delete;
  ~FetchedList() { natsMsgList_Destroy(&list); }
};

// A connection and its JetStream context (destroyed first).
struct JetStreamLink {
  ConnectionPtr connection;
  JetStreamPtr js;

  natsStatus Open(const std::string& url, jsOptions* options) {
    natsConnection* nc = nullptr;
    natsStatus s = natsConnection_ConnectTo(&nc, url.c_str());
    connection.reset(nc);
    if (s != NATS_OK) return s;
    jsCtx* ctx = nullptr;
    s = natsConnection_JetStream(&ctx, nc, options);
    js.reset(ctx);
    return s;
  }
};

// The first failure of any thread of a run; the others stop when they see it.
// Thread-safe.
class RunFailure {
 public:
  void Set(std::string message) {
    std::lock_guard<std::mutex> lock(mu_);
    if (message_.empty()) message_ = std::move(message);
    failed_.store(true);
  }
  bool failed() const { return failed_.load(); }
  std::string message() const {
    std::lock_guard<std::mutex> lock(mu_);
    return message_;
  }

 private:
  std::atomic<bool> failed_{false};
  mutable std::mutex mu_;  // guards message_
  std::string message_;
};

// Counts a thread in at the start line exactly once, also when it gives up
// early, so that the run never waits for a thread that has returned.
class StartLine {
 public:
  explicit StartLine(std::latch* latch) : latch_(latch) {}
  StartLine(const StartLine&) = delete;
  StartLine& operator=(const StartLine&) = delete;
  ~StartLine() { Arrive(); }
  void Arrive() {
    if (latch_ != nullptr) latch_->count_down();
    latch_ = nullptr;
  }

 private:
  std::latch* latch_;
};

double ThreadCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double ProcessCpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string NowRfc3339() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

bool PortAccepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// The moment the clock starts; each thread's deadline follows from it.
using StartSignal = std::shared_future<SteadyClock::time_point>;

struct ThreadResult {
  SteadyClock::time_point done_at{};
  double cpu_s = 0;
};

void OnPublishError(jsCtx* /*js*/, jsPubAckErr* pae, void* closure) {
  auto* failure = static_cast<RunFailure*>(closure);
  failure->Set(std::string("publish not acknowledged: ") +
               (pae->ErrText != nullptr ? pae->ErrText : natsStatus_GetText(pae->Err)));
}

void Publish(const std::string& url, const std::string& node,
             const std::vector<PeerMessage>& messages, std::latch* ready, StartSignal start,
             RunFailure* failure, ThreadResult* result) {
  StartLine line(ready);
  jsOptions options;
  jsOptions_Init(&options);
  options.PublishAsync.MaxPending = 4096;
  options.PublishAsync.StallWait = 60000;  // a busy machine is slow to ack, not broken
  options.PublishAsync.ErrHandler = OnPublishError;
  options.PublishAsync.ErrHandlerClosure = failure;
  JetStreamLink link;
  if (natsStatus s = link.Open(url, &options); s != NATS_OK)
    return failure->Set("publisher " + node + ": connect: " + NatsError(s));
  const std::string subject = "cen.records." + node;
  line.Arrive();
  const SteadyClock::time_point t0 = start.get();
  const double cpu0 = ThreadCpuSeconds();
  for (const PeerMessage& m : messages) {
    if (failure->failed()) return;
    natsMsg* msg = nullptr;
    natsStatus s = natsMsg_Create(&msg, subject.c_str(), nullptr, m.body.data(),
                                  static_cast<int>(m.body.size()));
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, kUuidHeader, m.uuid.c_str());
    if (s == NATS_OK) s = js_PublishMsgAsync(link.js.get(), &msg, nullptr);
    natsMsg_Destroy(msg);  // no-op once the library took it
    if (s != NATS_OK) return failure->Set("publisher " + node + ": publish: " + NatsError(s));
  }
  jsPubOptions wait;
  jsPubOptions_Init(&wait);
  wait.MaxWait = std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::milliseconds>(t0 + kRunLimit - SteadyClock::now())
             .count());
  if (natsStatus s = js_PublishAsyncComplete(link.js.get(), &wait); s != NATS_OK)
    return failure->Set("publisher " + node + ": waiting for acks: " + NatsError(s));
  result->done_at = SteadyClock::now();
  result->cpu_s = ThreadCpuSeconds() - cpu0;
}

// Where a consumer puts what it fetched: one transaction per batch.
class ConsumerSink {
 public:
  static common::Result<ConsumerSink> Open(JetStreamPeer::Sink kind, const fs::path& path) {
    auto db = common::Database::Open(path.string(), common::Database::Mode::kReadWriteCreate);
    if (!db.ok()) return db.status();
    CEN_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=NORMAL"));  // as the agent runs
    if (kind == JetStreamPeer::Sink::kSchema4Replica) {
      CEN_RETURN_IF_ERROR(Schema4Replica::Create(*db));
    } else {
      CEN_RETURN_IF_ERROR(
          db->Exec("CREATE TABLE records(gseq INTEGER PRIMARY KEY, uuid TEXT NOT NULL, body BLOB "
                   "NOT NULL)"));
    }
    return ConsumerSink(kind, std::make_unique<common::Database>(std::move(*db)));
  }

  // Applies one fetched batch; `gseqs[i]` is the stream sequence of msgs[i].
  common::Status Apply(const natsMsgList& fetched, const std::vector<int64_t>& gseqs) {
    if (kind_ == JetStreamPeer::Sink::kSchema4Replica) return ApplyToReplica(fetched, gseqs);
    return InsertPlain(fetched, gseqs);
  }

 private:
  ConsumerSink(JetStreamPeer::Sink kind, std::unique_ptr<common::Database> db)
      : kind_(kind), db_(std::move(db)), replica_(db_.get()) {}

  static std::string_view Body(natsMsg* msg) {
    return {natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg))};
  }

  // What the hub adds to a record before it reaches a replica.
  common::Status ApplyToReplica(const natsMsgList& fetched, const std::vector<int64_t>& gseqs) {
    const std::string received_at = NowRfc3339();
    std::vector<json> records;
    records.reserve(static_cast<size_t>(fetched.Count));
    for (int i = 0; i < fetched.Count; ++i) {
      natsMsg* msg = fetched.Msgs[i];
      auto rec = common::MsgpackJson::Decode(Body(msg));
      if (!rec.ok()) return rec.status();
      const std::string_view subject = natsMsg_GetSubject(msg);
      (*rec)["gseq"] = gseqs[static_cast<size_t>(i)];
      (*rec)["origin"] = std::string(subject.substr(subject.rfind('.') + 1));
      (*rec)["received_at"] = received_at;
      (*rec)["version"] = 1;
      records.push_back(std::move(*rec));
    }
    return replica_.Apply(records, gseqs.back());
  }

  common::Status InsertPlain(const natsMsgList& fetched, const std::vector<int64_t>& gseqs) {
    if (!insert_) {
      auto stmt = db_->Prepare("INSERT INTO records(gseq, uuid, body) VALUES (?, ?, ?)");
      if (!stmt.ok()) return stmt.status();
      insert_ = std::make_unique<common::Statement>(std::move(*stmt));
    }
    auto tx = db_->Begin();
    if (!tx.ok()) return tx.status();
    for (int i = 0; i < fetched.Count; ++i) {
      natsMsg* msg = fetched.Msgs[i];
      const char* uuid = nullptr;
      if (natsMsgHeader_Get(msg, kUuidHeader, &uuid) != NATS_OK)
        return common::Corruption("message without a " + std::string(kUuidHeader) + " header");
      CEN_RETURN_IF_ERROR(insert_->Bind(1, gseqs[static_cast<size_t>(i)])
                              .Bind(2, uuid)
                              .BindBlob(3, Body(msg))
                              .Run());
    }
    return tx->Commit();
  }

  JetStreamPeer::Sink kind_;
  std::unique_ptr<common::Database> db_;  // on the heap: replica_ keeps its address
  Schema4Replica replica_;
  std::unique_ptr<common::Statement> insert_;
};

void Consume(const std::string& url, const std::string& durable, JetStreamPeer::Sink kind,
             const fs::path& db_path, int64_t total, std::latch* ready, StartSignal start,
             RunFailure* failure, ThreadResult* result) {
  StartLine line(ready);
  auto sink = ConsumerSink::Open(kind, db_path);
  if (!sink.ok()) return failure->Set(db_path.string() + ": " + sink.status().message());
  JetStreamLink link;
  if (natsStatus s = link.Open(url, nullptr); s != NATS_OK)
    return failure->Set("consumer " + durable + ": connect: " + NatsError(s));
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = kStream;
  options.Config.DeliverPolicy = js_DeliverAll;
  // One ack per batch, after its commit, acknowledges the whole batch.
  options.Config.AckPolicy = js_AckAll;
  options.Config.MaxAckPending = 1 << 20;
  natsSubscription* raw = nullptr;
  jsErrCode js_error = static_cast<jsErrCode>(0);
  const natsStatus subscribed = js_PullSubscribe(&raw, link.js.get(), kSubjects, durable.c_str(),
                                                 nullptr, &options, &js_error);
  SubscriptionPtr sub(raw);
  if (subscribed != NATS_OK)
    return failure->Set("consumer " + durable + ": pull subscribe: " + NatsError(subscribed));
  line.Arrive();

  const SteadyClock::time_point t0 = start.get();
  const double cpu0 = ThreadCpuSeconds();
  int64_t last_gseq = 0;  // a fresh stream numbers its messages 1, 2, ...
  std::vector<int64_t> gseqs;
  while (last_gseq < total) {
    if (failure->failed()) return;
    if (SteadyClock::now() > t0 + kRunLimit) {
      return failure->Set("consumer " + durable + ": only " + std::to_string(last_gseq) + " of " +
                          std::to_string(total) + " records within 600 s");
    }
    FetchedList fetched;
    const int want = static_cast<int>(std::min<int64_t>(kFetchBatch, total - last_gseq));
    const natsStatus s =
        natsSubscription_Fetch(&fetched.list, sub.get(), want, kFetchWaitMs, &js_error);
    if (s == NATS_TIMEOUT) continue;
    if (s != NATS_OK) return failure->Set("consumer " + durable + ": fetch: " + NatsError(s));
    if (fetched.list.Count == 0) continue;
    gseqs.clear();
    for (int i = 0; i < fetched.list.Count; ++i) {
      jsMsgMetaData* raw_meta = nullptr;
      const natsStatus m = natsMsg_GetMetaData(&raw_meta, fetched.list.Msgs[i]);
      MetaDataPtr meta(raw_meta);
      if (m != NATS_OK) return failure->Set("consumer " + durable + ": metadata: " + NatsError(m));
      gseqs.push_back(static_cast<int64_t>(meta->Sequence.Stream));
    }
    if (common::Status applied = sink->Apply(fetched.list, gseqs); !applied.ok())
      return failure->Set(db_path.string() + ": " + applied.message());
    const natsStatus acked = natsMsg_Ack(fetched.list.Msgs[fetched.list.Count - 1], nullptr);
    if (acked != NATS_OK) return failure->Set("consumer " + durable + ": ack: " + NatsError(acked));
    last_gseq = std::max(last_gseq, gseqs.back());
  }
  result->done_at = SteadyClock::now();
  result->cpu_s = ThreadCpuSeconds() - cpu0;
}

}  // namespace

std::optional<std::string> JetStreamPeer::FindServer() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::istringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const fs::path candidate = fs::path(dir) / "nats-server";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return std::nullopt;
}

JetStreamPeer::JetStreamPeer(const std::string& server_bin, const fs::path& work_dir)
    : work_dir_(work_dir) {
  const int port = FreePort();
  url_ = "nats://127.0.0.1:" + std::to_string(port);
  const fs::path store = work_dir / "nats";
  fs::create_directories(store);
  try {
    server_.emplace("nats-server",
                    std::vector<std::string>{server_bin, "-js", "-sd", store.string(), "-p",
                                             std::to_string(port), "-a", "127.0.0.1"},
                    work_dir);
  } catch (const std::exception& e) {
    Die(std::string("cannot start nats-server: ") + e.what());
  }
  const auto t0 = SteadyClock::now();
  while (!PortAccepts(port)) {
    if (!server_->Running()) Die("nats-server exited:\n" + server_->Tail(20));
    if (SecondsBetween(t0, SteadyClock::now()) > 30)
      Die("nats-server does not accept connections on port " + std::to_string(port));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

JetStreamPeer::~JetStreamPeer() {
  server_->Signal(SIGTERM);
  (void)server_->Wait(std::chrono::seconds(10));
  nats_Close();
}

PeerRun JetStreamPeer::Run(Sink sink, const std::vector<std::string>& ids,
                           const std::vector<std::vector<PeerMessage>>& messages) {
  JetStreamLink admin;
  CheckNats(admin.Open(url_, nullptr), "connect to " + url_);
  jsErrCode js_error = static_cast<jsErrCode>(0);
  (void)js_DeleteStream(admin.js.get(), kStream, nullptr, &js_error);  // left by a failed run
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = kStream;
  const char* subjects[] = {kSubjects};
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Storage = js_FileStorage;
  jsStreamInfo* raw_info = nullptr;
  const natsStatus added = js_AddStream(&raw_info, admin.js.get(), &config, nullptr, &js_error);
  StreamInfoPtr info(raw_info);
  CheckNats(added, "add stream " + std::string(kStream));

  int64_t total = 0;
  for (const auto& m : messages) total += static_cast<int64_t>(m.size());
  const size_t n = ids.size();
  RunFailure failure;
  std::latch ready(static_cast<std::ptrdiff_t>(2 * n));
  std::promise<SteadyClock::time_point> start_promise;
  const StartSignal start = start_promise.get_future().share();
  std::vector<ThreadResult> consumed(n);
  std::vector<ThreadResult> published(n);
  std::vector<std::thread> threads;
  const char* file = sink == Sink::kSchema4Replica ? "schema4" : "plain";
  for (size_t i = 0; i < n; ++i) {
    const fs::path db_path = work_dir_ / ("jetstream-" + std::string(file) + "-" + ids[i] + ".db");
    threads.emplace_back(Consume, url_, "R" + ids[i], sink, db_path, total, &ready, start, &failure,
                         &consumed[i]);
  }
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back(Publish, url_, ids[i], std::cref(messages[i]), &ready, start, &failure,
                         &published[i]);
  }
  ready.wait();
  FlushDirtyPages();  // what cenhub's run or the previous sink left unwritten
  const double server_cpu0 = CpuSeconds(server_->pid());
  const double process_cpu0 = ProcessCpuSeconds();
  const SteadyClock::time_point t0 = SteadyClock::now();
  start_promise.set_value(t0);
  for (std::thread& t : threads) t.join();
  if (failure.failed()) Die(failure.message());

  PeerRun run;
  run.server_cpu_s = CpuSeconds(server_->pid()) - server_cpu0;
  run.process_cpu_s = ProcessCpuSeconds() - process_cpu0;
  for (const ThreadResult& r : consumed) {
    run.complete_s = std::max(run.complete_s, SecondsBetween(t0, r.done_at));
    run.consumer_cpu_s += r.cpu_s;
  }
  for (const ThreadResult& r : published) {
    run.acked_s = std::max(run.acked_s, SecondsBetween(t0, r.done_at));
    run.publisher_cpu_s += r.cpu_s;
  }
  CheckNats(js_DeleteStream(admin.js.get(), kStream, nullptr, &js_error), "delete stream");
  return run;
}

}  // namespace cen::bench
