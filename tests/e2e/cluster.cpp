#include "tests/e2e/cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/sqlite_db.h"
#include "tests/e2e/failure_listener.h"
#include "tests/test_support/files.h"
#include "tests/test_support/ports.h"

namespace cen::e2e {
namespace {

// Generous: under ASan a submit of 18 MB of Cyrillic text takes over 30 s.
constexpr auto kToolTimeout = std::chrono::seconds(120);
constexpr auto kStopTimeout = std::chrono::seconds(15);
constexpr auto kPollInterval = std::chrono::milliseconds(100);

std::string Trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return "";
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

std::vector<std::string> NonEmptyLines(std::string_view text) {
  std::vector<std::string> lines;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    std::string trimmed = Trim(line);
    if (!trimmed.empty()) lines.push_back(std::move(trimmed));
  }
  return lines;
}

std::string LastNonEmptyLine(std::string_view text) {
  const auto lines = NonEmptyLines(text);
  return lines.empty() ? "" : lines.back();
}

std::string Describe(const RunResult& r) {
  std::ostringstream text;
  text << "$ " << r.command << "\nexit: "
       << (r.exit_code ? std::to_string(*r.exit_code) : std::string("none (killed on timeout)"))
       << "\n--- stdout (last 20 lines)\n"
       << LastLines(r.out, 20) << "--- stderr (last 20 lines)\n"
       << LastLines(r.err, 20);
  return text.str();
}

void RequireExitZero(const RunResult& r, std::string_view what) {
  if (r.exit_code != 0) FAIL(what << " failed\n" << Describe(r));
}

nlohmann::json ParseStatus(const RunResult& r, std::string_view what) {
  RequireExitZero(r, what);
  try {
    nlohmann::json status = nlohmann::json::parse(r.out);
    if (!status.is_object()) FAIL(what << " printed no JSON object\n" << Describe(r));
    return status;
  } catch (const nlohmann::json::exception& e) {
    FAIL(what << " printed no JSON (" << e.what() << ")\n" << Describe(r));
  }
  return {};
}

// An integer field of a status object, or -1 when it is absent or not an integer.
std::int64_t IntField(const nlohmann::json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_number_integer()) return -1;
  return object[key].get<std::int64_t>();
}

std::string StringField(const nlohmann::json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return "";
  return object[key].get<std::string>();
}

}  // namespace

// ---- TempDir

Cluster::TempDir::TempDir() : failures_at_start(FailedAssertionCount()) {
  const char* tmpdir = std::getenv("TMPDIR");
  const std::filesystem::path base = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  std::string templ = (base / "cen-e2e-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error("mkdtemp " + templ + ": " + std::strerror(errno));
  }
  path = templ;
}

Cluster::TempDir::~TempDir() {
  if (handled) return;
  if (TestFailed()) {
    std::cerr << "e2e: test failed; its files are kept in " << path.string() << "\n";
  } else {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
}

bool Cluster::TempDir::TestFailed() const {
  return FailedAssertionCount() > failures_at_start || std::uncaught_exceptions() > 0;
}

// ---- Cluster

Cluster::Cluster(std::vector<NodeSpec> nodes) : logs_(dir() / "logs"), runs_(dir() / "runs") {
  // Every tool speaks English to these tests, whatever the machine's locale
  // (RunQueryIn chooses another language on purpose).
  setenv("LC_ALL", "C.UTF-8", 1);
  unsetenv("LANGUAGE");
  std::filesystem::create_directories(logs_);
  std::filesystem::create_directories(runs_);
  const std::vector<int> ports = test::FreeLoopbackPorts(2);
  ingest_port_ = ports[0];
  feed_port_ = ports[1];

  const RunResult init =
      RunHub({"init", "--data", hub_dir().string(), "--bind", "127.0.0.1", "--ingest-port",
              std::to_string(ingest_port_), "--feed-port", std::to_string(feed_port_)});
  RequireExitZero(init, "cen-hub init");
  hub_key_ = LastNonEmptyLine(init.out);
  if (hub_key_.size() != 40) FAIL("cen-hub init printed no Z85 key\n" << Describe(init));

  const std::string hub_endpoint = ingest_endpoint();
  for (auto& spec : nodes) {
    const RunResult node_init =
        RunNode({"init", "--data", node_dir(spec.id).string(), "--id", spec.id, "--hub",
                 hub_endpoint, "--hub-key", hub_key_, "--region", spec.region});
    RequireExitZero(node_init, "cen-node init " + spec.id);
    std::string key = LastNonEmptyLine(node_init.out);
    if (key.size() != 40) FAIL("cen-node init printed no Z85 key\n" << Describe(node_init));
    nodes_.push_back(Node{spec, std::move(key), nullptr, 0});
    if (spec.authorized) Allow(spec.id);
  }
}

Cluster::~Cluster() {
  const bool failed = dir_.TestFailed();
  for (auto& node : nodes_) {
    if (node.agent) node.agent->Kill();
  }
  if (hub_) hub_->Kill();
  for (auto& m : members_) {
    if (m.hub) m.hub->Kill();
  }
  if (failed) {
    std::cerr << "e2e: test failed; its files are kept in " << dir().string() << "\n"
              << LogTails(15);
  } else {
    std::error_code ignored;
    std::filesystem::remove_all(dir(), ignored);
  }
  dir_.handled = true;
}

std::filesystem::path Cluster::node_dir(std::string_view id) const {
  return dir() / ("node-" + std::string(id));
}

std::string Cluster::ingest_endpoint() const {
  return "tcp://127.0.0.1:" + std::to_string(ingest_port_);
}

std::string Cluster::feed_endpoint() const {
  return "tcp://127.0.0.1:" + std::to_string(feed_port_);
}

const std::string& Cluster::node_key(std::string_view id) const { return FindNode(id).public_key; }

std::vector<std::string> Cluster::node_ids() const {
  std::vector<std::string> ids;
  for (const auto& node : nodes_) ids.push_back(node.spec.id);
  return ids;
}

Cluster::Node& Cluster::FindNode(std::string_view id) {
  for (auto& node : nodes_) {
    if (node.spec.id == id) return node;
  }
  FAIL("no node " << id << " in this cluster");
  throw std::logic_error("unreachable");
}

const Cluster::Node& Cluster::FindNode(std::string_view id) const {
  return const_cast<Cluster*>(this)->FindNode(id);
}

// ---- processes

void Cluster::StartHub() {
  REQUIRE_FALSE((hub_ && hub_->Running()));
  std::vector<std::string> args{CEN_HUB_BIN, "run", "--data", hub_dir().string()};
  args.insert(args.end(), run_args_.begin(), run_args_.end());
  hub_ = std::make_unique<Process>("hub." + std::to_string(++hub_runs_), std::move(args), logs_);
  WaitServing(*hub_);
}

// A node's first HELLO has a few seconds: under a sanitizer on a loaded
// machine, a hub's start alone can take a good part of them.
void Cluster::WaitServing(Process& hub) {
  WaitUntil(
      [&](std::string& observed) {
        const std::string log =
            cen::test::ReadFile(hub.stdout_path()) + cen::test::ReadFile(hub.stderr_path());
        observed = "the last lines of " + hub.name() +
                   "'s log: " + log.substr(log.size() > 400 ? log.size() - 400 : 0);
        return log.find("hub serving") != std::string::npos;
      },
      std::chrono::seconds(60), hub.name() + " serving");
}

void Cluster::KillHub() {
  REQUIRE(hub_);
  hub_->Kill();
  hub_.reset();
}

void Cluster::StopHub() { StopProcess(hub_); }

void Cluster::RestartHub() {
  StopHub();
  StartHub();
}

// ---- hub cluster

std::filesystem::path Cluster::member_dir(int i) const {
  return i == 0 ? hub_dir() : dir() / ("hub-" + std::to_string(i));
}

void Cluster::MakeHubCluster(int members, int snapshot_every) {
  REQUIRE_FALSE(hub_);
  const std::vector<int> ports = test::FreeLoopbackPorts(3 * members);
  // Member 0 keeps its ports; the others get two new ones; every member a Raft port.
  std::string table = "\n[cluster]\nmember = MEMBER\n";
  if (snapshot_every > 0)
    table += "snapshot_every = " + std::to_string(snapshot_every) + "\nlog_kept = 2\n";
  std::vector<std::string> ingest = {ingest_endpoint()};
  std::vector<std::string> keys = {hub_key_};
  for (int i = 1; i < members; ++i) {
    const std::string d = member_dir(i).string();
    const RunResult init = RunHub({"init", "--data", d, "--bind", "127.0.0.1", "--ingest-port",
                                   std::to_string(ports[static_cast<size_t>(3 * i)]), "--feed-port",
                                   std::to_string(ports[static_cast<size_t>(3 * i + 1)])});
    RequireExitZero(init, "cen-hub init " + d);
    keys.push_back(LastNonEmptyLine(init.out));
    ingest.push_back("tcp://127.0.0.1:" + std::to_string(ports[static_cast<size_t>(3 * i)]));
    // One cluster, one state: the first member's hub.db (epoch, nodes).
    std::filesystem::remove(member_dir(i) / "hub.db");
    std::filesystem::copy_file(hub_dir() / "hub.db", member_dir(i) / "hub.db");
    members_.push_back(Member{member_dir(i), nullptr, 0, ingest.back(), keys.back()});
  }
  for (int i = 0; i < members; ++i) {
    cluster_members_ +=
        "[[cluster.members]]\nid = " + std::to_string(i + 1) +
        "\nraft = \"tcp://127.0.0.1:" + std::to_string(ports[static_cast<size_t>(3 * i + 2)]) +
        "\"\ningest = \"" + ingest[static_cast<size_t>(i)] + "\"\nkey = \"" +
        keys[static_cast<size_t>(i)] + "\"\n";
  }
  table += cluster_members_;
  for (int i = 0; i < members; ++i) {
    std::string mine = table;
    mine.replace(mine.find("MEMBER"), 6, std::to_string(i + 1));
    std::ofstream(member_dir(i) / "hub.toml", std::ios::app) << mine;
  }
  for (const Node& node : nodes_) {
    std::string others = "other_hubs = [";
    for (int i = 1; i < members; ++i) {
      others += std::string(i > 1 ? ", " : "") + "{ hub = \"" + ingest[static_cast<size_t>(i)] +
                "\", hub_key = \"" + keys[static_cast<size_t>(i)] + "\" }";
    }
    std::ofstream(node_dir(node.spec.id) / "node.toml", std::ios::app) << others << "]\n";
  }
}

std::string Cluster::member_ingest(int i) const {
  return i == 0 ? ingest_endpoint() : members_.at(static_cast<size_t>(i - 1)).ingest;
}

const std::string& Cluster::member_key(int i) const {
  return i == 0 ? hub_key_ : members_.at(static_cast<size_t>(i - 1)).key;
}

common::CurveKeys Cluster::node_keys(std::string_view id) const {
  auto keys = common::CurveKeys::Load(node_dir(id).string());
  REQUIRE(keys.ok());
  return *keys;
}

Cluster::NewMember Cluster::PrepareMember() {
  NewMember m;
  m.index = static_cast<int>(members_.size()) + 1;
  const std::vector<int> ports = test::FreeLoopbackPorts(3);
  const std::string d = member_dir(m.index).string();
  const RunResult init =
      RunHub({"init", "--data", d, "--bind", "127.0.0.1", "--ingest-port", std::to_string(ports[0]),
              "--feed-port", std::to_string(ports[1])});
  RequireExitZero(init, "cen-hub init " + d);
  m.key = LastNonEmptyLine(init.out);
  m.ingest = "tcp://127.0.0.1:" + std::to_string(ports[0]);
  m.raft = "tcp://127.0.0.1:" + std::to_string(ports[2]);
  members_.push_back(Member{member_dir(m.index), nullptr, 0, m.ingest, m.key});
  return m;
}

std::filesystem::path Cluster::MakeOutsider() {
  REQUIRE_FALSE(cluster_members_.empty());
  const std::filesystem::path d = dir() / "outsider";
  const std::vector<int> ports = test::FreeLoopbackPorts(3);
  const RunResult init =
      RunHub({"init", "--data", d.string(), "--bind", "127.0.0.1", "--ingest-port",
              std::to_string(ports[0]), "--feed-port", std::to_string(ports[1])});
  RequireExitZero(init, "cen-hub init " + d.string());
  const int id = static_cast<int>(members_.size()) + 2;
  std::ofstream(d / "hub.toml", std::ios::app)
      << "\n[cluster]\nmember = " << id << "\n"
      << cluster_members_ << "[[cluster.members]]\nid = " << id
      << "\nraft = \"tcp://127.0.0.1:" << ports[2] << "\"\ningest = \"tcp://127.0.0.1:" << ports[0]
      << "\"\nkey = \"" << LastNonEmptyLine(init.out) << "\"\n";
  return d;
}

std::unique_ptr<Process>& Cluster::MemberProcess(int i) {
  if (i == 0) return hub_;
  REQUIRE(i <= static_cast<int>(members_.size()));
  return members_[static_cast<size_t>(i - 1)].hub;
}

void Cluster::StartMember(int i) {
  if (i == 0) return StartHub();
  Member& m = members_[static_cast<size_t>(i - 1)];
  REQUIRE_FALSE((m.hub && m.hub->Running()));
  m.hub = std::make_unique<Process>(
      "hub-" + std::to_string(i) + "." + std::to_string(++m.runs),
      std::vector<std::string>{CEN_HUB_BIN, "run", "--data", m.dir.string()}, logs_);
  WaitServing(*m.hub);
}

void Cluster::KillMember(int i) {
  std::unique_ptr<Process>& p = MemberProcess(i);
  REQUIRE(p);
  p->Kill();
  p.reset();
}

void Cluster::FreezeMember(int i) {
  REQUIRE(MemberProcess(i));
  MemberProcess(i)->Signal(SIGSTOP);
}

void Cluster::ThawMember(int i) {
  REQUIRE(MemberProcess(i));
  MemberProcess(i)->Signal(SIGCONT);
}

std::string Cluster::MemberLog(int i) const {
  const std::string name = i == 0 ? "hub." : "hub-" + std::to_string(i) + ".";
  return Logs(name, i == 0 ? hub_runs_ : members_.at(static_cast<size_t>(i - 1)).runs);
}

std::string Cluster::NodeLog(std::string_view id) const {
  for (const Node& node : nodes_) {
    if (node.spec.id == id) return Logs("node-" + node.spec.id + ".", node.runs);
  }
  return "";
}

std::string Cluster::Logs(const std::string& name, int runs) const {
  std::string log;
  for (int run = 1; run <= runs; ++run) {
    for (const char* stream : {".out", ".err"})
      log += cen::test::ReadFile(logs_ / (name + std::to_string(run) + stream));
  }
  return log;
}

nlohmann::json Cluster::MemberStatus(int i) {
  const RunResult r =
      RunQuietly(CEN_HUB_BIN, {"status", "--data", member_dir(i).string(), "--json"});
  RequireExitZero(r, "cen-hub status");
  return nlohmann::json::parse(r.out);
}

int Cluster::WaitForLeader(std::chrono::seconds timeout, int not_this) {
  int leader = -1;
  const int n = static_cast<int>(members_.size()) + 1;
  WaitUntil(
      [&](std::string& observed) {
        observed.clear();
        leader = -1;
        // A member killed or frozen cannot say it stepped down: its
        // successor is the one leading in a later term.
        int64_t old_term = -1;
        std::vector<std::pair<int, int64_t>> leading;
        for (int i = 0; i < n; ++i) {
          const nlohmann::json c = MemberStatus(i)["cluster"];
          observed += "member " + std::to_string(i) + ": " + c.dump() + "\n";
          if (!c.is_object()) continue;  // no hub.state written yet
          if (i == not_this) old_term = c.value("term", int64_t{-1});
          if (MemberProcess(i) == nullptr || i == not_this || c.value("role", "") != "leader")
            continue;
          leading.emplace_back(i, c.value("term", int64_t{0}));
        }
        for (const auto& [i, term] : leading) {
          if (term > old_term) leader = i;
        }
        return leader >= 0;
      },
      timeout, "a hub cluster leader");
  return leader;
}

void Cluster::StartNode(std::string_view id) {
  Node& node = FindNode(id);
  REQUIRE_FALSE((node.agent && node.agent->Running()));
  std::vector<std::string> args{CEN_NODE_BIN, "run", "--data", node_dir(id).string()};
  args.insert(args.end(), run_args_.begin(), run_args_.end());
  node.agent = std::make_unique<Process>("node-" + node.spec.id + "." + std::to_string(++node.runs),
                                         std::move(args), logs_);
}

pid_t Cluster::hub_pid() const {
  REQUIRE(hub_);
  return hub_->pid();
}

pid_t Cluster::node_pid(std::string_view id) const {
  const Node& node = FindNode(id);
  REQUIRE(node.agent);
  return node.agent->pid();
}

void Cluster::KillNode(std::string_view id) {
  Node& node = FindNode(id);
  REQUIRE(node.agent);
  node.agent->Kill();
  node.agent.reset();
}

void Cluster::StopNode(std::string_view id) { StopProcess(FindNode(id).agent); }

void Cluster::RestartNode(std::string_view id) {
  StopNode(id);
  StartNode(id);
}

void Cluster::StartAll() {
  StartHub();
  for (const auto& node : nodes_) StartNode(node.spec.id);
}

void Cluster::StopAll() {
  for (auto& node : nodes_) {
    if (node.agent) StopProcess(node.agent);
  }
  if (hub_) StopHub();
}

void Cluster::StopProcess(std::unique_ptr<Process>& process) {
  REQUIRE(process);
  process->Signal(SIGTERM);
  const std::optional<int> code = process->Wait(kStopTimeout);
  const std::string name = process->name();
  if (!code) {
    process->Kill();
    const std::string tail = process->Tail(20);
    process.reset();
    FAIL_CHECK(name << " still ran " << kStopTimeout.count() << " s after SIGTERM; killed it\n"
                    << tail);
    return;
  }
  const std::string tail = process->Tail(20);
  process.reset();
  INFO(name << " after SIGTERM\n" << tail);
  CHECK(*code == 0);
}

void Cluster::RequireStartedProcessesAlive(std::string_view while_doing) {
  auto check = [&](std::unique_ptr<Process>& process) {
    if (process && !process->Running()) {
      const std::optional<int> code = process->exit_code();
      FAIL(process->name() << " exited by itself (status "
                           << (code ? std::to_string(*code) : std::string("?"))
                           << ") while waiting for: " << while_doing << "\n"
                           << process->Tail(40) << "files kept in " << dir().string());
    }
  };
  check(hub_);
  for (auto& m : members_) check(m.hub);
  for (auto& node : nodes_) check(node.agent);
}

// ---- tools

RunResult Cluster::Run(const std::string& binary, const std::vector<std::string>& args,
                       std::string_view stdin_text, std::chrono::seconds timeout) {
  std::vector<std::string> argv{binary};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunToCompletion(argv, stdin_text, timeout, runs_);
}

RunResult Cluster::RunQuietly(const std::string& binary, const std::vector<std::string>& args) {
  // Polls would leave thousands of files behind; the ones of failed runs stay.
  const auto before = std::filesystem::directory_iterator(runs_);
  std::set<std::filesystem::path> existing;
  for (const auto& entry : before) existing.insert(entry.path());
  RunResult result = Run(binary, args, "", kToolTimeout);
  if (result.exit_code == 0) {
    for (const auto& entry : std::filesystem::directory_iterator(runs_)) {
      if (existing.count(entry.path()) == 0) {
        std::error_code ignored;
        std::filesystem::remove(entry.path(), ignored);
      }
    }
  }
  return result;
}

RunResult Cluster::RunNode(const std::vector<std::string>& args, std::string_view stdin_text) {
  return Run(CEN_NODE_BIN, args, stdin_text, kToolTimeout);
}

RunResult Cluster::RunHub(const std::vector<std::string>& args, std::string_view stdin_text) {
  return Run(CEN_HUB_BIN, args, stdin_text, kToolTimeout);
}

void Cluster::Allow(std::string_view id) {
  const Node& node = FindNode(id);
  const RunResult r = RunHub({"allow", "--data", hub_dir().string(), "--node", node.spec.id,
                              "--key", node.public_key, "--region", node.spec.region});
  RequireExitZero(r, "cen-hub allow " + node.spec.id);
}

std::vector<std::string> Cluster::Submit(std::string_view id,
                                         const std::vector<std::string>& lines) {
  std::string input;
  for (const auto& line : lines) input += line + "\n";
  const RunResult r = RunNode({"submit", "--data", node_dir(id).string(), "-"}, input);
  RequireExitZero(r, "cen-node submit (" + std::to_string(lines.size()) + " records)");
  std::vector<std::string> uuids = NonEmptyLines(r.out);
  if (uuids.size() != lines.size()) {
    FAIL("cen-node submit printed " << uuids.size() << " uuids for " << lines.size() << " records\n"
                                    << Describe(r));
  }
  return uuids;
}

std::vector<std::string> Cluster::Submit(std::string_view id, const std::vector<std::string>& lines,
                                         AcceptedRecords& accepted) {
  std::vector<std::string> uuids = Submit(id, lines);
  AddAccepted(accepted, id, lines, uuids);
  return uuids;
}

RunResult Cluster::RunQuery(const std::vector<std::string>& args) {
  return RunQuietly(CEN_QUERY_BIN, args);
}

RunResult Cluster::RunQueryIn(const std::vector<std::string>& env,
                              const std::vector<std::string>& args) {
  std::vector<std::string> all = {"-u", "LC_ALL", "-u", "LC_MESSAGES", "-u", "LANGUAGE"};
  all.insert(all.end(), env.begin(), env.end());
  all.push_back(CEN_QUERY_BIN);
  all.insert(all.end(), args.begin(), args.end());
  return RunQuietly("/usr/bin/env", all);
}

std::vector<nlohmann::json> Cluster::Query(std::string_view id, std::string_view kind) {
  // Replica checks want every record, H2/H3 included.
  std::vector<std::string> args{"--data", node_dir(id).string(), "--format", "json",
                                "--include-restricted"};
  if (!kind.empty()) {
    args.emplace_back("--kind");
    args.emplace_back(kind);
  }
  const RunResult r = RunQuietly(CEN_QUERY_BIN, args);
  RequireExitZero(r, "cen-query");
  std::vector<nlohmann::json> records;
  for (const auto& line : NonEmptyLines(r.out)) {
    try {
      records.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception& e) {
      FAIL("cen-query printed a line that is not JSON (" << e.what() << "): " << line);
    }
  }
  return records;
}

nlohmann::json Cluster::Status(std::string_view id) {
  return ParseStatus(
      RunQuietly(CEN_NODE_BIN, {"status", "--data", node_dir(id).string(), "--json"}),
      "cen-node status --json");
}

nlohmann::json Cluster::HubStatus() {
  return ParseStatus(RunQuietly(CEN_HUB_BIN, {"status", "--data",
                                              member_dir(reference_member_).string(), "--json"}),
                     "cen-hub status --json");
}

namespace {

// The one integer `sql` reads from the database at `path`, opened read-only.
std::int64_t QueryFile(const std::filesystem::path& path, const std::string& sql) {
  auto db = common::Database::Open(path.string(), common::Database::Mode::kReadOnly);
  INFO(path.string() << ": " << (db.ok() ? std::string() : db.status().ToString()));
  REQUIRE(db.ok());
  auto n = db->QueryInt(sql);
  INFO(sql << ": " << (n.ok() ? std::string() : n.status().ToString()));
  REQUIRE(n.ok());
  return n->value_or(0);
}

}  // namespace

std::int64_t Cluster::HubQuery(const std::string& sql) const {
  return QueryFile(member_dir(reference_member_) / "hub.db", sql);
}

std::set<std::string> Cluster::Refs(std::string_view id) {
  std::set<std::string> refs;
  for (const auto& r : Query(id)) refs.insert(r.value("ref", ""));
  return refs;
}

std::string Cluster::HubAdmin(std::vector<std::string> args) {
  args.insert(args.end(), {"--data", hub_dir().string()});
  const RunResult r = RunHub(args);
  INFO(r.command << "\n" << r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

std::int64_t Cluster::NodeQuery(std::string_view id, const std::string& sql) const {
  return QueryFile(node_dir(id) / "node.db", sql);
}

// ---- waiting and checking

std::filesystem::path Cluster::UseDropFolder(std::string_view id) {
  std::ofstream(node_dir(id) / "node.toml", std::ios::app) << "drop_dir = \"drops\"\n";
  return node_dir(id) / "drops";
}

void Cluster::WaitForDropFolder(std::string_view id, std::chrono::seconds timeout) {
  const std::filesystem::path done = node_dir(id) / "drops" / "done";
  WaitUntil(
      [&](std::string& observed) {
        observed = "no " + done.string() + " yet";
        return std::filesystem::is_directory(done);
      },
      timeout, std::string(id) + "'s agent creates its drop folder");
}

void Cluster::WaitForHubState(std::string_view id, std::string_view state,
                              std::chrono::seconds timeout) {
  WaitUntil(
      [&](std::string& observed) {
        const nlohmann::json status = Status(id);
        observed = status.dump();
        return status.value("hub_state", "") == state;
      },
      timeout, std::string(id) + " reports hub_state \"" + std::string(state) + "\"");
}

void Cluster::WaitUntil(const std::function<bool(std::string& observed)>& done,
                        std::chrono::seconds timeout, std::string_view what) {
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + timeout;
  std::string observed;
  for (;;) {
    RequireStartedProcessesAlive(what);
    observed.clear();
    if (done(observed)) return;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(kPollInterval);
  }
  FAIL("timed out after " << timeout.count() << " s waiting for: " << what << "\nlast observed:\n"
                          << observed << "\n"
                          << LogTails() << "files kept in " << dir().string());
}

void Cluster::WaitForConvergence(const AcceptedRecords& accepted,
                                 const std::vector<std::string>& ids,
                                 std::chrono::seconds timeout) {
  const auto want = static_cast<std::int64_t>(accepted.size());
  std::int64_t journal = 0;  // one entry per version
  for (const auto& [uuid, record] : accepted) journal += record.version;
  std::string what = "nodes";
  for (const auto& id : ids) what += " " + id;
  what += " connected, outbox 0, " + std::to_string(want) +
          " records, replica_gseq = hub_head = " + std::to_string(journal) +
          " + the receipts journaled";
  WaitUntil(
      [&](std::string& observed) {
        // Nodes acknowledge the alerts they receive: receipts are journaled
        // too (they reach only the alert's origin, not `records`).
        const std::int64_t receipts =
            HubQuery("SELECT count(*) FROM journal WHERE kind = 'receipt'");
        const std::int64_t head = journal + receipts;
        observed = "receipts journaled: " + std::to_string(receipts) + "\n";
        bool all = true;
        for (const auto& id : ids) {
          const nlohmann::json status = Status(id);
          observed += id + ": " + status.dump() + "\n";
          all = all && StringField(status, "hub_state") == "connected" &&
                IntField(status, "outbox") == 0 && IntField(status, "records") == want &&
                IntField(status, "replica_gseq") == head && IntField(status, "hub_head") == head;
        }
        return all;
      },
      timeout, what);
}

void Cluster::RequireConverged(const AcceptedRecords& accepted,
                               const std::vector<std::string>& ids) {
  std::map<std::string, std::vector<nlohmann::json>> replicas;
  for (const auto& id : ids) replicas[id] = Query(id);
  std::set<std::int64_t> receipts;
  {
    auto db = common::Database::Open((member_dir(reference_member_) / "hub.db").string(),
                                     common::Database::Mode::kReadOnly);
    REQUIRE(db.ok());
    auto stmt = db->Prepare("SELECT gseq FROM journal WHERE kind = 'receipt'");
    REQUIRE(stmt.ok());
    while (true) {
      auto row = stmt->Step();
      REQUIRE(row.ok());
      if (!*row) break;
      receipts.insert(stmt->ColumnInt(0));
    }
  }
  const std::vector<std::string> problems = FindReplicaProblems(accepted, replicas, receipts);
  if (!problems.empty()) {
    std::ostringstream text;
    text << accepted.size() << " accepted records; replicas hold";
    for (const auto& [id, records] : replicas) text << " " << id << "=" << records.size();
    text << "\n";
    for (const auto& problem : problems) text << "  " << problem << "\n";
    FAIL(text.str() << "files kept in " << dir().string());
  }
}

std::string Cluster::LogTails(std::size_t lines) const {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(logs_, ec)) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::ostringstream text;
  for (const auto& file : files) {
    const std::string content = cen::test::ReadFile(file);
    if (content.empty()) continue;
    text << "--- " << file.string() << " (last " << lines << " lines)\n"
         << LastLines(content, lines);
  }
  return text.str();
}

}  // namespace cen::e2e
