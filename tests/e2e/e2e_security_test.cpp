// Hardening seen from outside: revocation, spoofed origin, hostile frames from
// a raw ZeroMQ socket, unknown and plaintext clients, the hash chain under
// tampering, secret key files, and a node replacing its key.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/curve_keys.h"
#include "common/msgpack_json.h"
#include "common/sqlite_db.h"
#include "common/uuid7.h"
#include "common/wire_frame.h"
#include "tests/e2e/cluster.h"
#include "tests/e2e/raw_client.h"
#include "tests/e2e/records.h"

namespace cen::e2e {
namespace {

using common::WireFrame;
using nlohmann::json;
namespace frame = common::frame;
using namespace std::chrono_literals;

// A msgpack value nested `depth` arrays deep inside a HELLO map.
std::string Nested(int depth) {
  std::string bytes = "\x82\xa1t\xa5HELLO\xa1x";
  bytes.append(static_cast<size_t>(depth), '\x91');
  bytes.push_back('\x01');
  return bytes;
}

void RequireExit(const RunResult& r, int code) {
  INFO("$ " << r.command << "\nstdout:\n" << r.out << "stderr:\n" << r.err);
  REQUIRE(r.exit_code == code);
}

}  // namespace

TEST_CASE("A revoked node is cut off at once: nothing more reaches it, its PUBLISH is refused",
          "[e2e][security][revoke]") {
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}, {"AS", "AS"}});
  cluster.StartAll();
  AcceptedRecords accepted;
  cluster.Submit("EU", MakeRecords("EU", 0, 20), accepted);
  cluster.WaitForConvergence(accepted, cluster.node_ids(), 60s);
  // EU's alerts among them were receipted by AF and AS: all journaled now.
  const std::int64_t head_at_revoke = cluster.HubQuery("SELECT max(gseq) FROM journal");
  const std::int64_t receipts_of_as =
      cluster.HubQuery("SELECT count(*) FROM journal WHERE origin = 'AS'");

  // Revoked while its agent is connected, with its feed subscribed.
  const RunResult revoke =
      cluster.RunHub({"revoke", "--data", cluster.hub_dir().string(), "--node", "AS"});
  RequireExit(revoke, 0);
  // Its open connection is refused from its next frame (a PING within a second).
  cluster.WaitForHubState("AS", "unauthorized", 30s);

  // The hub dropped every feed connection to cut AS off; the others come
  // back on the feed (not only through FETCH): their agents subscribe anew.
  cluster.WaitUntil(
      [&](std::string& observed) {
        const std::int64_t eu = cluster.HubQuery(
            "SELECT count(*) FROM audit WHERE event = 'subscribe' AND node = 'EU' AND detail = "
            "'granted N:EU/'");
        const std::int64_t af = cluster.HubQuery(
            "SELECT count(*) FROM audit WHERE event = 'subscribe' AND node = 'AF' AND detail = "
            "'granted N:AF/'");
        observed = "feed grants: EU " + std::to_string(eu) + ", AF " + std::to_string(af);
        return eu >= 2 && af >= 2;
      },
      30s, "EU and AF subscribed to the feed again after it was reopened");

  // Records of others after the revocation, and AS's own attempt to publish.
  cluster.Submit("EU", MakeRecords("EU", 100, 20), accepted);
  cluster.Submit("AF", MakeRecords("AF", 0, 10), accepted);
  cluster.Submit("AS", MakeRecords("AS", 0, 5));
  cluster.WaitForConvergence(accepted, {"EU", "AF"}, 60s);
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed =
            "refused frames of AS in the audit: " +
            std::to_string(cluster.HubQuery(
                "SELECT count(*) FROM audit WHERE node = 'AS' AND event = "
                "'refused_frame' AND detail LIKE 'unauthorized: node AS has been revoked%'"));
        return observed.back() != '0';
      },
      30s, "the refusals of AS's frames audited");

  const auto as_status = cluster.Status("AS");
  INFO(as_status.dump());
  CHECK(as_status.value("records", -1) == 20);  // nothing after the revocation
  CHECK(as_status.value("replica_gseq", -1) == head_at_revoke);
  CHECK(as_status.value("outbox", -1) == 5);  // never acked
  CHECK(cluster.Query("AS").size() == 20);
  CHECK(cluster.HubQuery("SELECT count(*) FROM journal WHERE origin = 'AS'") == receipts_of_as);
  CHECK(cluster.HubQuery(
            "SELECT count(*) FROM journal WHERE origin = 'AS' AND kind != 'receipt'") == 0);
  CHECK(cluster.HubQuery("SELECT count(*) FROM journal WHERE kind != 'receipt'") == 50);

  // A new handshake with its key is refused, and audited.
  RawClient again =
      RawClient::Curve(cluster.ingest_endpoint(), cluster.hub_key(), cluster.node_keys("AS"));
  CHECK(TypeOf(again.Hello(1500ms)) == "(no reply)");
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed = std::to_string(cluster.HubQuery(
            "SELECT count(*) FROM audit WHERE event = 'auth_failure' AND node = 'AS'"));
        return observed != "0";
      },
      30s, "the refused handshake of AS audited");
  CHECK(cluster.HubQuery("SELECT count(*) FROM nodes WHERE id = 'AS' AND revoked_at IS NOT NULL") ==
        1);
  // Each of its frames got an ERROR; its log says so once a minute, not
  // once a frame (it held nothing else).
  const std::string log = cluster.NodeLog("AS");
  std::size_t said = 0;
  for (std::size_t at = log.find("hub error: unauthorized"); at != std::string::npos;
       at = log.find("hub error: unauthorized", at + 1))
    ++said;
  CHECK(said == 1);
}

TEST_CASE("The hub takes a record's origin from the key, never from the payload",
          "[e2e][security][identity]") {
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}});
  cluster.StartHub();
  RawClient eu =
      RawClient::Curve(cluster.ingest_endpoint(), cluster.hub_key(), cluster.node_keys("EU"));
  RawClient af =
      RawClient::Curve(cluster.ingest_endpoint(), cluster.hub_key(), cluster.node_keys("AF"));
  REQUIRE(TypeOf(eu.Hello()) == "WELCOME");
  REQUIRE(TypeOf(af.Hello()) == "WELCOME");

  // EU claims to be AF.
  json spoofed = WireRecord("SPOOF-1", common::Uuid7::Generate());
  spoofed["origin"] = "AF";
  eu.Send(Publish({spoofed}));
  auto ack = eu.Receive();
  REQUIRE(TypeOf(ack) == "ACK");
  CHECK((*ack)["acks"][0]["status"] == "NEW");
  CHECK(cluster.HubQuery("SELECT count(*) FROM journal WHERE ref = 'SPOOF-1' AND origin = 'EU'") ==
        1);

  // EU amends a record of AF: refused.
  const std::string af_uuid = common::Uuid7::Generate();
  af.Send(Publish({WireRecord("AF-1", af_uuid)}));
  REQUIRE(TypeOf(af.Receive()) == "ACK");
  eu.Send(Publish({WireRecord("AF-1", af_uuid, 2)}));
  ack = eu.Receive();
  REQUIRE(TypeOf(ack) == "ACK");
  CHECK((*ack)["acks"][0]["status"] == "REJECTED");
  CHECK_THAT((*ack)["acks"][0]["reason"].get<std::string>(),
             Catch::Contains("only the origin node amends"));
  CHECK(cluster.HubQuery("SELECT count(*) FROM journal WHERE kind != 'receipt'") == 2);
}

TEST_CASE(
    "Hostile frames from a registered key get ERROR and an audit entry, and the link survives",
    "[e2e][security][hostile]") {
  Cluster cluster({NodeSpec{"EU", "EU"}});
  cluster.StartHub();
  RawClient client =
      RawClient::Curve(cluster.ingest_endpoint(), cluster.hub_key(), cluster.node_keys("EU"));
  REQUIRE(TypeOf(client.Hello()) == "WELCOME");

  json wide = {{"t", "HELLO"}};
  for (int i = 0; i < 2000; ++i) wide["k" + std::to_string(i)] = i;
  struct Case {
    const char* name;
    std::string bytes;
  };
  const Case cases[] = {
      {"garbage", std::string("\xc1\xff\x00\x13 garbage", 11)},
      {"truncated", Publish({WireRecord("T-1", common::Uuid7::Generate())}).substr(0, 40)},
      {"not a map", WireFrame::Encode(json::array({"HELLO"}))},
      {"no type", WireFrame::Encode({{"proto", 1}})},
      {"type not a string", WireFrame::Encode({{"t", 7}})},
      {"unknown type", WireFrame::Encode({{"t", "DROP TABLE"}})},
      {"nested 40 deep", Nested(40)},
      {"nested 100000 deep", Nested(100000)},
      {"map of 2000 keys", WireFrame::Encode(wide)},
      {"string over 1 MiB", WireFrame::Encode({{"t", "PING"}, {"x", std::string(1100000, 'a')}})},
      {"binary value", std::string("\x82\xa1t\xa4PING\xa1x\xc4\x02\x00\x01", 13)},
      {"records not an array", WireFrame::Encode({{"t", "PUBLISH"}, {"records", "all"}})},
      {"FETCH with text", WireFrame::Encode({{"t", "FETCH"}, {"from", "1"}, {"max", 9}})},
      // Integers beyond int64 are refused, never wrapped (PROTOCOL.md section 4).
      {"FETCH id 2^63+5",
       WireFrame::Encode(
           {{"t", "FETCH"}, {"from", 1}, {"max", 9}, {"id", (uint64_t{1} << 63) + 5}})},
      {"version 2^63",
       [] {
         json r = WireRecord("BIG-1", common::Uuid7::Generate());
         r["version"] = uint64_t{1} << 63;
         return Publish({r});
       }()},
      {"HELLO replica_gseq -1",
       WireFrame::Encode({{"t", "HELLO"}, {"proto", 1}, {"replica_gseq", -1}, {"outbox", 0}})},
      {"PING outbox -5", WireFrame::Encode({{"t", "PING"}, {"replica_gseq", 0}, {"outbox", -5}})},
      {"PING replica_gseq text", WireFrame::Encode({{"t", "PING"}, {"replica_gseq", "7"}})},
      {"empty", std::string()},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    client.Send(c.bytes);
    const auto reply = client.Receive();
    REQUIRE(TypeOf(reply) == "ERROR");
    CHECK((*reply)["code"] == "bad_frame");
  }
  REQUIRE(TypeOf(client.Hello()) == "WELCOME");
  CHECK(cluster.HubQuery("SELECT count(*) FROM journal WHERE kind != 'receipt'") == 0);

  // Larger than max_message_bytes (16 MiB): libzmq drops the connection
  // without reading it; the DEALER reconnects and is served again.
  client.Send(std::string(17 << 20, 'x'));
  bool welcomed = false;
  for (int i = 0; i < 20 && !welcomed; ++i) welcomed = TypeOf(client.Hello(1000ms)) == "WELCOME";
  CHECK(welcomed);
  client.Send(Publish({WireRecord("AFTER", common::Uuid7::Generate())}));
  auto ack = client.Receive();
  while (ack && WireFrame::Type(*ack) == "WELCOME") ack = client.Receive();  // late answers
  REQUIRE(TypeOf(ack) == "ACK");
  CHECK((*ack)["acks"][0]["status"] == "NEW");

  cluster.WaitUntil(
      [&](std::string& observed) {
        observed = std::to_string(cluster.HubQuery(
            "SELECT count(*) FROM audit WHERE node = 'EU' AND event = 'refused_frame' AND "
            "detail LIKE 'bad_frame:%'"));
        return observed != "0";
      },
      30s, "refused frames in the audit trail");
}

TEST_CASE("A plaintext client and an unknown key get nothing, and the refusal is audited",
          "[e2e][security][hostile]") {
  Cluster cluster({NodeSpec{"EU", "EU"}});
  cluster.StartHub();
  RawClient known =
      RawClient::Curve(cluster.ingest_endpoint(), cluster.hub_key(), cluster.node_keys("EU"));
  REQUIRE(TypeOf(known.Hello()) == "WELCOME");  // the hub is up and answering

  RawClient plain = RawClient::Plaintext(cluster.ingest_endpoint());
  CHECK(TypeOf(plain.Hello(1500ms)) == "(no reply)");

  auto stranger_keys = common::CurveKeys::Generate();
  REQUIRE(stranger_keys.ok());
  RawClient stranger =
      RawClient::Curve(cluster.ingest_endpoint(), cluster.hub_key(), *stranger_keys);
  CHECK(TypeOf(stranger.Hello(1500ms)) == "(no reply)");
  stranger.Send(Publish({WireRecord("S-1", common::Uuid7::Generate())}));
  CHECK(TypeOf(stranger.Receive(500ms)) == "(no reply)");
  CHECK(cluster.HubQuery("SELECT count(*) FROM journal WHERE kind != 'receipt'") == 0);
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed = std::to_string(cluster.HubQuery(
            "SELECT count(*) FROM audit WHERE event = 'auth_failure' AND detail LIKE '%key " +
            stranger_keys->public_key() + " is not registered'"));
        return observed != "0";
      },
      30s, "the unknown key in the audit trail");
  CHECK(TypeOf(known.Hello()) == "WELCOME");
}

TEST_CASE("cen-hub verify names the first tampered or missing journal and audit row",
          "[e2e][security][verify]") {
  Cluster cluster({NodeSpec{"EU", "EU"}});
  cluster.StartAll();
  AcceptedRecords accepted;
  cluster.Submit("EU", MakeRecords("EU", 0, 10), accepted);
  cluster.WaitForConvergence(accepted, {"EU"}, 60s);
  cluster.StopAll();
  const std::string hub = cluster.hub_dir().string();

  RunResult r = cluster.RunHub({"verify", "--data", hub});
  RequireExit(r, 0);
  CHECK_THAT(r.out, Catch::Contains("journal: 10 rows, chain intact"));
  CHECK_THAT(r.out, Catch::Contains("audit: "));
  REQUIRE(cluster.HubQuery("SELECT count(*) FROM audit") >= 3);  // allow, connect, accepted...

  struct Tamper {
    const char* what;
    const char* sql;
    const char* report;  // in verify's output
  };
  const Tamper tampers[] = {
      {"a journal row changed", "UPDATE journal SET scope = 'global', ref = 'X' WHERE gseq = 4",
       "journal: BROKEN at journal gseq 4: stored hash does not match its content and the row "
       "before it (checked up to there: 4 rows)"},
      {"a journal body changed", "UPDATE journal SET body = body || x'00' WHERE gseq = 9",
       "BROKEN at journal gseq 9:"},
      {"a journal row deleted", "DELETE FROM journal WHERE gseq = 7",
       "BROKEN at journal gseq 8: journal gseq 7 is missing"},
      {"an audit row changed", "UPDATE audit SET detail = 'nothing happened' WHERE id = 2",
       "BROKEN at audit id 2:"},
  };
  for (const Tamper& t : tampers) {
    SECTION(t.what) {
      auto db = common::Database::Open(hub + "/hub.db", common::Database::Mode::kReadWrite);
      REQUIRE(db.ok());
      REQUIRE(db->Exec(t.sql).ok());
      r = cluster.RunHub({"verify", "--data", hub});
      RequireExit(r, 1);
      CHECK_THAT(r.out, Catch::Contains(t.report));
      CHECK_THAT(r.err, Catch::Contains("hash chain broken"));
    }
  }
}

TEST_CASE("cen-hub run and cen-node run refuse a secret key others can read or another user owns",
          "[e2e][security][keys]") {
  Cluster cluster({NodeSpec{"EU", "EU"}});
  for (const std::string who : {"hub", "node"}) {
    const std::string dir = (who == "hub" ? cluster.hub_dir() : cluster.node_dir("EU")).string();
    const std::string sec = dir + "/curve.sec";
    auto run = [&] {
      return who == "hub" ? cluster.RunHub({"run", "--data", dir})
                          : cluster.RunNode({"run", "--data", dir});
    };
    INFO(who);
    REQUIRE(::chmod(sec.c_str(), 0644) == 0);
    RunResult r = run();
    RequireExit(r, 1);
    CHECK_THAT(r.err, Catch::Contains("readable by others") && Catch::Contains("chmod 600 " + sec));
    REQUIRE(::chmod(sec.c_str(), 0600) == 0);
    if (::geteuid() == 0) {  // only root can give a file away
      REQUIRE(::chown(sec.c_str(), 65534, 65534) == 0);
      r = run();
      RequireExit(r, 1);
      CHECK_THAT(r.err, Catch::Contains("belongs to another user") && Catch::Contains("chown"));
      REQUIRE(::chown(sec.c_str(), 0, 0) == 0);
    }
  }
}

TEST_CASE("A node replaces its key without losing its outbox, and the old key is refused",
          "[e2e][security][keys]") {
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}});
  cluster.StartAll();
  AcceptedRecords accepted;
  cluster.Submit("EU", MakeRecords("EU", 0, 10), accepted);
  cluster.WaitForConvergence(accepted, cluster.node_ids(), 60s);

  cluster.StopNode("EU");
  cluster.Submit("EU", MakeRecords("EU", 10, 15), accepted);  // waits in the outbox
  const common::CurveKeys old_keys = cluster.node_keys("EU");
  RunResult r = cluster.RunNode({"rotate-key", "--data", cluster.node_dir("EU").string()});
  RequireExit(r, 0);
  const common::CurveKeys new_keys = cluster.node_keys("EU");
  REQUIRE(new_keys.public_key() != old_keys.public_key());
  // Quoted: a Z85 key holds < > & ( ) that a shell would take for its own.
  CHECK_THAT(r.out, Catch::Contains("cen-hub allow --data HUB_DIR --node EU --key '" +
                                    new_keys.public_key() + "'\n"));
  CHECK(std::filesystem::exists(cluster.node_dir("EU") / "curve.sec.old"));
  CHECK(cluster.Status("EU").value("outbox", -1) == 15);

  // Connections made with the old key while it is still registered...
  RawClient old_link = RawClient::Curve(cluster.ingest_endpoint(), cluster.hub_key(), old_keys);
  REQUIRE(TypeOf(old_link.Hello()) == "WELCOME");
  RawClient old_feed = RawClient::Feed(cluster.feed_endpoint(), cluster.hub_key(), old_keys,
                                       WireFrame::FeedTopic("EU"));
  REQUIRE(old_feed.ReceivedWithin(5s));  // granted: the HEAD that follows a grant

  cluster.StartNode("EU");  // the new key is not registered yet: refused, outbox kept
  cluster.WaitUntil(
      [&](std::string& observed) {
        const auto s = cluster.Status("EU");
        observed = s.dump();
        return s.value("hub_state", "") == "unauthorized" && s.value("outbox", -1) == 15;
      },
      30s, "EU refused with its new key, outbox intact");
  CHECK_THAT(cluster.Status("EU").value("detail", ""),
             Catch::Contains("ask the hub operator to run cen-hub allow"));

  r = cluster.RunHub({"allow", "--data", cluster.hub_dir().string(), "--node", "EU", "--key",
                      new_keys.public_key(), "--region", "EU"});
  RequireExit(r, 0);
  CHECK_THAT(r.out, Catch::Contains("replaced its key"));
  cluster.WaitForConvergence(accepted, cluster.node_ids(), 60s);
  cluster.RequireConverged(accepted, cluster.node_ids());

  // ...is refused from its next frame; a new handshake with the old key gets nothing.
  const auto refused = old_link.Hello();
  REQUIRE(TypeOf(refused) == "ERROR");
  CHECK((*refused)["code"] == "unauthorized");
  CHECK_THAT((*refused)["reason"].get<std::string>(), Catch::Contains("replaced"));
  RawClient old_again = RawClient::Curve(cluster.ingest_endpoint(), cluster.hub_key(), old_keys);
  CHECK(TypeOf(old_again.Hello(1500ms)) == "(no reply)");
  // The old feed connection was dropped when the key changed and cannot come
  // back: EU's topic, live for the new key (HEAD every second), no longer
  // reaches it.
  while (old_feed.ReceivedWithin(0ms)) {
  }
  CHECK_FALSE(old_feed.ReceivedWithin(2500ms));

  // Rotated again while the agent runs, and allowed: the running agent still
  // holds the key it started with, so it is refused, and told to restart
  // (it said "ask the hub operator to run cen-hub allow", which was done).
  std::filesystem::remove(cluster.node_dir("EU") / "curve.sec.old");
  std::filesystem::remove(cluster.node_dir("EU") / "curve.pub.old");
  RequireExit(cluster.RunNode({"rotate-key", "--data", cluster.node_dir("EU").string()}), 0);
  RequireExit(cluster.RunHub({"allow", "--data", cluster.hub_dir().string(), "--node", "EU",
                              "--key", cluster.node_keys("EU").public_key()}),
              0);
  cluster.WaitForHubState("EU", "unauthorized", 30s);  // the key it started with
  CHECK_THAT(cluster.Status("EU").value("detail", ""), Catch::Contains("restart cen-node run"));
  cluster.RestartNode("EU");
  cluster.WaitForHubState("EU", "connected", 30s);
}

}  // namespace cen::e2e

namespace cen::e2e {

TEST_CASE("An agent given the wrong hub key says so, naming node.toml's hub_key, in its log too",
          "[e2e][security]") {
  // The failed handshake showed only in status, naming an init flag
  // (--hub-key); the log said "connection lost".
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}});
  const std::filesystem::path toml = cluster.node_dir("EU") / "node.toml";
  std::string text;
  {
    std::ifstream in(toml);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  auto other = common::CurveKeys::Generate();
  REQUIRE(other.ok());
  const size_t at = text.find(cluster.hub_key());
  REQUIRE(at != std::string::npos);
  text.replace(at, cluster.hub_key().size(), other->public_key());
  std::ofstream(toml, std::ios::trunc) << text;

  cluster.StartHub();
  cluster.StartNode("EU");
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed = cluster.Status("EU").value("detail", "");
        return observed.find("the handshake with " + cluster.ingest_endpoint() + " failed") !=
               std::string::npos;
      },
      30s, "EU's agent reports the failed handshake");
  CHECK_THAT(cluster.Status("EU").value("detail", ""),
             Catch::Contains("node.toml the hub's ingest endpoint (not its feed port), and "
                             "hub_key its public key"));
  CHECK_THAT(cluster.NodeLog("EU"),
             Catch::Contains("hub link: the handshake with " + cluster.ingest_endpoint() +
                             " failed: is `hub` in"));
}

// A trial: node.toml naming the hub's feed port (an easy slip) was blamed on
// hub_key alone, and a port where nothing listens said nothing at all.
TEST_CASE("An agent pointed at the feed port, or where no hub listens, says what to check",
          "[e2e][security]") {
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}});
  auto point_at = [&](const std::string& id, const std::string& endpoint) {
    const std::filesystem::path toml = cluster.node_dir(id) / "node.toml";
    std::string text;
    {
      std::ifstream in(toml);
      text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    const size_t at = text.find(cluster.ingest_endpoint());
    REQUIRE(at != std::string::npos);
    text.replace(at, cluster.ingest_endpoint().size(), endpoint);
    std::ofstream(toml, std::ios::trunc) << text;
  };
  point_at("EU", cluster.feed_endpoint());
  point_at("AF", "tcp://127.0.0.1:1");  // nothing listens on port 1
  cluster.StartHub();
  cluster.StartNode("EU");
  cluster.StartNode("AF");
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed = cluster.Status("EU").value("detail", "") + " | " +
                   cluster.Status("AF").value("detail", "");
        return observed.find("(not its feed port)") != std::string::npos &&
               observed.find("no hub has answered for") != std::string::npos;
      },
      30s, "EU names the feed port, AF says no hub answers");
  CHECK_THAT(cluster.Status("AF").value("detail", ""),
             Catch::Contains("(tcp://127.0.0.1:1): is it running"));
  CHECK_THAT(cluster.NodeLog("AF"), Catch::Contains("hub link: no hub has answered for"));
}

}  // namespace cen::e2e
