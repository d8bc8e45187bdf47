// End-to-end: alerts act like alerts. Three offices on loopback: EU raises
// alerts, AF and AS receive them. Checked with the real binaries: delivery
// receipts sent by the agents by themselves, an action receipt from
// `cen-node ack`, indicator hits against history and new seizures (reported
// back to EU), a watch list, the --on-alert/--on-hit hooks (one of them
// failing), updates and a cancel, an expired alert, what the hub refuses
// (a cancel of another office's alert, a reference to an update) and
// `cen-hub status` naming an office that has not received an urgent alert.
// Every wait polls with a deadline; no sleep synchronises anything.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/sqlite_db.h"
#include "tests/e2e/cluster.h"

namespace cen::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
constexpr auto kAlertsTimeout = std::chrono::seconds(60);

std::string Line(const json& record) { return record.dump(); }

json AlertsSeizure(const std::string& ref, const json& extra) {
  json s = {{"kind", "seizure"},
            {"ref", ref},
            {"seizure_date", "2026-10-02"},
            {"reporting_country", "NL"},
            {"commodity", "drugs"},
            {"description", "Cocaine in a reefer container of bananas"},
            {"quantity", 120.5},
            {"unit", "KGM"}};
  s.update(extra);
  return s;
}

json AlertsAlert(const std::string& ref, const std::string& title,
                 const json& extra = json::object()) {
  json a = {{"kind", "alert"},
            {"ref", ref},
            {"title", title},
            {"body", "Watch reefer containers from Guayaquil."},
            {"priority", "urgent"}};
  a.update(extra);
  return a;
}

std::vector<json> AlertsJsonLines(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(json::parse(line, nullptr, false));
  }
  return out;
}

std::vector<json> QueryJson(Cluster& cluster, std::string_view id, std::vector<std::string> args) {
  args.insert(args.begin(), {"--data", cluster.node_dir(id).string(), "--format", "json"});
  const RunResult r = cluster.RunQuery(args);
  INFO(r.command << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return AlertsJsonLines(r.out);
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The alert `uuid` in `cen-query alerts [--all]` at `id`, or null.
json ListedAlert(Cluster& cluster, std::string_view id, const std::string& uuid, bool all) {
  std::vector<std::string> args = {"alerts"};
  if (all) args.push_back("--all");
  for (json& a : QueryJson(cluster, id, args)) {
    if (a.value("uuid", "") == uuid) return a;
  }
  return nullptr;
}

// The state `alerts --all` shows for `uuid` at node `id`; "" while the
// replica lacks it (the bulk lane gathers records for up to 250 ms).
std::string ListedState(Cluster& cluster, std::string_view id, const std::string& uuid) {
  const json a = ListedAlert(cluster, id, uuid, true);
  return a.is_object() ? a.value("state", "") : "";
}

// EU's receipts for `uuid`, by office; none while EU's replica lacks the alert.
std::map<std::string, json> Receipts(Cluster& cluster, const std::string& uuid) {
  std::map<std::string, json> out;
  const RunResult r = cluster.RunQuery(
      {"--data", cluster.node_dir("EU").string(), "--format", "json", "receipts", uuid});
  if (r.exit_code != 0) return out;
  for (json& line : AlertsJsonLines(r.out)) out[line.value("office", "")] = line;
  return out;
}

bool HasHit(const std::vector<json>& hits, const std::string& source, const std::string& record,
            const std::string& indicator, const std::string& office = "") {
  for (const json& h : hits) {
    if (h.value("source", "") == source && h.value("record", "") == record &&
        h.value("indicator", "") == indicator && h.value("office", "") == office)
      return true;
  }
  return false;
}

// Why the hub rejected the own record `ref` of node `id` (node.db, read-only).
std::string RejectReason(Cluster& cluster, std::string_view id, const std::string& ref) {
  auto db = common::Database::Open((cluster.node_dir(id) / "node.db").string(),
                                   common::Database::Mode::kReadOnly);
  REQUIRE(db.ok());
  auto stmt = db->Prepare("SELECT coalesce(reason, '') FROM own_status WHERE ref = ?");
  REQUIRE(stmt.ok());
  auto row = stmt->Bind(1, ref).Step();
  REQUIRE(row.ok());
  return *row ? stmt->ColumnText(0) : "";
}

void AppendConfig(const fs::path& node_dir, const std::string& line) {
  std::ofstream(node_dir / "node.toml", std::ios::app) << line << "\n";
}

}  // namespace

TEST_CASE("Alerts get receipts, hits, hooks, updates and a cancel", "[e2e][alerts]") {
  Cluster cluster({{"EU", "EU"}, {"AF", "AF"}, {"AS", "AS"}});
  const fs::path alert_log = cluster.dir() / "as-alerts.ndjson";
  const fs::path hit_log = cluster.dir() / "as-hits.ndjson";
  AppendConfig(cluster.node_dir("AS"), "on_alert = \"cat >> '" + alert_log.string() + "'\"");
  AppendConfig(cluster.node_dir("AS"), "on_hit = \"cat >> '" + hit_log.string() + "'\"");
  // AF's alert hook always fails: logged, retried, and the agent goes on.
  AppendConfig(cluster.node_dir("AF"), "on_alert = \"exit 3\"");
  cluster.StartAll();

  // History: AF seized a container before anyone raised an alert about it.
  const auto old = cluster.Submit(
      "AF", {Line(AlertsSeizure(
                "AF-OLD-1",
                {{"containers", {"CSQU3054383"}}, {"departure", "EC"}, {"destination", "NL"}}))});
  cluster.WaitUntil(
      [&](std::string& observed) {
        const auto n = QueryJson(cluster, "AS", {}).size();
        observed = "AS holds " + std::to_string(n);
        return n == 1;
      },
      kAlertsTimeout, "AF's seizure at AS");

  const json indicators = {{"containers", {"CSQU3054383"}},
                           {"vessel_imo", {"9074729"}},
                           {"companies", {"Frutas del Pacifico"}},
                           {"routes", json::array({json::array({"EC", "NL"})})},
                           {"hs_codes", {"293972"}}};
  const std::string alert = cluster.Submit(
      "EU",
      {Line(AlertsAlert("EU-A-1", "Reefers from Guayaquil", {{"indicators", indicators}}))})[0];

  SECTION("delivered, hooks run, history hits reported to the origin") {
    cluster.WaitUntil(
        [&](std::string& observed) {
          const auto receipts = Receipts(cluster, alert);
          observed = json(receipts).dump();
          return receipts.size() == 2 && !receipts.at("AF").value("delivered_at", "").empty() &&
                 !receipts.at("AS").value("delivered_at", "").empty();
        },
        kAlertsTimeout, "delivery receipts from AF and AS at EU");
    // The old seizure matched container and route, at both receiving offices.
    cluster.WaitUntil(
        [&](std::string& observed) {
          const auto hits = QueryJson(cluster, "EU", {"hits"});
          observed = json(hits).dump();
          return HasHit(hits, alert, old[0], "containers", "AF") &&
                 HasHit(hits, alert, old[0], "routes", "AS") &&
                 HasHit(hits, alert, old[0], "containers", "AS");
        },
        kAlertsTimeout, "hit receipts from AF and AS for AF's old seizure");
    CHECK(HasHit(QueryJson(cluster, "AS", {"hits"}), alert, old[0], "containers"));

    // The hooks: AS got the alert and its hits on stdin, one JSON per line.
    cluster.WaitUntil(
        [&](std::string& observed) {
          observed = ReadAll(alert_log) + ReadAll(hit_log);
          const auto alerts = AlertsJsonLines(ReadAll(alert_log));
          const auto hits = AlertsJsonLines(ReadAll(hit_log));
          return alerts.size() == 1 && alerts[0].value("uuid", "") == alert && hits.size() >= 2;
        },
        kAlertsTimeout, "AS's hooks");
    for (const json& hit : AlertsJsonLines(ReadAll(hit_log))) {
      CHECK(hit.value("alert", "") == alert);
      CHECK(hit["record"].value("uuid", "") == old[0]);
    }

    // A new seizure elsewhere matches the vessel and the company.
    const auto seized = cluster.Submit(
        "AS", {Line(AlertsSeizure("AS-NEW-1",
                                  {{"vessel_imo", "IMO 9074729"},
                                   {"reporting_country", "TH"},
                                   {"description", "Shipped by FRUTAS DEL PACIFICO, Quito"}}))});
    cluster.WaitUntil(
        [&](std::string& observed) {
          const auto hits = QueryJson(cluster, "EU", {"hits"});
          observed = json(hits).dump();
          return HasHit(hits, alert, seized[0], "vessel_imo", "AF") &&
                 HasHit(hits, alert, seized[0], "companies", "AS");
        },
        kAlertsTimeout, "hits of the new seizure reported to EU");
    // At the origin, `alerts` counts each match once, whoever found it (EU's
    // own replica and the offices that reported it: it counted each finding).
    cluster.WaitUntil(
        [&](std::string& observed) {
          std::set<std::string> matches;
          for (const json& h : QueryJson(cluster, "EU", {"hits"})) {
            if (h.value("source", "") != alert) continue;
            matches.insert(h.value("record", "") + " " + h.value("indicator", "") + " " +
                           h.value("value", ""));
          }
          const json listed = ListedAlert(cluster, "EU", alert, true);
          observed = std::to_string(matches.size()) + " matches; " + listed.dump();
          return listed.is_object() &&
                 listed.value("hits", int64_t{-1}) == static_cast<int64_t>(matches.size());
        },
        kAlertsTimeout, "EU's alerts to count each match once");

    // An action receipt, with the agent of AS stopped (queued, sent later).
    cluster.StopNode("AS");
    const RunResult ack = cluster.RunNode({"ack", "--data", cluster.node_dir("AS").string(),
                                           alert.substr(0, 8), "--action", "no-trace", "--note",
                                           "container not landed", "--by", "officer-7"});
    INFO(ack.out << ack.err);
    REQUIRE(ack.exit_code == 0);
    cluster.StartNode("AS");
    cluster.WaitUntil(
        [&](std::string& observed) {
          const auto receipts = Receipts(cluster, alert);
          observed = json(receipts).dump();
          return receipts.count("AS") == 1 && receipts.at("AS").value("action", "") == "no-trace";
        },
        kAlertsTimeout, "AS's action receipt at EU");
    const json as = Receipts(cluster, alert).at("AS");
    CHECK(as.value("by", "") == "officer-7");
    CHECK(as.value("note", "") == "container not landed");
    // The alert list at EU counts them.
    const json listed = ListedAlert(cluster, "EU", alert, false);
    CHECK(listed.value("received", -1) == 2);
    CHECK(listed.value("acted", -1) == 1);

    // AF's failing hook was retried and logged; AF's agent is still up.
    CHECK(cluster.Status("AF").value("hub_state", "") == "connected");
    // An office cannot ack its own alert, nor an alert it does not hold.
    CHECK(
        cluster
            .RunNode({"ack", "--data", cluster.node_dir("EU").string(), alert, "--action", "seen"})
            .exit_code == 2);
    CHECK(cluster
              .RunNode({"ack", "--data", cluster.node_dir("AS").string(),
                        "01900000-0000-7000-8000-000000000000", "--action", "seen"})
              .exit_code == 1);
  }

  SECTION("updates, a cancel, expiry, and what the hub refuses") {
    cluster.WaitUntil(
        [&](std::string& observed) {
          observed = ListedAlert(cluster, "AS", alert, false).dump();
          return !ListedAlert(cluster, "AS", alert, false).is_null();
        },
        kAlertsTimeout, "the alert active at AS");
    const std::string update = cluster.Submit(
        "EU", {Line(AlertsAlert(
                  "EU-A-1-U1", "Reefers from Guayaquil and Manta",
                  {{"msg_type", "update"}, {"references", {alert}}, {"priority", "high"}}))})[0];
    cluster.WaitUntil(
        [&](std::string& observed) {
          const json a = ListedAlert(cluster, "AS", alert, false);
          observed = a.dump();
          return !a.is_null() &&
                 a["alert"].value("title", "") == "Reefers from Guayaquil and Manta";
        },
        kAlertsTimeout, "the update in force at AS");
    CHECK(ListedAlert(cluster, "AS", alert, false)["alert"].value("priority", "") == "high");

    // AF may not cancel EU's alert: its own cen-node says so at once (the
    // hub refuses it too, for any client: journal_test); an update cannot
    // be referenced either, which the hub answers.
    const RunResult forged =
        cluster.RunNode({"submit", "--data", cluster.node_dir("AF").string(), "-"},
                        Line(AlertsAlert("AF-CANCEL", "Cancel EU's alert",
                                         {{"msg_type", "cancel"}, {"references", {alert}}})));
    CHECK(forged.exit_code == 2);
    CHECK_THAT(forged.err, Catch::Contains("is an alert of node EU; only its origin updates or "
                                           "cancels it"));
    const auto chained = cluster.Submit(
        "EU", {Line(AlertsAlert("EU-A-1-U2", "Update of an update",
                                {{"msg_type", "update"}, {"references", {update}}}))});
    cluster.WaitUntil(
        [&](std::string& observed) {
          observed = cluster.Status("EU").dump();
          return cluster.Status("EU").value("rejected", -1) == 1;
        },
        kAlertsTimeout, "the hub's answer");
    CHECK(cluster.HubQuery("SELECT count(*) FROM journal WHERE ref = 'AF-CANCEL'") == 0);
    CHECK(cluster.HubQuery("SELECT count(*) FROM journal WHERE ref = 'EU-A-1-U2'") == 0);
    CHECK(cluster.NodeQuery("AF", "SELECT count(*) FROM own_records WHERE ref = 'AF-CANCEL'") == 0);
    CHECK_THAT(RejectReason(cluster, "EU", "EU-A-1-U2"),
               Catch::Contains("is itself an update; name the original alert"));

    // Escalated to urgent: every office receipts the update itself, and the
    // origin and the hub wait for each (a trial read "every office has
    // received it" of an escalation that had reached none).
    const std::string escalation = cluster.Submit(
        "EU", {Line(AlertsAlert(
                  "EU-A-1-U3", "Urgent now: the reefer lands tonight",
                  {{"msg_type", "update"}, {"references", {alert}}, {"priority", "urgent"}}))})[0];
    cluster.WaitUntil(
        [&](std::string& observed) {
          observed = cluster
                         .RunQuery({"--data", cluster.node_dir("EU").string(), "--format", "table",
                                    "receipts", alert})
                         .out;
          return observed.find("urgent update " + escalation) != std::string::npos &&
                 observed.find("): every office has received it") != std::string::npos;
        },
        kAlertsTimeout, "every office's receipt for the escalation");
    CHECK(cluster.HubQuery("SELECT count(DISTINCT origin) FROM journal WHERE ref = 'delivered:" +
                           escalation + "'") == 2);

    cluster.Submit("EU", {Line(AlertsAlert("EU-A-1-C", "Cancelled: seized in Antwerp",
                                           {{"msg_type", "cancel"}, {"references", {alert}}}))});
    cluster.WaitUntil(
        [&](std::string& observed) {
          observed = ListedAlert(cluster, "AS", alert, true).dump();
          return ListedAlert(cluster, "AS", alert, false).is_null() &&
                 ListedState(cluster, "AS", alert) == "cancelled";
        },
        kAlertsTimeout, "the alert cancelled at AS");
    const RunResult show = cluster.RunQuery(
        {"--data", cluster.node_dir("AS").string(), "--format", "table", "show", alert});
    CHECK(show.out.find("Life cycle (cancelled)") != std::string::npos);
    CHECK(show.out.find("update  " + update) != std::string::npos);
    // Who cancelled it, when and why, on the cancel's line (a trial).
    const size_t cancel_at = show.out.find("  cancel  ");
    REQUIRE(cancel_at != std::string::npos);
    const std::string cancel_line =
        show.out.substr(cancel_at, show.out.find('\n', cancel_at) - cancel_at);
    CHECK_THAT(cancel_line, Catch::Contains("Z  by EU  Cancelled: seized in Antwerp"));
    // And in json, the default into a pipe (a trial found it without them).
    const nlohmann::json shown =
        nlohmann::json::parse(cluster
                                  .RunQuery({"--data", cluster.node_dir("AS").string(), "--format",
                                             "json", "show", alert})
                                  .out);
    CHECK(shown["life_cycle"]["state"] == "cancelled");
    const nlohmann::json& steps = shown["life_cycle"]["steps"];
    REQUIRE_FALSE(steps.empty());
    CHECK(std::any_of(steps.begin(), steps.end(),
                      [&](const nlohmann::json& step) { return step["uuid"] == update; }));
    CHECK(steps.back()["type"] == "cancel");
    CHECK(steps.back()["title"] == "Cancelled: seized in Antwerp");
    CHECK(steps.back()["origin"] == "EU");

    // Expired on arrival: never in the active list, marked with --all.
    const std::string expired =
        cluster.Submit("EU", {Line(AlertsAlert("EU-A-OLD", "Old alert",
                                               {{"priority", "normal"},
                                                {"issued_at", "2026-01-01T08:00:00Z"},
                                                {"expires_at", "2026-01-02T08:00:00+01:00"}}))})[0];
    cluster.WaitUntil(
        [&](std::string& observed) {
          observed = ListedAlert(cluster, "AS", expired, true).dump();
          return ListedState(cluster, "AS", expired) == "expired";
        },
        kAlertsTimeout, "the expired alert at AS");
    CHECK(ListedAlert(cluster, "AS", expired, false).is_null());
  }

  SECTION("the hub operator cancels an alert of any office, audited") {
    // Scoped to AF: the operator's cancel must still reach EU, the origin.
    const std::string narrow = cluster.Submit(
        "EU", {Line(AlertsAlert("EU-A-AF2", "For AF only", {{"scope", "nodes:AF"}}))})[0];
    cluster.WaitUntil(
        [&](std::string& observed) {
          observed = ListedAlert(cluster, "AF", narrow, false).dump();
          return !ListedAlert(cluster, "AF", narrow, false).is_null();
        },
        kAlertsTimeout, "the narrow alert at AF");
    const RunResult cancel = cluster.RunHub({"cancel-alert", "--data", cluster.hub_dir().string(),
                                             narrow, "--reason", "issued in error"});
    INFO(cancel.out << cancel.err);
    REQUIRE(cancel.exit_code == 0);
    for (const std::string id : {"AF", "EU"}) {
      cluster.WaitUntil(
          [&](std::string& observed) {
            observed = ListedAlert(cluster, id, narrow, true).dump();
            return ListedState(cluster, id, narrow) == "cancelled";
          },
          kAlertsTimeout, "the operator's cancel at " + id);
    }
    CHECK(cluster.HubQuery("SELECT count(*) FROM audit WHERE event = 'admin' AND detail LIKE "
                           "'alert " +
                           narrow + " cancelled by %issued in error'") == 1);

    // An office added to the alert's group later gets the alert and its
    // cancel (a trial: the cancel named the offices in scope then, and the
    // new member was paged for an alert in force).
    const std::string hub = cluster.hub_dir().string();
    for (std::vector<std::string> args :
         std::vector<std::vector<std::string>>{{"group", "create", "OP-REEF", "--data", hub},
                                               {"group", "add", "OP-REEF", "AF", "--data", hub}}) {
      const RunResult r = cluster.RunHub(args);
      INFO(r.out << r.err);
      REQUIRE(r.exit_code == 0);
    }
    const std::string grouped = cluster.Submit(
        "EU", {Line(AlertsAlert("EU-A-OP", "For OP-REEF", {{"scope", "group:OP-REEF"}}))})[0];
    cluster.WaitUntil(
        [&](std::string& observed) {
          observed = ListedAlert(cluster, "AF", grouped, false).dump();
          return !ListedAlert(cluster, "AF", grouped, false).is_null();
        },
        kAlertsTimeout, "the group's alert at AF");
    REQUIRE(cluster.RunHub({"cancel-alert", "--data", hub, grouped, "--reason", "sent in error"})
                .exit_code == 0);
    cluster.WaitUntil(
        [&](std::string& observed) {
          observed = ListedAlert(cluster, "AF", grouped, true).dump();
          return ListedState(cluster, "AF", grouped) == "cancelled";
        },
        kAlertsTimeout, "the operator's cancel at AF");
    REQUIRE(cluster.RunHub({"group", "add", "OP-REEF", "AS", "--data", hub}).exit_code == 0);
    cluster.WaitUntil(
        [&](std::string& observed) {
          observed = ListedAlert(cluster, "AS", grouped, true).dump();
          return ListedState(cluster, "AS", grouped) == "cancelled";
        },
        kAlertsTimeout, "the group's alert and its cancel at AS, added to the group later");
    CHECK(ListedAlert(cluster, "AS", grouped, false).is_null());
    // Not an alert, and no office may call itself the operator.
    CHECK(
        cluster
            .RunHub({"cancel-alert", "--data", cluster.hub_dir().string(), old[0], "--reason", "x"})
            .exit_code == 1);
    CHECK(cluster
              .RunHub({"allow", "--data", cluster.hub_dir().string(), "--node", "hub-operator",
                       "--key", cluster.node_key("AS")})
              .exit_code == 2);
  }

  SECTION("watch lists, scopes and the hub's view of undelivered alerts") {
    const RunResult add =
        cluster.RunQuery({"--data", cluster.node_dir("AS").string(), "watch", "add", "tobacco-th",
                          "--commodity", "tobacco", "--reporting-country", "TH"});
    INFO(add.out << add.err);
    REQUIRE(add.exit_code == 0);
    CHECK(cluster.RunQuery({"--data", cluster.node_dir("AS").string(), "watch", "add", "empty"})
              .exit_code == 2);
    const auto seized = cluster.Submit(
        "AF",
        {Line(AlertsSeizure("AF-CIG-1", {{"commodity", "tobacco"},
                                         {"reporting_country", "TH"},
                                         {"description", "Cigarettes in furniture"}})),
         Line(AlertsSeizure("AF-CIG-2", {{"commodity", "tobacco"}, {"reporting_country", "FR"}}))});
    cluster.WaitUntil(
        [&](std::string& observed) {
          const auto hits = QueryJson(cluster, "AS", {"hits"});
          observed = json(hits).dump();
          return HasHit(hits, "watch:tobacco-th", seized[0], "watch");
        },
        kAlertsTimeout, "the watch hit at AS");
    CHECK_FALSE(HasHit(QueryJson(cluster, "AS", {"hits"}), "watch:tobacco-th", seized[1], "watch"));
    const auto watches = QueryJson(cluster, "AS", {"watch", "list"});
    REQUIRE(watches.size() == 1);
    CHECK(watches[0].value("hits", -1) == 1);

    // An alert for AF alone: AS never sees it, so never sends a receipt.
    const std::string private_alert = cluster.Submit(
        "EU", {Line(AlertsAlert("EU-A-AF", "For AF only", {{"scope", "nodes:AF"}}))})[0];
    // An urgent alert while AS is down: the hub names AS as not reached.
    cluster.StopNode("AS");
    const std::string late =
        cluster.Submit("EU", {Line(AlertsAlert("EU-A-2", "While AS was down"))})[0];
    cluster.WaitUntil(
        [&](std::string& observed) {
          const json status = cluster.HubStatus();
          observed = status.dump();
          bool af_delivered = true, as_waiting = false;
          for (const json& u : status.value("undelivered_urgent", json::array())) {
            if (u.value("alert", "") == late && u.value("office", "") == "AF") af_delivered = false;
            if (u.value("alert", "") == late && u.value("office", "") == "AS") as_waiting = true;
          }
          return af_delivered && as_waiting;
        },
        kAlertsTimeout, "cen-hub status: AS has not received the urgent alert, AF has");
    const RunResult text = cluster.RunHub({"status", "--data", cluster.hub_dir().string()});
    CHECK(text.out.find("not yet received") != std::string::npos);
    cluster.StartNode("AS");
    cluster.WaitUntil(
        [&](std::string& observed) {
          const json status = cluster.HubStatus();
          observed = status.dump();
          return status.value("undelivered_urgent", json::array()).empty();
        },
        kAlertsTimeout, "every urgent alert received");
    const auto receipts = Receipts(cluster, private_alert);
    CHECK(receipts.size() == 1);
    CHECK(receipts.count("AF") == 1);
    CHECK(cluster.HubQuery("SELECT count(*) FROM journal WHERE kind = 'receipt' AND origin = 'AS' "
                           "AND ref LIKE '%" +
                           private_alert + "'") == 0);
  }
}

TEST_CASE("Every office shows an alert's amendment written after an update, in or out of its scope",
          "[e2e][alerts]") {
  // A trial: after an alert, its update scoped to the origin's region and
  // the origin's amendment of the alert, the offices that had the update
  // showed its title and the others the amendment's: one alert, two
  // current texts. The update says which version it was written against.
  Cluster cluster({{"EU", "EU"}, {"FR", "EU"}, {"AS", "AS"}});
  cluster.StartAll();
  const json alert = AlertsAlert("EU-A-AM", "First title", {{"priority", "high"}});
  const std::string uuid = cluster.Submit("EU", {Line(alert)})[0];
  cluster.Submit("EU", {Line(AlertsAlert("EU-A-AM-U", "Updated title",
                                         {{"priority", "high"},
                                          {"msg_type", "update"},
                                          {"references", {uuid}},
                                          {"scope", "region:EU"}}))});
  auto title_at = [&](std::string_view id, int64_t version, std::string& observed) {
    const json a = ListedAlert(cluster, id, uuid, true);
    if (!a.is_object()) {
      observed = "not listed";
      return std::string();
    }
    observed = "version " + std::to_string(a["alert"].value("version", 0)) + ", title " +
               a["alert"].value("title", "") + ", " + std::to_string(a["updates"].size()) +
               " update(s)";
    return a["alert"].value("version", 0) == version ? a["alert"].value("title", "")
                                                     : std::string();
  };
  cluster.WaitUntil(
      [&](std::string& observed) { return title_at("FR", 1, observed) == "Updated title"; },
      kAlertsTimeout, "FR shows the update");
  json amended = alert;
  amended["title"] = "Amended title";
  cluster.Submit("EU", {Line(amended)});
  for (const char* id : {"AS", "FR", "EU"}) {
    cluster.WaitUntil([&](std::string& observed) { return !title_at(id, 2, observed).empty(); },
                      kAlertsTimeout, std::string(id) + " holds the amendment");
    std::string observed;
    INFO(id);
    CHECK(title_at(id, 2, observed) == "Amended title");
  }
}

TEST_CASE("The origin's receipts count the offices an alert and its updates go to now",
          "[e2e][alerts]") {
  // A trial: an urgent update scoped to EU was "not received yet by" the
  // Asian office forever; after the alert was narrowed to EU the origin
  // still counted RECEIVED 2/2; an alert scoped to a group never created
  // said the hub had not told who it reaches.
  Cluster cluster({{"EU", "EU"}, {"FR", "EU"}, {"AS", "AS"}});
  cluster.StartAll();
  const json alert = AlertsAlert("EU-A-RC", "Reefers");
  const std::string uuid = cluster.Submit("EU", {Line(alert)})[0];
  const std::string update = cluster.Submit(
      "EU", {Line(AlertsAlert(
                "EU-A-RC-U", "EU ports only",
                {{"msg_type", "update"}, {"references", {uuid}}, {"scope", "region:EU"}}))})[0];
  // Until EU's replica holds its own alert, receipts says there is none
  // (exit 1): waited for below.
  auto receipts_text = [&] {
    const RunResult r = cluster.RunQuery(
        {"--data", cluster.node_dir("EU").string(), "--format", "table", "receipts", uuid});
    return r.out + r.err;
  };
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed = receipts_text();
        return observed.find("every office in its scope has received it") != std::string::npos &&
               observed.find("urgent update " + update) != std::string::npos &&
               observed.find("): every office has received it") != std::string::npos;
      },
      kAlertsTimeout, "both offices have the alert, FR its update, AS is not waited for");

  json narrowed = alert;
  narrowed["scope"] = "region:EU";
  cluster.Submit("EU", {Line(narrowed)});
  cluster.WaitUntil(
      [&](std::string& observed) {
        const json a = ListedAlert(cluster, "EU", uuid, false);
        observed = a.dump();
        return a.is_object() && a["alert"].value("version", 0) == 2 &&
               a.value("audience", -1) == 1 && a.value("received", -1) == 1;
      },
      kAlertsTimeout, "the origin counts FR alone");
  std::map<std::string, bool> in_scope;
  for (const json& line : QueryJson(cluster, "EU", {"receipts", uuid}))
    in_scope[line.value("office", "")] = line.value("in_scope", false);
  CHECK(in_scope == std::map<std::string, bool>{{"AS", false}, {"FR", true}});
  const std::string text = receipts_text();
  CHECK_THAT(text, Catch::Contains("outside its scope now: withdrawn there") &&
                       Catch::Contains("1 office(s) that held an earlier version are outside it"));

  const std::string lonely = cluster.Submit(
      "EU", {Line(AlertsAlert("EU-A-NONE", "Nobody", {{"scope", "group:NOSUCH"}}))})[0];
  cluster.WaitUntil(
      [&](std::string& observed) {
        const RunResult r = cluster.RunQuery(
            {"--data", cluster.node_dir("EU").string(), "--format", "table", "receipts", lonely});
        observed = r.out + r.err;
        return observed.find("the alert reaches no office but this one") != std::string::npos;
      },
      kAlertsTimeout, "the origin says the alert reaches nobody");
}

TEST_CASE("An office back from an outage is paged only for the alerts still in force",
          "[e2e][alerts]") {
  // PROTOCOL.md 4.2: an office catching up on the history is not told old
  // news. The agent applies in gseq order (urgent alerts ahead, through the
  // priority lane's fetch), so it met each alert before the cancel that
  // ended it, and paged for both.
  Cluster cluster({{"EU", "EU"}, {"AS", "AS"}});
  const fs::path alert_log = cluster.dir() / "as-alerts.ndjson";
  AppendConfig(cluster.node_dir("AS"), "on_alert = \"cat >> '" + alert_log.string() + "'\"");
  cluster.StartAll();
  cluster.WaitForHubState("AS", "connected", kAlertsTimeout);
  cluster.StopNode("AS");

  const std::string urgent = cluster.Submit(
      "EU", {Line(AlertsAlert("EU-U-OLD", "Urgent, cancelled while AS was away"))})[0];
  const std::string normal =
      cluster.Submit("EU", {Line(AlertsAlert("EU-N-OLD", "Normal, cancelled while AS was away",
                                             {{"priority", "normal"}}))})[0];
  std::vector<std::string> seizures;
  for (int i = 0; i < 20; ++i)
    seizures.push_back(Line(AlertsSeizure("EU-S-" + std::to_string(i), json::object())));
  cluster.Submit("EU", seizures);
  // The urgent alert's cancel at normal priority: the hub journals it in its
  // alert's lane, so the priority lane's fetch brings both.
  cluster.Submit(
      "EU", {Line(AlertsAlert(
                 "EU-U-OLD-C", "Cancelled",
                 {{"msg_type", "cancel"}, {"references", {urgent}}, {"priority", "normal"}})),
             Line(AlertsAlert(
                 "EU-N-OLD-C", "Cancelled",
                 {{"msg_type", "cancel"}, {"references", {normal}}, {"priority", "normal"}}))});
  const std::string urgent_live =
      cluster.Submit("EU", {Line(AlertsAlert("EU-U-LIVE", "Urgent, in force"))})[0];
  const std::string normal_live = cluster.Submit(
      "EU", {Line(AlertsAlert("EU-N-LIVE", "Normal, in force", {{"priority", "normal"}}))})[0];
  // Every one journaled before AS comes back.
  cluster.WaitUntil(
      [&](std::string& observed) {
        const int64_t n = cluster.HubQuery("SELECT count(*) FROM journal WHERE origin = 'EU'");
        observed = std::to_string(n) + " of EU's records journaled";
        return n == 26;
      },
      kAlertsTimeout, "EU's records at the hub");

  cluster.StartNode("AS");
  // The hook runs alerts in the order they were decided: once both alerts in
  // force are there, the old ones were decided too.
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed = ReadAll(alert_log);
        std::set<std::string> refs;
        for (const json& a : AlertsJsonLines(observed)) refs.insert(a.value("ref", ""));
        return refs.count("EU-U-LIVE") == 1 && refs.count("EU-N-LIVE") == 1;
      },
      kAlertsTimeout, "AS's hook for the two alerts in force");
  std::vector<std::string> paged;
  for (const json& a : AlertsJsonLines(ReadAll(alert_log))) paged.push_back(a.value("ref", ""));
  std::sort(paged.begin(), paged.end());
  CHECK(paged == std::vector<std::string>{"EU-N-LIVE", "EU-U-LIVE"});
  cluster.WaitUntil(
      [&](std::string& observed) {
        const auto u = Receipts(cluster, urgent_live);
        const auto n = Receipts(cluster, normal_live);
        observed = json(u).dump() + " " + json(n).dump();
        return u.count("AS") == 1 && !u.at("AS").value("delivered_at", "").empty() &&
               n.count("AS") == 1 && !n.at("AS").value("delivered_at", "").empty();
      },
      kAlertsTimeout, "AS's delivery receipts for the alerts in force at EU");
  // EU expects AS's receipt for each (the audience), and none came.
  for (const std::string& ended : {urgent, normal}) {
    const auto receipts = Receipts(cluster, ended);
    REQUIRE(receipts.count("AS") == 1);
    CHECK(receipts.at("AS").value("delivered_at", "") == "");
    CHECK(receipts.at("AS").value("action", "") == "");
    CHECK(receipts.at("AS").value("ended_first", false));
  }
  CHECK_FALSE(Receipts(cluster, urgent_live).at("AS").value("ended_first", true));
  // A trial: the origin's receipts said "not yet" and "1 office(s) in its
  // scope have not received it yet" of an alert cancelled while AS was away,
  // for good: AS is not paged for it and sends no receipt.
  const RunResult table = cluster.RunQuery(
      {"--data", cluster.node_dir("EU").string(), "--format", "table", "receipts", urgent});
  CHECK_THAT(table.out, Catch::Contains("none before its cancel") &&
                            Catch::Contains("1 office(s) in its scope sent no receipt before it "
                                            "was cancelled") &&
                            !Catch::Contains("have not received it yet"));
  CHECK(cluster.NodeLog("AS").find("had ended when this node applied it") != std::string::npos);
}

namespace {

// /proc/PID/environ: the environment the process was started with.
std::map<std::string, std::string> StartEnvironment(pid_t pid) {
  std::map<std::string, std::string> env;
  std::istringstream in(ReadAll("/proc/" + std::to_string(pid) + "/environ"));
  std::string entry;
  while (std::getline(in, entry, '\0')) {
    const size_t eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return env;
}

std::string Comm(pid_t pid) {
  std::string name = ReadAll("/proc/" + std::to_string(pid) + "/comm");
  while (!name.empty() && name.back() == '\n') name.pop_back();
  return name;
}

}  // namespace

TEST_CASE(
    "The daemons run with huge pages for their heap, their hooks with the environment as given",
    "[e2e][alerts]") {
  // GLIBC_TUNABLES as the operator gives it to the daemons (inherited).
  std::optional<std::string> given;
  SECTION("none given") {}
  SECTION("the operator's own") { given = "glibc.malloc.arena_max=4"; }
  if (given) {
    setenv("GLIBC_TUNABLES", given->c_str(), 1);
  } else {
    unsetenv("GLIBC_TUNABLES");
  }
  Cluster cluster({{"EU", "EU"}, {"AS", "AS"}});
  const fs::path env_log = cluster.dir() / "as-hook-env.txt";
  AppendConfig(cluster.node_dir("AS"), "on_alert = \"cat > /dev/null; env > '" + env_log.string() +
                                           ".tmp' && mv '" + env_log.string() + ".tmp' '" +
                                           env_log.string() + "'\"");
  cluster.StartAll();
  cluster.Submit("EU", {Line(AlertsAlert("EU-A-ENV", "Reefers"))});
  cluster.WaitUntil(
      [&](std::string& observed) {
        observed = ReadAll(env_log);
        return !observed.empty();
      },
      kAlertsTimeout, "AS's alert hook");

  // Started once more by themselves (same pid, same name), with glibc's
  // malloc tunables added to what was given; the marker names the pid.
  for (const pid_t pid : {cluster.hub_pid(), cluster.node_pid("AS")}) {
    INFO("pid " << pid);
    const auto env = StartEnvironment(pid);
    CHECK_THAT(Comm(pid), Catch::Matchers::StartsWith("cen-"));
    REQUIRE(env.count("GLIBC_TUNABLES") == 1);
    REQUIRE(env.count("CEN_GIVEN_GLIBC_TUNABLES") == 1);
    CHECK(env.at("CEN_GIVEN_GLIBC_TUNABLES") ==
          std::to_string(pid) + (given ? "=" + *given : std::string("-")));
    // glibc may show only the first tunable here: the operator's, or ours.
    CHECK_THAT(env.at("GLIBC_TUNABLES"),
               Catch::Matchers::StartsWith(given ? *given : "glibc.malloc.hugetlb=1"));
  }
  // The hook's environment is the agent's as it was given.
  const std::string hook_env = ReadAll(env_log);
  CHECK(hook_env.find("CEN_GIVEN_GLIBC_TUNABLES") == std::string::npos);
  if (given) {
    CHECK(("\n" + hook_env).find("\nGLIBC_TUNABLES=" + *given + "\n") != std::string::npos);
  } else {
    CHECK(hook_env.find("GLIBC_TUNABLES") == std::string::npos);
  }
}

}  // namespace cen::e2e
