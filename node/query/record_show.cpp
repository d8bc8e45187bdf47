#include "node/query/record_show.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>

#include "common/messages.h"
#include "common/utf8.h"
#include "node/query/alert_queries.h"
#include "node/query/record_format.h"
#include "node/store/nominal_details.h"

namespace cen::node {

using common::Messages;
namespace {

using nlohmann::json;

constexpr size_t kMinPrefix = 8;

// The top-level fields whose values differ between `before` and `after`.
std::vector<std::string> Changed(const json& before, const json& after) {
  static const std::vector<std::string> kEnvelope = {"version", "gseq", "received_at"};
  std::vector<std::string> out;
  auto skip = [](const std::string& key) {
    return std::find(kEnvelope.begin(), kEnvelope.end(), key) != kEnvelope.end();
  };
  for (const auto& [key, value] : after.items()) {
    if (skip(key)) continue;
    auto it = before.find(key);
    if (it == before.end() || *it != value) out.push_back(key);
  }
  for (const auto& [key, value] : before.items()) {
    if (!skip(key) && !after.contains(key)) out.push_back(key + " (removed)");
  }
  return out;
}

std::string Joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

}  // namespace

// The uuid `wanted` names: itself, or the one record whose uuid starts with it.
common::Result<std::string> RecordShow::Resolve(common::Database& db, const std::string& wanted) {
  const bool hexish = !wanted.empty() && std::all_of(wanted.begin(), wanted.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) || c == '-';
  });
  if (!hexish || wanted.size() < kMinPrefix)
    return common::UsageError(
        Messages::Format("UUID: '{}' is not a record uuid (give the uuid, or its first 8 or "
                         "more characters, as cen-query prints it)",
                         wanted));
  std::string lower = wanted;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  constexpr int kNamed = 5;  // candidates named when a prefix is ambiguous
  auto stmt = db.Prepare(
      "SELECT uuid, min(ref), min(origin) FROM records WHERE uuid >= ?1 AND uuid < ?1 || 'g' "
      "GROUP BY uuid ORDER BY uuid LIMIT ?2");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, lower).Bind(2, kNamed + 1);
  std::vector<std::string> found;
  std::string candidates;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    found.push_back(stmt->ColumnText(0));
    if (found.size() > kNamed) {
      candidates += ", ...";
    } else {
      candidates += (found.size() > 1 ? ", " : "") + stmt->ColumnText(0) + " (" +
                    stmt->ColumnText(1) + ", " + stmt->ColumnText(2) + ")";
    }
  }
  if (found.empty()) {
    // Withdrawn (PROTOCOL.md §6.10): the analyst held it, and is told why it
    // is gone. A node.db whose agent has not made the table knows of none.
    auto withdrawn = db.Prepare(
        "SELECT uuid, version, at FROM withdrawals WHERE uuid >= ?1 AND uuid < ?1 || 'g' "
        "ORDER BY uuid LIMIT 2");
    if (withdrawn.ok()) {
      withdrawn->Bind(1, lower);
      auto row = withdrawn->Step();
      if (row.ok() && *row) {
        return common::NotFound(Messages::Format(
            "record {} was withdrawn from this replica at {}: its version {} reaches offices this "
            "node is not among (its origin narrowed its scope, or its alert's, or cancelled the "
            "alert once this node was outside its scope); no version of it is held here",
            withdrawn->ColumnText(0), withdrawn->ColumnText(2), withdrawn->ColumnInt(1)));
      }
    }
    return common::NotFound(
        Messages::Format("no record {} in this replica (it may not exist, not be replicated yet, "
                         "or be outside this node's scopes)",
                         wanted));
  }
  if (found.size() > 1)
    return common::UsageError(
        Messages::Format("UUID: '{}' matches several records: {}; give more of it (records "
                         "made in the same millisecond share their first 13 characters)",
                         wanted, candidates));
  return found[0];
}

common::Result<QueryOutcome> RecordShow::Run(common::Database& db, const QueryOptions& o,
                                             std::ostream& out) {
  auto uuid = Resolve(db, o.uuid);
  if (!uuid.ok()) return uuid.status();
  auto stmt = db.Prepare(
      "SELECT version, gseq, origin, received_at, doc FROM record_versions WHERE uuid = ? "
      "ORDER BY version");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, *uuid);
  struct Version {
    int64_t version;
    int64_t gseq;
    std::string origin;
    std::string received_at;
    json doc;
  };
  std::vector<Version> versions;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    versions.push_back({stmt->ColumnInt(0), stmt->ColumnInt(1), stmt->ColumnText(2),
                        stmt->ColumnText(3), json::parse(stmt->ColumnText(4), nullptr, false)});
  }
  if (versions.empty()) return common::Corruption("show: record " + *uuid + " has no versions");
  // Documents come from Replica::Apply (an object); a damaged one shows as empty.
  const json latest = versions.back().doc.is_object() ? versions.back().doc : json::object();
  auto text = [&latest](const char* key, const char* fallback) {
    auto it = latest.find(key);
    return it != latest.end() && it->is_string() ? it->get<std::string>() : std::string(fallback);
  };
  const std::string handling = text("handling", "H0");
  const bool restricted = RecordFormat::Restricted(handling);
  QueryOutcome outcome{1, 0};

  json history = json::array();
  for (size_t i = 0; i < versions.size(); ++i) {
    const Version& v = versions[i];
    json entry = {{"version", v.version},
                  {"gseq", v.gseq},
                  {"origin", v.origin},
                  {"received_at", v.received_at}};
    entry["changed"] = i == 0 || !versions[i - 1].doc.is_object() || !v.doc.is_object()
                           ? json::array()
                           : json(Changed(versions[i - 1].doc, v.doc));
    history.push_back(entry);
  }
  if (o.format == "json" || o.format == "csv") {
    if (o.format == "csv")
      return common::UsageError(Messages::Tr("show: --format csv is for lists; use table or json"));
    // An alert's updates, cancel and receipts, as the table shows them (a
    // trial: json, the default into a pipe, left them out). Their words are
    // exported too: the strictest handling of the alert and its updates
    // decides, as for `alerts` (a review: an H3 update of an H0 alert).
    // Only an alert, update or cancel has one: a seizure reads no alert book.
    auto cycle = text("kind", "") == "alert" ? AlertQueries::LifeCycle(db, *uuid)
                                             : common::Result<std::optional<json>>(std::nullopt);
    if (!cycle.ok()) return cycle.status();
    std::string strictest = handling;
    if (*cycle && RecordFormat::Restricted((**cycle)["handling"].get<std::string>()) &&
        !RecordFormat::Restricted(handling))
      strictest = (**cycle)["handling"].get<std::string>();
    const bool exported_restricted = RecordFormat::Restricted(strictest);
    if (exported_restricted && !o.include_restricted)
      return common::UsageError(
          Messages::Format("show: record {} is {} (restricted); exporting it as {} needs "
                           "--include-restricted (the export is audited)",
                           *uuid, strictest, o.format));
    outcome.restricted = exported_restricted ? 1 : 0;
    json shown = {{"record", latest}, {"versions", history}};
    if (*cycle) shown["life_cycle"] = std::move(**cycle);
    out << shown.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    return outcome;
  }

  if (restricted) {
    outcome.restricted = 1;  // audited as shown (a trial: a table left restricted 0)
    out << "*** " << handling << " (restricted): "
        << (handling == "H3" ? text("handling_note", "") : "handle as the code requires")
        << " ***\n";
  }
  size_t key_width = 0;
  for (const auto& [key, value] : latest.items()) key_width = std::max(key_width, key.size());
  // Canonical order first, then any keys this version of cen-query does not know.
  std::vector<std::string> keys = RecordFormat::CsvColumns({text("kind", "")});
  for (const auto& [key, value] : latest.items())
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  // An NCP's record says "pending" as it was sent; the replica knows whether
  // its RILO returned it since, and why, and which version stays in force
  // meanwhile (an amendment's).
  std::string validation;
  if (latest.contains("validation")) {
    auto state = db.Prepare(
        "SELECT r.validation, (SELECT rilo || ': ' || coalesce(reason, '') FROM decisions "
        "WHERE record = r.uuid AND record_version = r.version AND decision = 'return' "
        "ORDER BY gseq DESC LIMIT 1), (SELECT f.version FROM records f WHERE f.uuid = r.uuid "
        "AND f.validation IS NULL) FROM records r WHERE r.uuid = ? AND r.validation IS NOT NULL");
    if (!state.ok()) return state.status();
    auto row = state->Bind(1, *uuid).Step();
    if (!row.ok()) return row.status();
    if (*row) {
      if (state->ColumnText(0) == "returned")
        validation = Messages::Format("returned by {}", state->ColumnText(1));
      if (!state->ColumnIsNull(2)) {
        validation = Messages::Format(
            "{} (version {} stays in force until the RILO accepts this one)",
            validation.empty() ? text("validation", "pending") : validation, state->ColumnInt(2));
      }
    }
  }
  for (const std::string& key : keys) {
    if (!latest.contains(key)) continue;
    const json& value = latest[key];
    std::string shown = value.is_string()
                            ? value.get<std::string>()
                            : value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (key == "validation" && !validation.empty()) shown = validation;
    // A text of several lines keeps the column: each line after the first
    // indented under the value, a tab as spaces (a trial's description
    // broke the layout at column 0, with a raw tab).
    const std::string indent(key_width + 2, ' ');
    std::string laid_out;
    for (const char c : shown) {
      if (c == '\n') {
        laid_out += "\n" + indent;
      } else if (c == '\t') {
        laid_out += "    ";
      } else if (c != '\r') {
        laid_out += c;
      }
    }
    out << key << std::string(key_width + 2 - key.size(), ' ') << laid_out << "\n";
  }
  auto nominal = NominalDetails::Load(db, *uuid);
  if (!nominal.ok()) return nominal.status();
  if (!nominal->empty()) {
    out << "\n" << Messages::Tr("nominal details (held on this node only, never shared):") << "\n";
    for (const json& d : *nominal) {
      out << "  offenders[" << d["offender"].get<int64_t>() << "]";
      for (const char* key : {"name", "document_number", "birth_date"}) {
        if (d.contains(key)) out << "  " << key << ": " << d[key].get<std::string>();
      }
      out << "\n";
    }
  }
  out << "\n" << Messages::Tr("versions:") << "\n";
  for (const json& entry : history) {
    out << "  v" << entry["version"].get<int64_t>() << "  gseq " << entry["gseq"].get<int64_t>()
        << "  " << entry["received_at"].get<std::string>() << "  "
        << Messages::Format("by {}", entry["origin"].get<std::string>());
    if (!entry["changed"].empty())
      out << "  "
          << Messages::Format("changed: {}",
                              Joined(entry["changed"].get<std::vector<std::string>>()));
    out << "\n";
  }
  // An alert's life cycle, as the json has it; a seizure reads no alert book.
  if (text("kind", "") == "alert") {
    auto shown = AlertQueries::Chain(db, *uuid, out);
    if (!shown.ok()) return shown.status();
    // Shown, so audited (a review: an H0 update of an H3 alert).
    if (*shown) outcome.restricted = 1;
  }
  return outcome;
}

}  // namespace cen::node
