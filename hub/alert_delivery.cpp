#include "hub/alert_delivery.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/msgpack_json.h"
#include "common/node_id.h"
#include "common/record_validator.h"
#include "common/wire_frame.h"
#include "hub/group_registry.h"
#include "hub/journal.h"
#include "hub/node_registry.h"
#include "hub/scope_policy.h"

namespace cen::hub {
namespace {

struct Alert {
  std::string origin, scope, title, received_at;
  int64_t version = 0;
  bool expired = false;
  std::vector<std::string> targets;  // an update's: the alerts it changes
  // Who the newest version (any lane) of the alert and of each alert it
  // changes reaches, as (scope, origin): an office waited for may see all.
  std::vector<std::pair<std::string, std::string>> reaches;
};

}  // namespace

common::Result<std::vector<AlertDelivery::Undelivered>> AlertDelivery::UndeliveredUrgent(
    common::Database& db, int64_t now_millis) {
  NodeRegistry registry(&db);
  GroupRegistry groups(&db);
  CEN_RETURN_IF_ERROR(registry.Refresh());
  CEN_RETURN_IF_ERROR(groups.Refresh());
  const ScopePolicy policy(&groups);

  // Urgent alerts are the priority lane's lane 2 (journal_lane index); the
  // latest version of each decides its title, scope and expiry. An urgent
  // update (an alert escalated to urgent: the trial's "DE-A-001 is now
  // urgent") must reach every office too: its own delivered receipt says so.
  auto urgent = db.Prepare(
      std::string("SELECT j.uuid, j.version, j.origin, ") + Journal::kReachSql +
      ", j.body, j.received_at FROM journal j LEFT JOIN validations v ON v.gseq = j.gseq "
      "WHERE j.lane = 2 AND j.gseq > 0 AND j.kind = 'alert' "
      // An NCP's alert in force is an accepted one: pending, returned or
      // superseded by a newer version, it is in force nowhere.
      "AND (v.state IS NULL OR v.state = 'accepted') ORDER BY j.gseq");
  if (!urgent.ok()) return urgent.status();
  std::map<std::string, Alert> alerts;
  while (true) {
    auto row = urgent->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto rec = common::MsgpackJson::Decode(urgent->ColumnBlob(4));
    if (!rec.ok()) continue;
    const std::string msg_type = common::WireFrame::StringOr(*rec, "msg_type", "");
    if (msg_type != "alert" && msg_type != "update") continue;
    Alert& a = alerts[urgent->ColumnText(0)];
    if (urgent->ColumnInt(1) < a.version) continue;
    // An update takes its alert's lane; it is urgent news (and gets a
    // delivered receipt of its own, AlertTracker) only when its own
    // priority, in its latest version, is urgent.
    if (msg_type == "update" && common::WireFrame::StringOr(*rec, "priority", "") != "urgent") {
      a = Alert{};
      a.version = urgent->ColumnInt(1);
      a.expired = true;  // in force, but not waited for
      continue;
    }
    a = Alert{urgent->ColumnText(2),
              urgent->ColumnText(3),
              common::WireFrame::StringOr(*rec, "title", ""),
              urgent->ColumnText(5),
              urgent->ColumnInt(1),
              false,
              {},
              {}};
    if (msg_type == "update") {
      for (const auto& ref : rec->value("references", nlohmann::json::array()))
        if (ref.is_string()) a.targets.push_back(ref.get<std::string>());
    }
    const auto expires = common::RecordValidator::TimestampMillis(
        common::WireFrame::StringOr(*rec, "expires_at", ""));
    a.expired = expires && *expires <= now_millis;
  }
  // An update whose alert has expired is in force nowhere (the alert may be
  // of any lane: read its latest version).
  auto target_body = db.Prepare(
      "SELECT body FROM journal WHERE uuid = ? AND kind = 'alert' ORDER BY version DESC "
      "LIMIT 1");
  if (!target_body.ok()) return target_body.status();
  for (auto& [uuid, a] : alerts) {
    for (const std::string& target : a.targets) {
      auto row = target_body->Bind(1, target).Step();
      if (!row.ok()) return row.status();
      if (*row) {
        auto body = common::MsgpackJson::Decode(target_body->ColumnBlob(0));
        const auto expires = common::RecordValidator::TimestampMillis(
            body.ok() ? common::WireFrame::StringOr(*body, "expires_at", "") : "");
        if (expires && *expires <= now_millis) a.expired = true;
      }
      target_body->Reset();
    }
  }
  if (alerts.empty()) return std::vector<Undelivered>{};

  // Cancels may have any priority: read the alerts of each origin (by the
  // journal_natural_key index), there are few.
  auto by_origin = db.Prepare("SELECT body FROM journal WHERE origin = ? AND kind = 'alert'");
  if (!by_origin.ok()) return by_origin.status();
  std::set<std::string> origins;
  for (const auto& [uuid, a] : alerts) origins.insert(a.origin);
  origins.insert(std::string(common::NodeId::kHubOperator));
  std::set<std::string> cancelled;
  for (const std::string& origin : origins) {
    by_origin->Bind(1, origin);
    while (true) {
      auto row = by_origin->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      auto rec = common::MsgpackJson::Decode(by_origin->ColumnBlob(0));
      if (!rec.ok() || common::WireFrame::StringOr(*rec, "msg_type", "") != "cancel") continue;
      for (const auto& ref : rec->value("references", nlohmann::json::array())) {
        if (ref.is_string()) cancelled.insert(ref.get<std::string>());
      }
    }
    by_origin->Reset();
  }
  // A cancelled alert, and an escalation of one, are in force nowhere.
  std::erase_if(alerts, [&](const auto& entry) {
    const auto& [uuid, a] = entry;
    return cancelled.contains(uuid) ||
           std::any_of(a.targets.begin(), a.targets.end(),
                       [&](const std::string& t) { return cancelled.contains(t); });
  });

  // An office outside the newest version of the alert (narrowed since, in
  // any lane) or of an alert an update changes is not waited for: an update
  // goes no further than its alert (a trial: Asian offices listed for an EU
  // alert's update, which they may never receive).
  auto newest = db.Prepare(std::string("SELECT j.origin, ") + Journal::kReachSql +
                           " FROM journal j LEFT JOIN validations v ON v.gseq = j.gseq "
                           "WHERE j.uuid = ? AND j.kind = 'alert' "
                           // An NCP's version waiting or returned is in force nowhere.
                           "AND (v.state IS NULL OR v.state = 'accepted') "
                           "ORDER BY j.version DESC LIMIT 1");
  if (!newest.ok()) return newest.status();
  for (auto& [uuid, a] : alerts) {
    std::vector<std::string> named = a.targets;
    named.push_back(uuid);
    for (const std::string& alert : named) {
      auto row = newest->Bind(1, alert).Step();
      if (!row.ok()) return row.status();
      if (*row) a.reaches.emplace_back(newest->ColumnText(1), newest->ColumnText(0));
      newest->Reset();
    }
  }

  auto receipts = db.Prepare(
      "SELECT DISTINCT origin FROM journal WHERE kind = 'receipt' AND ref IN "
      "('delivered:' || ?1, 'seen:' || ?1, 'actioned:' || ?1, 'no-trace:' || ?1)");
  if (!receipts.ok()) return receipts.status();
  std::vector<Undelivered> out;
  for (const auto& [uuid, a] : alerts) {
    if (a.expired) continue;
    std::set<std::string> received;
    receipts->Bind(1, uuid);
    while (true) {
      auto row = receipts->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      received.insert(receipts->ColumnText(0));
    }
    receipts->Reset();
    for (const std::string& office : policy.Audience(registry, a.scope, a.origin)) {
      const NodeInfo* info = registry.Find(office);
      const bool reached =
          info != nullptr && std::all_of(a.reaches.begin(), a.reaches.end(), [&](const auto& r) {
            return policy.MaySee(*info, r.first, r.second);
          });
      if (reached && !received.contains(office)) {
        out.push_back({office, uuid, a.origin, a.title, a.received_at});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const Undelivered& x, const Undelivered& y) {
    return std::tie(x.office, x.received_at, x.alert) < std::tie(y.office, y.received_at, y.alert);
  });
  return out;
}

}  // namespace cen::hub
