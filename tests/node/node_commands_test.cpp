#include "node/node_commands.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "common/curve_keys.h"
#include "common/instance_lock.h"
#include "common/messages.h"
#include "common/utf8.h"
#include "common/uuid7.h"
#include "node/agent/agent_status.h"
#include "node/agent/replica.h"
#include "node/agent/text_indexer.h"
#include "node/store/node_config.h"
#include "node/store/node_schema.h"
#include "node/store/outbox.h"
#include "tests/test_support/keys.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

using cen::common::CurveKeys;
using cen::common::Database;
using cen::common::Status;
using cen::common::StatusCode;
using cen::common::Uuid7;
using cen::node::AgentStatus;
using cen::node::DropOptions;
using cen::node::NodeCommands;
using cen::node::NodeConfig;
using cen::node::NodeInitOptions;
using cen::node::NodeSchema;
using cen::node::Outbox;
using cen::node::SubmitOptions;
using cen::test::NewPublicKey;
using cen::test::RequireOk;
using cen::test::SampleSeizure;
using cen::test::TempDir;
using nlohmann::json;

namespace {

// `cen-node init` in a temporary directory.
class TestNode {
 public:
  TestNode() : data_dir_(tmp_.File("node")) {
    hub_key_ = NewPublicKey();
    NodeInitOptions o;
    o.data_dir = data_dir_;
    o.node_id = "rilo-weu";
    o.hub_endpoint = "tcp://127.0.0.1:7701";
    o.hub_key = hub_key_;
    o.region = "EU";
    std::ostringstream out;
    RequireOk(NodeCommands::Init(o, out));
    public_key_ = out.str();
  }

  // Runs `cen-node submit` on `ndjson` given on standard input.
  Status Submit(const std::string& ndjson, bool lower_handling = false) {
    SubmitOptions o;
    o.data_dir = data_dir_;
    o.lower_handling = lower_handling;
    std::istringstream in(ndjson);
    out_.str("");
    err_.str("");
    return NodeCommands::Submit(o, in, out_, err_);
  }

  int64_t OutboxSize() {
    auto db = NodeSchema::Open(data_dir_, Database::Mode::kReadOnly);
    REQUIRE(db.ok());
    Outbox outbox(&*db);
    auto n = outbox.Size();
    REQUIRE(n.ok());
    return *n;
  }

  std::vector<std::string> OutLines() const {
    std::vector<std::string> lines;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  TempDir& tmp() { return tmp_; }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& hub_key() const { return hub_key_; }
  const std::string& public_key() const { return public_key_; }
  std::string err() const { return err_.str(); }

 private:
  TempDir tmp_;
  std::string data_dir_;
  std::string hub_key_;
  std::string public_key_;
  std::ostringstream out_;
  std::ostringstream err_;
};

// One NDJSON line of a seizure as an office exports it, with `changes` applied.
std::string SeizureLine(const std::string& ref, const json& changes = json::object()) {
  json record = SampleSeizure(ref);
  record.update(changes);
  return record.dump() + "\n";
}

}  // namespace

TEST_CASE("cen-node submit queues valid records and prints their uuids", "[node][submit]") {
  TestNode node;
  RequireOk(node.Submit(SeizureLine("R1") + "\n" + SeizureLine("R2")));
  const auto uuids = node.OutLines();
  REQUIRE(uuids.size() == 2);
  for (const auto& u : uuids) CHECK(Uuid7::IsCanonical(u));
  CHECK(uuids[0] != uuids[1]);
  CHECK(node.err().empty());
  CHECK(node.OutboxSize() == 2);

  SECTION("submitting the same file again queues nothing new, same uuids") {
    RequireOk(node.Submit(SeizureLine("R1") + SeizureLine("R2")));
    CHECK(node.OutLines() == uuids);
    CHECK(node.OutboxSize() == 2);
  }
  SECTION("a changed record becomes an amendment of the same uuid") {
    RequireOk(node.Submit(SeizureLine("R1", {{"location", "Port of Le Havre"}})));
    REQUIRE(node.OutLines().size() == 1);
    CHECK(node.OutLines()[0] == uuids[0]);
    CHECK(node.OutboxSize() == 3);
  }
  SECTION("from a file with Windows line ends") {
    const std::string path = node.tmp().File("drop.ndjson");
    std::ofstream(path) << "{\"kind\":\"seizure\",\"ref\":\"R3\",\"seizure_date\":\"2026-03-14\","
                           "\"reporting_country\":\"FR\",\"commodity\":\"drugs\","
                           "\"description\":\"x\",\"quantity\":1,\"unit\":\"KGM\"}\r\n";
    SubmitOptions o;
    o.data_dir = node.data_dir();
    o.file = path;
    std::istringstream unused;
    std::ostringstream out;
    std::ostringstream err;
    RequireOk(NodeCommands::Submit(o, unused, out, err));
    CHECK(node.OutboxSize() == 3);
  }
}

TEST_CASE("cen-node submit explains a refused field in the reader's language",
          "[node][submit][messages]") {
  TestNode node;
  REQUIRE(cen::common::Messages::Use("fr").ok());
  const Status s = node.Submit(SeizureLine("R1", {{"quantity", -1}}));
  REQUIRE(cen::common::Messages::Use("en").ok());
  CHECK(s.code() == StatusCode::kInvalidInput);
  // The place and the field as always; the reason in French, not in English.
  CHECK_THAT(node.err(), Catch::Contains("<stdin>:1: quantity: "));
  CHECK_THAT(node.err(), !Catch::Contains("must be a number greater than 0"));
  CHECK_THAT(node.err(), Catch::Contains("0"));
  CHECK(node.OutboxSize() == 0);
}

TEST_CASE("cen-node submit says why it cannot read a file", "[node][submit]") {
  // "cannot read X" gave no reason, and a directory was "X: no records".
  TestNode node;
  std::ostringstream out, err;
  std::istringstream in;
  SubmitOptions o;
  o.data_dir = node.data_dir();
  o.file = node.data_dir() + "/missing.ndjson";
  const Status missing = NodeCommands::Submit(o, in, out, err);
  CHECK(missing.code() == StatusCode::kNotFound);
  CHECK(missing.message() == "cannot read " + o.file + ": No such file or directory");
  o.file = node.data_dir();
  const Status directory = NodeCommands::Submit(o, in, out, err);
  CHECK(directory.message() == "cannot read " + o.file + ": Is a directory");
  CHECK(node.OutboxSize() == 0);
}

TEST_CASE("cen-node submit refuses an invalid line and queues nothing", "[node][submit]") {
  TestNode node;

  SECTION("a field that breaks a rule") {
    const Status s = node.Submit(SeizureLine("R1") + SeizureLine("R2", {{"unit", "XYZ"}}));
    CHECK(s.code() == StatusCode::kInvalidInput);
    CHECK(s.ExitCode() == 2);
    CHECK_THAT(node.err(), Catch::Contains("<stdin>:2: unit:"));
    CHECK_THAT(s.message(), Catch::Contains("nothing was queued"));
    CHECK(node.OutboxSize() == 0);
    CHECK(node.OutLines().empty());
  }
  SECTION("a line that is not JSON") {
    const Status s = node.Submit(SeizureLine("R1") + "{\"kind\": \"seizure\",\n");
    CHECK(s.code() == StatusCode::kInvalidInput);
    CHECK_THAT(node.err(), Catch::Contains("<stdin>:2:"));
    CHECK(node.OutboxSize() == 0);
  }
  SECTION("every bad line is reported, with blank lines counted") {
    const Status s = node.Submit("\n" + SeizureLine("R1", {{"quantity", -1}}) + "\n" +
                                 SeizureLine("R2", {{"version", 3}}));
    CHECK(s.code() == StatusCode::kInvalidInput);
    CHECK_THAT(node.err(), Catch::Contains("<stdin>:2: quantity:"));
    CHECK_THAT(node.err(), Catch::Contains("<stdin>:4: version:"));
    CHECK(node.OutboxSize() == 0);
  }
  SECTION("a uuid that contradicts the ref's, found when queueing") {
    RequireOk(node.Submit(SeizureLine("R1")));
    REQUIRE(node.OutboxSize() == 1);
    const Status s =
        node.Submit(SeizureLine("R7") + "\n" + SeizureLine("R1", {{"uuid", Uuid7::Generate()}}));
    CHECK(s.code() == StatusCode::kInvalidInput);
    CHECK_THAT(node.err(), Catch::Contains("<stdin>:3: uuid:"));
    CHECK(node.OutboxSize() == 1);  // R7 was not queued either
    CHECK(node.OutLines().empty());
  }
  SECTION("a record larger than the hub takes") {
    // It was queued, then closed the connection at every send (no ERROR
    // from the hub): that record and the outbox behind it never went out.
    json alert = cen::test::SampleAlert("BIG");
    alert["indicators"] = {{"companies", json::array()}};
    for (int i = 0; i < 30000; ++i)
      alert["indicators"]["companies"].push_back("Compañía de Transportes Marítimos del Pacífico " +
                                                 std::string(100, 'x') + std::to_string(i));
    const Status s = node.Submit(SeizureLine("R1") + alert.dump() + "\n");
    CHECK(s.code() == StatusCode::kInvalidInput);
    CHECK_THAT(node.err(), Catch::Contains("<stdin>:2: (record): 4,") &&
                               Catch::Contains("bytes encoded; the hub takes at most 4 MiB "
                                               "(4,194,304 bytes) a record: split it"));
    CHECK(node.OutboxSize() == 0);
  }
  SECTION("an array longer than the protocol takes") {
    json alert = cen::test::SampleAlert("LONG");
    alert["indicators"] = {{"hs_codes", json::array()}};
    for (int i = 0; i < 100001; ++i) alert["indicators"]["hs_codes"].push_back("293972");
    const Status s = node.Submit(alert.dump() + "\n");
    CHECK(s.code() == StatusCode::kInvalidInput);
    // It said "malformed msgpack: array size overflow" of a JSON line.
    CHECK_THAT(node.err(), Catch::Contains("<stdin>:1: ") &&
                               Catch::Contains("an array of more than 100,000 elements") &&
                               !Catch::Contains("msgpack"));
    CHECK(node.OutboxSize() == 0);
  }
  SECTION("nothing to submit") {
    const Status s = node.Submit("\n   \n");
    CHECK(s.code() == StatusCode::kInvalidInput);
    CHECK(node.OutboxSize() == 0);
  }
}

TEST_CASE("cen-node submit refuses an update or cancel of an alert that is not the office's own",
          "[node][submit]") {
  // They were queued, refused by the hub, and only cen-node status said so
  // afterwards (user trial).
  TestNode node;
  const std::string theirs = Uuid7::Generate();
  {
    auto db = NodeSchema::Open(node.data_dir(), Database::Mode::kReadWrite);
    REQUIRE(db.ok());
    cen::node::Replica replica(&*db);
    RequireOk(replica.Load());
    json alert = cen::test::AsStored(cen::test::WireAlert("N1-A", theirs), 1);
    alert["msg_type"] = "alert";
    RequireOk(replica.Apply(cen::test::Packed({alert}), 1));
  }
  const auto change = [](const std::string& ref, const std::string& type, const std::string& of) {
    json record = cen::test::SampleAlert(ref);
    record["msg_type"] = type;
    record["references"] = {of};
    return record.dump() + "\n";
  };
  Status s = node.Submit(change("C-1", "cancel", theirs));
  CHECK(s.code() == StatusCode::kInvalidInput);
  CHECK_THAT(node.err(), Catch::Contains("<stdin>:1: references[0]: " + theirs +
                                         " is an alert of node n1; only its origin updates or "
                                         "cancels it"));
  CHECK(node.OutboxSize() == 0);
  // Its own alert: queued. One it does not hold is left to the hub (a node
  // set up again may cancel its alert while its replica catches up).
  RequireOk(node.Submit(cen::test::SampleAlert("MINE").dump() + "\n"));
  const std::string mine = node.OutLines().at(0);
  RequireOk(node.Submit(change("MINE-C", "cancel", mine)));
  RequireOk(node.Submit(change("U-1", "update", Uuid7::Generate())));
  CHECK(node.OutboxSize() == 3);
}

TEST_CASE("cen-node submit refuses an integer beyond 64 bits and a line that is no object",
          "[node][submit]") {
  TestNode node;
  const std::string lines = R"({"info_eval":18446744073709551620,)" + SeizureLine("R1").substr(1) +
                            R"(["not", "an", "object"])" + "\n";
  Status s = node.Submit(lines);
  CHECK(s.code() == cen::common::StatusCode::kInvalidInput);
  CHECK_THAT(node.err(), Catch::Contains("<stdin>:1: info_eval: an integer beyond the signed "
                                         "64-bit range"));
  CHECK_THAT(node.err(), Catch::Contains("<stdin>:2: (record): must be a JSON object"));
  CHECK(node.OutboxSize() == 0);
}

TEST_CASE("cen-node submit names the file of a drop", "[node][submit]") {
  TestNode node;
  const std::string path = node.tmp().File("export.ndjson");
  std::ofstream(path) << SeizureLine("R1") << SeizureLine("R2", {{"commodity", "gold bars"}});
  SubmitOptions o;
  o.data_dir = node.data_dir();
  o.file = path;
  std::istringstream unused;
  std::ostringstream out;
  std::ostringstream err;
  const Status s = NodeCommands::Submit(o, unused, out, err);
  CHECK(s.code() == StatusCode::kInvalidInput);
  CHECK_THAT(err.str(), Catch::Contains(path + ":2: commodity:"));
  CHECK(node.OutboxSize() == 0);

  SECTION("a file that does not exist") {
    o.file = node.tmp().File("missing.ndjson");
    CHECK(NodeCommands::Submit(o, unused, out, err).code() == StatusCode::kNotFound);
  }
}

TEST_CASE("cen-node init makes a node data directory", "[node][commands]") {
  TestNode node;
  auto config = NodeConfig::Load(node.data_dir());
  REQUIRE(config.ok());
  CHECK(config->node_id == "rilo-weu");
  CHECK(config->hub_endpoint == "tcp://127.0.0.1:7701");
  CHECK(config->hub_key == node.hub_key());
  CHECK(config->region == "EU");
  CHECK(config->FeedEndpoint(7702) == "tcp://127.0.0.1:7702");

  auto keys = CurveKeys::Load(node.data_dir());
  REQUIRE(keys.ok());
  CHECK(node.public_key() == keys->public_key() + "\n");
  // Case data for the node's user alone (SQLite made them 0644).
  for (const char* file : {"node.db", "text.db"}) {
    INFO(file);
    const auto mode = std::filesystem::status(node.data_dir() + "/" + file).permissions();
    CHECK((mode & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
          std::filesystem::perms::none);
  }

  SECTION("a second init refuses to overwrite the node") {
    NodeInitOptions o;
    o.data_dir = node.data_dir();
    o.node_id = "rilo-weu";
    o.hub_endpoint = "tcp://127.0.0.1:7701";
    o.hub_key = node.hub_key();
    std::ostringstream out;
    CHECK(NodeCommands::Init(o, out).code() == StatusCode::kAlreadyExists);
  }
  SECTION("bad options are usage errors") {
    struct NodeCommandsCase {
      const char* name;
      NodeInitOptions options;
    };
    TempDir tmp;
    NodeInitOptions good;
    good.data_dir = tmp.File("n");
    good.node_id = "n1";
    good.hub_endpoint = "tcp://hub.example:7701";
    good.hub_key = node.hub_key();
    NodeInitOptions bad_id = good;
    bad_id.node_id = "n 1";
    NodeInitOptions bad_endpoint = good;
    bad_endpoint.hub_endpoint = "hub.example:7701";
    NodeInitOptions no_port = good;
    no_port.hub_endpoint = "tcp://hub.example";
    NodeInitOptions bad_key = good;
    bad_key.hub_key = "junk";
    NodeInitOptions bad_region = good;
    bad_region.region = "E/U";
    // A trial: init --id hub-operator exited 0; the hub refused it only at allow.
    NodeInitOptions operator_id = good;
    operator_id.node_id = "Hub-Operator";
    const NodeCommandsCase cases[] = {{"id", bad_id},
                                      {"the hub operator's id", operator_id},
                                      {"endpoint without tcp://", bad_endpoint},
                                      {"endpoint without port", no_port},
                                      {"hub key", bad_key},
                                      {"region", bad_region}};
    for (const auto& c : cases) {
      INFO(c.name);
      std::ostringstream out;
      CHECK(NodeCommands::Init(c.options, out).code() == StatusCode::kUsage);
      CHECK_FALSE(std::filesystem::exists(c.options.data_dir));
    }
  }
}

TEST_CASE("cen-node status says how many records the full-text index has not reached",
          "[node][commands]") {
  TestNode node;
  {
    auto db = NodeSchema::Open(node.data_dir(), Database::Mode::kReadWrite);
    REQUIRE(db.ok());
    cen::node::Replica replica(&*db);
    RequireOk(replica.Load());
    std::vector<json> records;
    for (int g = 1; g <= 3; ++g)
      records.push_back(cen::test::AsStored(
          cen::test::WireSeizure("R" + std::to_string(g), Uuid7::Generate()), g));
    RequireOk(replica.Apply(cen::test::Packed(records), 3));
  }
  cen::node::NodeStatusOptions o;
  o.data_dir = node.data_dir();
  o.json = true;
  auto status = [&] {
    std::ostringstream out;
    RequireOk(NodeCommands::Status(o, out));
    return out.str();
  };
  json before = json::parse(status());
  CHECK(before["text_behind"] == 3);
  CHECK(before["text_indexed_to"] == 0);
  o.json = false;
  CHECK_THAT(status(), Catch::Contains("3 record(s) not in the full-text index yet"));

  auto indexer = cen::node::TextIndexer::Open(node.data_dir());
  REQUIRE(indexer.ok());
  RequireOk((*indexer)->IndexAll());
  CHECK_THAT(status(), !Catch::Contains("full-text"));
  o.json = true;
  json after = json::parse(status());
  CHECK(after["text_behind"] == 0);
  CHECK(after["text_indexed_to"] == 3);
}

TEST_CASE("cen-node status lists the records the hub refused, with its reasons, until corrected",
          "[node][commands]") {
  // They were a count; the reason was in the agent's log alone.
  TestNode node;
  RequireOk(node.Submit(SeizureLine("R1") + SeizureLine("R2")));
  std::vector<std::string> uuids = node.OutLines();
  REQUIRE(uuids.size() == 2);
  {
    auto db = NodeSchema::Open(node.data_dir(), Database::Mode::kReadWrite);
    REQUIRE(db.ok());
    cen::node::Outbox outbox(&*db);
    RequireOk(
        outbox.Acknowledge({{uuids[0], 1, false, 0, "uuid: belongs to a record of node RILO-AF"},
                            {uuids[1], 1, true, 7, ""}}));
  }
  cen::node::NodeStatusOptions o;
  o.data_dir = node.data_dir();
  auto status = [&] {
    o.json = true;
    std::ostringstream out;
    RequireOk(NodeCommands::Status(o, out));
    return json::parse(out.str());
  };
  json s = status();
  CHECK(s["rejected"] == 1);
  REQUIRE(s["rejected_uncorrected"].size() == 1);
  CHECK(s["rejected_uncorrected"][0]["ref"] == "R1");
  CHECK(s["rejected_uncorrected"][0]["uuid"] == uuids[0]);
  CHECK(s["rejected_uncorrected"][0]["reason"] == "uuid: belongs to a record of node RILO-AF");
  o.json = false;
  std::ostringstream text;
  RequireOk(NodeCommands::Status(o, text));
  CHECK_THAT(text.str(), Catch::Contains("seizure R1 v1 (" + uuids[0] +
                                         "): uuid: belongs to a record of node RILO-AF"));

  // Corrected (a new version of R1 queued): no longer listed, still counted.
  RequireOk(node.Submit(SeizureLine("R1", {{"quantity", 3}})));
  s = status();
  CHECK(s["rejected"] == 1);
  CHECK(s["rejected_uncorrected"].empty());

  SECTION("a RILO's refused decision is corrected by a later decision on the same record") {
    // A trial: an acceptance of an out-of-date version, refused, stayed
    // listed after the next version was accepted (each decision has a ref of
    // its own, so no later version of that ref ever came).
    const std::string record = cen::common::Uuid7::Generate();
    auto decision = [&](int64_t version) {
      return json{{"kind", "decision"},
                  {"ref", "accept:" + record + ":" + std::to_string(version)},
                  {"scope", "nodes:NCP-FR"},
                  {"decision", "accept"},
                  {"record", record},
                  {"record_version", version},
                  {"decided_at", "2026-12-06T10:00:00.000Z"}};
    };
    auto db = NodeSchema::Open(node.data_dir(), Database::Mode::kReadWrite);
    REQUIRE(db.ok());
    cen::node::Outbox outbox(&*db);
    auto first = outbox.Enqueue({decision(1)}, {"first"});
    REQUIRE(first.ok());
    RequireOk(
        outbox.Acknowledge({{(*first)[0].uuid, 1, false, 0,
                             "record_version: 1 is not the latest (2): decide on the latest"}}));
    s = status();
    REQUIRE(s["rejected_uncorrected"].size() == 1);
    CHECK(s["rejected_uncorrected"][0]["kind"] == "decision");
    RequireOk(outbox.Enqueue({decision(2)}, {"second"}).status());
    s = status();
    CHECK(s["rejected_uncorrected"].empty());
  }
}

TEST_CASE("cen-node status reports the outbox and whether an agent runs", "[node][commands]") {
  TestNode node;
  RequireOk(node.Submit(SeizureLine("R1")));
  cen::node::NodeStatusOptions o;
  o.data_dir = node.data_dir();
  o.json = true;

  std::ostringstream out;
  RequireOk(NodeCommands::Status(o, out));
  json status = json::parse(out.str());
  CHECK(status["id"] == "rilo-weu");
  CHECK(status["outbox"] == 1);
  CHECK(status["agent_running"] == false);
  CHECK(status["hub_state"] == "stopped");
  CHECK(status["replica_gseq"] == 0);
  {
    // In words it said only "hub tcp://... (stopped)": an operator went to
    // restart the hub. And "gseq 0 of 0" before any hub was heard of.
    cen::node::NodeStatusOptions words = o;
    words.json = false;
    std::ostringstream text;
    RequireOk(NodeCommands::Status(words, text));
    CHECK_THAT(text.str(), Catch::Contains("agent       not running: nothing is sent or "
                                           "received; start it with cen-node run --data " +
                                           node.data_dir()));
    CHECK_THAT(text.str(), !Catch::Contains("(stopped)"));
    CHECK_THAT(text.str(), Catch::Contains("gseq 0 (the hub's head is not known yet)"));
  }

  // An agent holds the lock and said it is connected.
  auto lock =
      cen::common::InstanceLock::Acquire(node.data_dir(), cen::common::InstanceLock::kAgent);
  REQUIRE(lock.ok());
  {
    auto db = NodeSchema::Open(node.data_dir(), Database::Mode::kReadWrite);
    REQUIRE(db.ok());
    AgentStatus agent;
    agent.hub_state = cen::node::HubState::kConnected;
    agent.hub_head = 17;
    agent.detail = "";
    RequireOk(agent.Write(*db));
    auto back = AgentStatus::Read(*db);
    REQUIRE(back.ok());
    CHECK(*back == agent);
    CHECK_FALSE(back->updated_at.empty());
  }
  std::ostringstream running;
  RequireOk(NodeCommands::Status(o, running));
  status = json::parse(running.str());
  CHECK(status["agent_running"] == true);
  CHECK(status["hub_state"] == "connected");
  CHECK(status["hub_head"] == 17);

  SECTION("the text form") {
    o.json = false;
    std::ostringstream text;
    RequireOk(NodeCommands::Status(o, text));
    CHECK_THAT(text.str(), Catch::Contains("rilo-weu"));
    CHECK_THAT(text.str(), Catch::Contains("1 record(s) waiting"));
  }
  SECTION("connected to a hub that holds no record yet: its head is known, 0") {
    // "the hub's head is not known yet" stayed for as long as the network
    // was new.
    auto db = NodeSchema::Open(node.data_dir(), Database::Mode::kReadWrite);
    REQUIRE(db.ok());
    AgentStatus agent;
    agent.hub_state = cen::node::HubState::kConnected;
    agent.hub_head = 0;
    RequireOk(agent.Write(*db));
    o.json = false;
    std::ostringstream text;
    RequireOk(NodeCommands::Status(o, text));
    CHECK_THAT(text.str(), Catch::Contains("0 record(s), gseq 0 of 0"));
    CHECK_THAT(text.str(), !Catch::Contains("not known yet"));
  }
  SECTION("the text form in Russian, labels aligned by display width") {
    o.json = false;
    RequireOk(cen::common::Messages::Use("ru"));
    std::ostringstream text;
    const auto s = NodeCommands::Status(o, text);
    RequireOk(cen::common::Messages::Use("en"));
    RequireOk(s);
    CHECK_THAT(text.str(), Catch::Contains("хаб") && Catch::Contains("(подключён)") &&
                               Catch::Contains("записей ждут хаб: 1"));
    // Every value starts in the same display column (12), whatever the label.
    std::istringstream lines(text.str());
    for (std::string line; std::getline(lines, line);) {
      CAPTURE(line);
      // The label is one word; the value starts after the spaces that follow it.
      const size_t value = line.find_first_not_of(' ', line.find(' '));
      REQUIRE(value != std::string::npos);
      CHECK(cen::common::Utf8::DisplayWidth(std::string_view(line).substr(0, value)) == 12);
    }
  }
}

TEST_CASE("node.toml keeps a hub cluster's other members", "[node][config][cluster]") {
  TempDir tmp;
  NodeConfig written;
  written.node_id = "RILO-WE";
  written.hub_endpoint = "tcp://10.0.0.1:7701";
  written.hub_key = cen::test::NewKeys().public_key();
  written.other_hubs = {{"tcp://10.0.0.2:7701", cen::test::NewKeys().public_key()},
                        {"tcp://10.0.0.3:7701", cen::test::NewKeys().public_key()}};
  RequireOk(written.Save(tmp.path()));
  auto read = NodeConfig::Load(tmp.path());
  REQUIRE(read.ok());
  CHECK(read->other_hubs == written.other_hubs);

  SECTION("a member without its key is refused, naming it") {
    std::ofstream(tmp.File("node.toml"))
        << "node_id = 'n'\nhub = 'tcp://h:1'\nother_hubs = [{ hub = 'tcp://h:2' }]\n";
    auto bad = NodeConfig::Load(tmp.path());
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().code() == StatusCode::kInvalidInput);
    CHECK_THAT(bad.status().message(), Catch::Contains("other_hubs[0]"));
  }
}

// Load()'s error for a node.toml that sets `line` besides node_id and hub.
static cen::common::Status RefusedNodeToml(const TempDir& tmp, const std::string& line) {
  std::ofstream(tmp.File("node.toml")) << "node_id = 'n'\nhub = 'tcp://h:1'\n" << line << "\n";
  auto bad = NodeConfig::Load(tmp.path());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kInvalidInput);
  return bad.status();
}

TEST_CASE("node.toml bounds node.db's log in MiB, naming the field when it is wrong",
          "[node][config]") {
  TempDir tmp;
  NodeConfig written;
  written.node_id = "RILO-WE";
  written.hub_endpoint = "tcp://10.0.0.1:7701";
  CHECK(written.max_log_mib == 64);
  written.max_log_mib = 2;
  RequireOk(written.Save(tmp.path()));
  auto read = NodeConfig::Load(tmp.path());
  REQUIRE(read.ok());
  CHECK(read->max_log_mib == 2);

  std::string value;
  std::string message;
  SECTION("zero") {
    value = "0";
    message = "node.toml: max_log_mib: must be 1 to 65536 (MiB), got 0";
  }
  SECTION("a float") {
    value = "1.5";
    message = "node.toml: max_log_mib: must be an integer (MiB)";
  }
  CHECK_THAT(RefusedNodeToml(tmp, "max_log_mib = " + value).message(), Catch::Contains(message));
}

TEST_CASE("node.toml refuses a setting of the wrong type or range, naming it", "[node][config]") {
  // window = "big" was ignored silently; a port of 99999 left the agent
  // connecting for ever.
  TempDir tmp;
  CHECK_THAT(RefusedNodeToml(tmp, "window = 'big'").message(),
             Catch::Contains("node.toml: window: must be an integer from 1 to 1048576 (it is "
                             "\"big\")"));
  CHECK_THAT(RefusedNodeToml(tmp, "batch = 0").message(),
             Catch::Contains("batch: must be an integer from 1 to 1048576 (it is 0)"));
  CHECK_THAT(RefusedNodeToml(tmp, "region = 7").message(),
             Catch::Contains("region: must be text in quotes (it is 7)"));
  // Text without quotes: toml++ reads a misspelled boolean (a trial: "Error
  // while parsing boolean: expected 'true', saw 'tc'").
  std::ofstream(tmp.File("node.toml")) << "node_id = 'n'\nhub = tcp://h:7701\n";
  auto bare = NodeConfig::Load(tmp.path());
  CHECK_THAT(bare.status().message(),
             Catch::Contains("node.toml:2: ") &&
                 Catch::Contains("(a text value needs double quotes: hub = \"...\")"));
  std::ofstream(tmp.File("node.toml")) << "node_id = 'n'\nhub = 'tcp://h:99999'\n";
  auto port = NodeConfig::Load(tmp.path());
  CHECK_THAT(port.status().message(),
             Catch::Contains("hub: must be tcp://HOST:PORT with a port from 1 to 65535 (it is "
                             "'tcp://h:99999')"));
  // The agent's hub key: a wrong one is named as such, not as the endpoint.
  std::ofstream(tmp.File("node.toml")) << "node_id = 'n'\nhub = 'tcp://h:7701'\nhub_key = 'xyz'\n";
  auto loaded = NodeConfig::Load(tmp.path());
  REQUIRE(loaded.ok());
  CHECK_THAT(loaded->CheckHubKey(tmp.path()).message(),
             Catch::Contains("node.toml: hub_key: must be the hub's public key"));
}

TEST_CASE("node.toml refuses a misspelled setting, naming it and the settings there",
          "[node][config]") {
  // other_hub = [...] (a typo) and other_hubs = "tcp://..." (not a list) were
  // ignored: the office ran with no failover, silently (user trial).
  TempDir tmp;
  CHECK_THAT(RefusedNodeToml(tmp, "[[other_hub]]\nhub = 'tcp://h2:7701'").message(),
             Catch::Contains("node.toml: other_hub: not a setting (the settings here: node_id, "
                             "hub, hub_key,") &&
                 Catch::Contains("other_hubs)"));
  CHECK_THAT(RefusedNodeToml(tmp, "other_hubs = 'tcp://h2:7701'").message(),
             Catch::Contains("node.toml: other_hubs: must be [[other_hubs]] tables"));
  CHECK_THAT(RefusedNodeToml(tmp, "[[other_hubs]]\nhub = 'tcp://h2:7701'\nkey = 'k'").message(),
             Catch::Contains("node.toml: other_hubs[0]: key: not a setting (the settings here: "
                             "hub, hub_key)"));
}

TEST_CASE("NodeConfig and NodeSchema report a directory that is not a node's", "[node][config]") {
  TempDir tmp;
  SECTION("no node.toml") {
    auto c = NodeConfig::Load(tmp.path());
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() == StatusCode::kNotFound);
    CHECK_THAT(c.status().message(), Catch::Contains("cen-node init"));
  }
  SECTION("node.toml without node_id") {
    std::ofstream(tmp.File("node.toml")) << "hub = 'tcp://h:1'\n";
    auto c = NodeConfig::Load(tmp.path());
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() == StatusCode::kInvalidInput);
    CHECK_THAT(c.status().message(), Catch::Contains("node_id"));
  }
  SECTION("node.toml with a window of 0") {
    std::ofstream(tmp.File("node.toml")) << "node_id = 'n'\nhub = 'tcp://h:1'\nwindow = 0\n";
    auto c = NodeConfig::Load(tmp.path());
    REQUIRE_FALSE(c.ok());
    CHECK_THAT(c.status().message(), Catch::Contains("window"));
  }
  SECTION("no data directory") {
    auto db = NodeSchema::Open(tmp.File("nope"), Database::Mode::kReadOnly);
    REQUIRE_FALSE(db.ok());
    CHECK(db.status().code() == StatusCode::kNotFound);
    CHECK_THAT(db.status().message(), Catch::Contains(tmp.File("nope")));
  }
  SECTION("a SQLite file that is not a node database") {
    {
      auto other = Database::Open(NodeSchema::DbPath(tmp.path()), Database::Mode::kReadWriteCreate);
      REQUIRE(other.ok());
      RequireOk(other->Exec("CREATE TABLE x(y)"));
    }
    auto db = NodeSchema::Open(tmp.path(), Database::Mode::kReadWrite);
    REQUIRE_FALSE(db.ok());
    CHECK(db.status().code() == StatusCode::kCorruption);
  }
}

TEST_CASE("The agent's hub link state is stored by name and read back", "[node][status]") {
  using cen::node::HubState;
  for (const HubState s :
       {HubState::kStopped, HubState::kConnecting, HubState::kConnected, HubState::kUnauthorized}) {
    CHECK(cen::node::HubStateNamed(cen::node::NameOf(s)) == s);
  }
  CHECK(cen::node::NameOf(HubState::kUnauthorized) == "unauthorized");
  // A state only a newer agent knows reads as stopped.
  CHECK(cen::node::HubStateNamed("draining") == HubState::kStopped);
}

TEST_CASE("node.toml sets the urgent lane's real-time priority, naming the field when it is wrong",
          "[node][config]") {
  TempDir tmp;
  NodeConfig written;
  written.node_id = "RILO-WE";
  written.hub_endpoint = "tcp://10.0.0.1:7701";
  CHECK(written.rt_priority == 1);
  written.rt_priority = 0;
  RequireOk(written.Save(tmp.path()));
  auto read = NodeConfig::Load(tmp.path());
  REQUIRE(read.ok());
  CHECK(read->rt_priority == 0);

  std::string value;
  std::string message;
  SECTION("beyond Linux's range") {
    value = "100";
    message = "node.toml: rt_priority: must be an integer from 0 (none) to 99, got 100";
  }
  SECTION("negative") {
    value = "-1";
    message = "node.toml: rt_priority: must be an integer from 0 (none) to 99, got -1";
  }
  SECTION("a word") {
    value = "'high'";
    message = "node.toml: rt_priority: must be an integer from 0 (none) to 99";
  }
  CHECK_THAT(RefusedNodeToml(tmp, "rt_priority = " + value).message(), Catch::Contains(message));
}

TEST_CASE("cen-node drop leaves copying its log into node.db to a running agent", "[node][drop]") {
  TestNode node;
  // 12,000 rows of 1.5 KB: a log past SQLite's automatic checkpoint (1,000
  // pages of 16 KiB), which node.db grows by when it is copied.
  std::string description;
  for (int i = 0; i < 30; ++i) description += "Cocaine in banana boxes at the port of Le Havre; ";
  std::string csv = "kind,ref,seizure_date,reporting_country,commodity,description,quantity,unit\n";
  for (int i = 0; i < 12000; ++i) {
    csv += "seizure,FR-" + std::to_string(i) + ",2026-03-14,FR,drugs," + description +
           "found,12.5,KGM\n";
  }
  const std::string file = node.tmp().File("export.csv");
  std::ofstream(file) << csv;
  const std::string db_path = NodeSchema::DbPath(node.data_dir());
  // An open connection, as a running agent holds: the drop's is then not
  // the last to close (which would copy the log whoever runs).
  auto open = NodeSchema::Open(node.data_dir(), Database::Mode::kReadOnly);
  RequireOk(open.status());
  const auto size_before = std::filesystem::file_size(db_path);

  DropOptions o;
  o.data_dir = node.data_dir();
  o.files = {file};
  std::ostringstream out;
  std::ostringstream err;
  SECTION("with the agent running, the drop ends once its log is durable") {
    auto agent =
        cen::common::InstanceLock::Acquire(node.data_dir(), cen::common::InstanceLock::kAgent);
    RequireOk(agent.status());
    RequireOk(NodeCommands::Drop(o, std::cin, out, err));
    CHECK(std::filesystem::file_size(db_path) == size_before);
    CHECK(std::filesystem::file_size(db_path + "-wal") > 16 * 1048576);
  }
  SECTION("a second drop beside the agent starts the log again, not after the first's") {
    auto agent =
        cen::common::InstanceLock::Acquire(node.data_dir(), cen::common::InstanceLock::kAgent);
    RequireOk(agent.status());
    RequireOk(NodeCommands::Drop(o, std::cin, out, err));
    const auto first_log = std::filesystem::file_size(db_path + "-wal");
    std::string second = csv;  // the same rows as new versions
    for (size_t at = second.find(",12.5,"); at != std::string::npos;
         at = second.find(",12.5,", at + 1)) {
      second.replace(at, 6, ",13.5,");
    }
    const std::string file2 = node.tmp().File("export2.csv");
    std::ofstream(file2) << second;
    o.files = {file2};
    RequireOk(NodeCommands::Drop(o, std::cin, out, err));
    // No checkpointer ran here: the second drop copied the first's log
    // itself before it began, instead of piling its own onto it.
    CHECK(std::filesystem::file_size(db_path + "-wal") < first_log * 3 / 2);
    CHECK(std::filesystem::file_size(db_path) > size_before + 16 * 1048576);
  }
  SECTION("with no agent, the drop copies its log itself") {
    RequireOk(NodeCommands::Drop(o, std::cin, out, err));
    CHECK(std::filesystem::file_size(db_path) > size_before + 16 * 1048576);
  }
  // Either way every row is queued and readable.
  auto queued = open->QueryInt("SELECT count(DISTINCT ref) FROM own_records");
  RequireOk(queued.status());
  CHECK(**queued == 12000);
}

TEST_CASE("cen-node submit refuses an amendment lowering a record's handling unless asked",
          "[node][commands]") {
  TestNode node;
  json h2 = SampleSeizure("FR-H2");
  h2["handling"] = "H2";
  RequireOk(node.Submit(h2.dump() + "\n"));
  json lower = SampleSeizure("FR-H2");
  lower["quantity"] = 99;  // handling left out: H0
  const Status refused = node.Submit(lower.dump() + "\n");
  CHECK(refused.code() == cen::common::StatusCode::kInvalidInput);
  CHECK_THAT(node.err(), Catch::Contains("handling: H0 would lower FR-H2 from H2 (version 1)"));
  CHECK(node.OutboxSize() == 1);
  RequireOk(node.Submit(lower.dump() + "\n", /*lower_handling=*/true));
  CHECK(node.OutboxSize() == 2);
}

TEST_CASE("cen-node drop --partial of standard input is refused before anything is read",
          "[node][drop]") {
  // A trial: it printed "<stdin>: 0 rows: 0 valid, 0 rejected; nothing
  // imported", then the error (or, without --format, another one).
  TestNode node;
  DropOptions o;
  o.data_dir = node.data_dir();
  o.files = {"-"};
  o.partial = true;
  std::istringstream in("kind,ref\nseizure,FR-1\n");
  std::ostringstream out;
  std::ostringstream err;
  const cen::common::Status s = NodeCommands::Drop(o, in, out, err);
  CHECK(s.ExitCode() == 2);
  CHECK_THAT(s.message(), Catch::Contains("--partial needs a file, not standard input"));
  CHECK(out.str().empty());
  CHECK(err.str().empty());
  CHECK(in.tellg() == 0);  // nothing read
}
