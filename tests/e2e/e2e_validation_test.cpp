// RILO validation with real processes: an NCP's records wait at its RILO,
// invisible elsewhere, until the RILO accepts them; a returned record comes
// back to the NCP with its reason, is amended and accepted; a decision from
// anyone but the NCP's RILO is refused and audited; bulk accept with a dry
// run; a SIGKILL of the hub around a decision loses nothing; an office
// offline during an acceptance catches up.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/curve_keys.h"
#include "common/msgpack_json.h"
#include "common/wire_frame.h"
#include "tests/e2e/cluster.h"
#include "tests/e2e/raw_client.h"

namespace cen::e2e {
namespace {

using nlohmann::json;

std::string ValidationSeizure(const std::string& ref, double quantity) {
  return json{{"kind", "seizure"},
              {"ref", ref},
              {"seizure_date", "2026-03-14"},
              {"reporting_country", "FR"},
              {"commodity", "tobacco"},
              {"description", "validation test " + ref},
              {"quantity", quantity},
              {"unit", "KGM"}}
      .dump();
}

std::vector<json> ValidationLines(const std::string& text) {
  std::vector<json> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(json::parse(text.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

// `cen-query pending --format json` at node `id`.
std::vector<json> Pending(Cluster& cluster, const std::string& id) {
  const RunResult r =
      cluster.RunQuery({"--data", cluster.node_dir(id).string(), "pending", "--format", "json"});
  REQUIRE(r.exit_code == 0);
  return ValidationLines(r.out);
}

// ref -> the record as `cen-query --format json` (validated records only) shows it.
std::map<std::string, json> Visible(Cluster& cluster, const std::string& id) {
  std::map<std::string, json> out;
  for (const json& r : cluster.Query(id)) {
    INFO(id << " holds " << r.value("ref", "") << " twice");
    CHECK(out.count(r.value("ref", "")) == 0);
    out[r.value("ref", "")] = r;
  }
  return out;
}

std::set<std::string> ValidationRefs(const std::vector<json>& entries) {
  std::set<std::string> refs;
  for (const json& e : entries) refs.insert(e.value("ref", ""));
  return refs;
}

void WaitCaughtUp(Cluster& cluster) {
  cluster.WaitUntil(
      [&](std::string& observed) {
        // The outboxes first, then the head: a record acknowledged since is
        // in the head, and every replica must hold it.
        std::vector<json> status;
        for (const auto& id : cluster.node_ids()) status.push_back(cluster.Status(id));
        const int64_t head = cluster.HubQuery("SELECT max(gseq) FROM journal");
        observed = "head " + std::to_string(head) + "; ";
        bool all = true;
        for (const json& s : status) {
          observed += s.value("id", "?") + ": " + std::to_string(s.value("replica_gseq", 0)) +
                      ", outbox " + std::to_string(s.value("outbox", 0)) + "; ";
          all = all && s.value("replica_gseq", 0) >= head && s.value("outbox", 0) == 0;
        }
        return all;
      },
      std::chrono::seconds(60), "every replica at the journal's head, every outbox empty");
}

}  // namespace

TEST_CASE("An NCP's records wait at its RILO until accepted, then reach their scope",
          "[e2e][validation]") {
  Cluster cluster({{"RILO-WE", "EU"}, {"NCP-FR", "EU"}, {"RILO-AP", "AS"}});
  const std::string hub = cluster.hub_dir().string();
  const std::string rilo = cluster.node_dir("RILO-WE").string();
  const std::string ncp = cluster.node_dir("NCP-FR").string();
  {
    const RunResult r = cluster.RunHub(
        {"set-role", "--data", hub, "--node", "NCP-FR", "--role", "ncp", "--rilo", "RILO-WE"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
  }
  {
    // An NCP cannot be the RILO of another.
    const RunResult r = cluster.RunHub(
        {"set-role", "--data", hub, "--node", "RILO-AP", "--role", "ncp", "--rilo", "NCP-FR"});
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("is an NCP, not a RILO") != std::string::npos);
  }
  cluster.StartAll();

  const std::vector<std::string> uuids =
      cluster.Submit("NCP-FR", {ValidationSeizure("FR-1", 12.5), ValidationSeizure("FR-2", 3.0),
                                ValidationSeizure("FR-3", 40.0)});
  REQUIRE(uuids.size() == 3);
  // A RILO's own record needs no decision.
  cluster.Submit("RILO-WE", {ValidationSeizure("WE-1", 7.0)});
  WaitCaughtUp(cluster);

  // Pending: at the RILO and the NCP, in `pending` only; nowhere else at all.
  CHECK(ValidationRefs(Pending(cluster, "RILO-WE")) ==
        std::set<std::string>{"FR-1", "FR-2", "FR-3"});
  CHECK(ValidationRefs(Pending(cluster, "NCP-FR")) ==
        std::set<std::string>{"FR-1", "FR-2", "FR-3"});
  CHECK(Pending(cluster, "RILO-AP").empty());
  CHECK(Visible(cluster, "RILO-AP").count("FR-1") == 0);
  CHECK(Visible(cluster, "RILO-AP").count("WE-1") == 1);
  CHECK(Visible(cluster, "RILO-WE").count("FR-1") == 0);  // not in listings until accepted
  {
    const RunResult r = cluster.RunQuery(
        {"--data", cluster.node_dir("RILO-AP").string(), "--include-pending", "--count"});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == "1\n");  // WE-1 alone: the pending records never reached RILO-AP
  }
  {
    const json status = cluster.HubStatus();
    bool seen = false;
    for (const json& n : status["nodes"]) {
      if (n["id"] != "NCP-FR") continue;
      seen = true;
      CHECK(n["role"] == "ncp");
      CHECK(n["rilo"] == "RILO-WE");
      CHECK(n["pending"] == 3);
    }
    CHECK(seen);
    const RunResult old = cluster.RunHub({"status", "--data", hub, "--pending-days", "0"});
    CHECK(old.out.find("3 NCP record(s) pending for more than 0 day(s)") != std::string::npos);
  }

  // A decision from another RILO, or from the NCP itself, is refused and audited.
  const std::map<std::string, std::string> decision_uuids = {
      {"RILO-AP", "0190a1b2-7c3d-7000-8000-0000000000a1"},
      {"NCP-FR", "0190a1b2-7c3d-7000-8000-0000000000b2"}};
  for (const auto& [who, decision_uuid] : decision_uuids) {
    auto keys = common::CurveKeys::Load(cluster.node_dir(who).string());
    REQUIRE(keys.ok());
    RawClient client = RawClient::Curve(cluster.ingest_endpoint(), cluster.hub_key(), *keys);
    REQUIRE(client.Hello());
    const json decision = {{"kind", "decision"},
                           {"uuid", decision_uuid},
                           {"version", 1},
                           {"ref", "accept:" + uuids[0] + ":1"},
                           {"scope", "nodes:NCP-FR"},
                           {"decision", "accept"},
                           {"record", uuids[0]},
                           {"record_version", 1}};
    client.Send(common::WireFrame::EncodeRecords(common::frame::kPublish,
                                                 {common::MsgpackJson::Encode(decision)}));
    const auto ack = client.Receive();
    REQUIRE(ack);
    INFO(ack->dump());
    REQUIRE((*ack)["acks"].size() == 1);
    CHECK((*ack)["acks"][0]["status"] == "REJECTED");
    CHECK((*ack)["acks"][0]["reason"].get<std::string>().find("waits for this node's decision") !=
          std::string::npos);
  }
  CHECK(cluster.HubQuery("SELECT count(*) FROM audit WHERE event = 'decision' AND detail LIKE "
                         "'refused: accept %'") == 2);
  // And the local commands refuse what this node may not decide.
  CHECK(cluster.RunNode({"accept", "--data", ncp, uuids[0]}).exit_code == 2);
  // A reason of spaces tells the NCP nothing (a trial's was journaled).
  {
    const RunResult blank =
        cluster.RunNode({"return", "--data", rilo, uuids[1], "--reason", "   "});
    CHECK(blank.exit_code == 2);
    CHECK(blank.err.find("--reason: required") != std::string::npos);
  }

  // Bulk accept, dry run first: it shows the three and queues nothing.
  {
    const RunResult dry = cluster.RunNode(
        {"accept", "--data", rilo, "--all-pending", "--origin", "NCP-FR", "--dry-run"});
    INFO(dry.out << dry.err);
    REQUIRE(dry.exit_code == 0);
    CHECK(dry.out.find("3 record(s) would be accepted") != std::string::npos);
    CHECK(dry.out.find("(seizure FR-1, ") != std::string::npos);  // each by its ref too
    // A record named twice (its uuid and a prefix of it, long enough to be
    // its own: records made in one millisecond share 13 characters) counts once.
    const RunResult twice =
        cluster.RunNode({"accept", "--data", rilo, uuids[0], uuids[0].substr(0, 30), "--dry-run"});
    INFO(twice.out << twice.err);
    CHECK(twice.out.find("1 record(s) would be accepted") != std::string::npos);
    // Named out of order, decided in gseq order: an alert's acceptance before
    // that of its update, which the hub refuses otherwise (a review).
    const RunResult reversed =
        cluster.RunNode({"accept", "--data", rilo, uuids[2], uuids[0], "--dry-run"});
    INFO(reversed.out << reversed.err);
    REQUIRE(reversed.exit_code == 0);
    CHECK(reversed.out.find("would accept " + uuids[0]) <
          reversed.out.find("would accept " + uuids[2]));
    CHECK(cluster.Status("RILO-WE").value("outbox", -1) == 0);
  }

  // Accept FR-1, return FR-2 with a reason.
  REQUIRE(cluster.RunNode({"accept", "--data", rilo, uuids[0].substr(0, 24)}).exit_code == 0);
  REQUIRE(cluster
              .RunNode({"return", "--data", rilo, uuids[1], "--reason",
                        "quantity is in grams, not kilograms"})
              .exit_code == 0);
  WaitCaughtUp(cluster);
  {
    const auto ap = Visible(cluster, "RILO-AP");
    REQUIRE(ap.count("FR-1") == 1);
    CHECK(ap.at("FR-1")["validated_by"] == "RILO-WE");
    CHECK(ap.at("FR-1")["validation"] == "accepted");
    CHECK(ap.at("FR-1").contains("validated_at"));
    CHECK(ap.count("FR-2") == 0);
    CHECK(Visible(cluster, "RILO-WE").count("FR-1") == 1);
    CHECK(Visible(cluster, "NCP-FR").count("FR-1") == 1);
    const json status = cluster.Status("NCP-FR");
    REQUIRE(status["returned"].size() == 1);
    CHECK(status["returned"][0]["ref"] == "FR-2");
    CHECK(status["returned"][0]["reason"] == "quantity is in grams, not kilograms");
    bool returned_seen = false;
    for (const json& e : Pending(cluster, "NCP-FR")) {
      if (e["ref"] != "FR-2") continue;
      returned_seen = true;
      CHECK(e["state"] == "returned");
      CHECK(e["reason"] == "quantity is in grams, not kilograms");
    }
    CHECK(returned_seen);
    // At the RILO the return is journaled and applied: returned, no longer
    // "return queued" (it said so for as long as the record was listed).
    for (const json& e : Pending(cluster, "RILO-WE")) {
      if (e["ref"] != "FR-2") continue;
      CHECK(e["state"] == "returned");
      CHECK(e["queued"] == "");
    }
  }

  // The NCP amends FR-2: pending again, then accepted in its new version.
  cluster.Submit("NCP-FR", {ValidationSeizure("FR-2", 0.003)});
  WaitCaughtUp(cluster);
  {
    const auto queue = Pending(cluster, "RILO-WE");
    CHECK(ValidationRefs(queue) == std::set<std::string>{"FR-2", "FR-3"});
    for (const json& e : queue) {
      if (e["ref"] == "FR-2") CHECK(e["state"] == "pending");
      if (e["ref"] == "FR-2") CHECK(e["version"] == 2);
    }
  }
  REQUIRE(cluster.RunNode({"accept", "--data", rilo, uuids[1]}).exit_code == 0);
  {
    // Decided here, not yet journaled: listed as such, and left out of a bulk accept.
    const auto queue = Pending(cluster, "RILO-WE");
    for (const json& e : queue) {
      if (e["ref"] == "FR-2") CHECK(e["queued"] == "accept");
    }
  }

  // A SIGKILL of the hub around the last decision loses nothing, and an
  // office offline meanwhile catches up on the acceptance.
  cluster.StopNode("RILO-AP");
  const RunResult bulk =
      cluster.RunNode({"accept", "--data", rilo, "--all-pending", "--origin", "NCP-FR"});
  INFO(bulk.out << bulk.err);
  REQUIRE(bulk.exit_code == 0);
  cluster.KillHub();
  cluster.StartHub();
  cluster.StartNode("RILO-AP");
  WaitCaughtUp(cluster);

  for (const std::string id : {"RILO-WE", "NCP-FR", "RILO-AP"}) {
    INFO("replica of " << id);
    const auto visible = Visible(cluster, id);
    CHECK(visible.size() == 4);
    for (const std::string ref : {"FR-1", "FR-2", "FR-3"}) {
      REQUIRE(visible.count(ref) == 1);
      CHECK(visible.at(ref)["validated_by"] == "RILO-WE");
    }
    CHECK(visible.at("FR-2")["version"] == 2);
    CHECK(visible.at("FR-2")["quantity"] == 0.003);
    CHECK(Pending(cluster, id).empty());
  }
  CHECK(cluster.HubQuery("SELECT count(*) FROM validations WHERE state = 'accepted'") == 3);
  CHECK(cluster.HubQuery("SELECT count(*) FROM audit WHERE event = 'decision' AND detail LIKE "
                         "'accept %'") == 3);

  // An amendment of an accepted record waits beside it: every office keeps
  // finding the accepted version (a trial saw it vanish from the RILO's and
  // the NCP's queries) until the RILO accepts the amendment.
  auto count = [&](const std::string& id) {
    const RunResult r = cluster.RunQuery({"--data", cluster.node_dir(id).string(), "--count"});
    REQUIRE(r.exit_code == 0);
    return r.out;
  };
  auto in_force = [&](const std::string& quantity_seen) {
    for (const std::string id : {"RILO-WE", "NCP-FR", "RILO-AP"}) {
      INFO("replica of " << id);
      const auto visible = Visible(cluster, id);
      REQUIRE(visible.count("FR-1") == 1);
      CHECK(visible.at("FR-1")["quantity"].dump() == quantity_seen);
      CHECK(count(id) == "4\n");
    }
  };
  cluster.Submit("NCP-FR", {ValidationSeizure("FR-1", 125.0)});
  WaitCaughtUp(cluster);
  in_force("12.5");
  CHECK(ValidationRefs(Pending(cluster, "RILO-WE")) == std::set<std::string>{"FR-1"});
  REQUIRE(cluster.RunNode({"return", "--data", rilo, uuids[0], "--reason", "125 kg? check"})
              .exit_code == 0);
  WaitCaughtUp(cluster);
  in_force("12.5");
  cluster.Submit("NCP-FR", {ValidationSeizure("FR-1", 12.6)});
  WaitCaughtUp(cluster);
  REQUIRE(cluster.RunNode({"accept", "--data", rilo, uuids[0]}).exit_code == 0);
  WaitCaughtUp(cluster);
  in_force("12.6");
  CHECK(Pending(cluster, "RILO-WE").empty());

  const RunResult verify = cluster.RunHub({"verify", "--data", hub});
  CHECK(verify.exit_code == 0);
}

}  // namespace cen::e2e
