#include "node/node_commands.h"

#include <spdlog/fmt/fmt.h>
#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/clock.h"
#include "common/curve_keys.h"
#include "common/data_dir.h"
#include "common/instance_lock.h"
#include "common/messages.h"
#include "common/node_id.h"
#include "common/os_user.h"
#include "common/record_validator.h"
#include "common/state_file.h"
#include "common/toml_field.h"
#include "common/utf8.h"
#include "common/wal_checkpointer.h"
#include "common/write_behind.h"
#include "node/agent/agent_doorbell.h"
#include "node/agent/agent_status.h"
#include "node/agent/alert_tracker.h"
#include "node/agent/node_agent.h"
#include "node/agent/replica.h"
#include "node/drops/drop_importer.h"
#include "node/drops/drop_progress.h"
#include "node/drops/drop_template.h"
#include "node/drops/ndjson_record_reader.h"
#include "node/query/alert_book.h"
#include "node/query/pending_queue.h"
#include "node/query/query_audit.h"
#include "node/store/node_config.h"
#include "node/store/node_schema.h"
#include "node/store/outbox.h"
#include "node/store/outbox_record.h"
#include "node/store/text_db.h"
#include "node/store/urgent_claim.h"

namespace cen::node {

using common::Messages;

using nlohmann::json;

namespace {

// Refused versions `cen-node status` lists (newest first); --json has as many.
constexpr int64_t kRefusalsShown = 20;

// Before a drop beside a running agent begins a file: what an earlier
// drop's log still holds is copied into node.db first (by the agent's
// checkpointer, which may be at it, or here), so that SQLite starts the log
// again from its beginning instead of appending this file to the last (files
// dropped one after the other would pile up one log of them all). Gives up
// after kWaitForCopy (a reader's old snapshot can hold frames back): the
// file is then appended, as before.
void CopyEarlierLog(common::Database& db) {
  constexpr auto kWaitForCopy = std::chrono::seconds(5);
  const auto deadline = std::chrono::steady_clock::now() + kWaitForCopy;
  while (true) {
    const auto done = common::WalCheckpointer::CheckpointPassive(db);
    const bool no_log = done.rc == SQLITE_OK && done.log_frames < 0;
    if (done.copied_all || no_log || std::chrono::steady_clock::now() > deadline) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

common::Status NodeCommands::Init(const NodeInitOptions& o, std::ostream& out) {
  if (!common::NodeId::IsValid(o.node_id))
    return common::UsageError(Messages::Format(
        "--id: '{}' is not a node id (letters, digits, _ - ., at most 64)", o.node_id));
  if (common::NodeId::IsReserved(o.node_id))
    return common::UsageError(Messages::Format(
        "--id: '{}' is reserved for the records the hub operator makes", o.node_id));
  if (!o.region.empty() && !common::NodeId::IsValid(o.region))
    return common::UsageError(Messages::Format("--region: '{}' is not a region code", o.region));
  if (!common::TomlField::CheckEndpoint("--hub", o.hub_endpoint).ok())
    return common::UsageError(Messages::Format(
        "--hub: '{}' must look like tcp://HOST:PORT, with a port from 1 to 65535", o.hub_endpoint));
  auto hub_key = common::CurveKeys::ParsePublicKey(o.hub_key);
  if (!hub_key.ok())
    return common::UsageError(Messages::Format("--hub-key: {}", hub_key.status().message()));
  CEN_RETURN_IF_ERROR(common::DataDir::CreateFresh(o.data_dir, "node.db", "a node"));

  NodeConfig config;
  config.node_id = o.node_id;
  config.hub_endpoint = o.hub_endpoint;
  config.hub_key = *hub_key;
  config.region = o.region;
  auto keys = common::CurveKeys::Generate();
  if (!keys.ok()) return keys.status();
  CEN_RETURN_IF_ERROR(keys->Save(o.data_dir));
  CEN_RETURN_IF_ERROR(config.Save(o.data_dir));
  auto db = common::Database::Open(NodeSchema::DbPath(o.data_dir),
                                   common::Database::Mode::kReadWriteCreate);
  if (!db.ok()) return db.status();
  CEN_RETURN_IF_ERROR(NodeSchema::Create(*db, o.node_id));
  // Case data (nominal details among it) for the node's user alone.
  CEN_RETURN_IF_ERROR(common::DataDir::MakePrivate(NodeSchema::DbPath(o.data_dir)));
  if (std::filesystem::exists(TextDb::Path(o.data_dir)))
    CEN_RETURN_IF_ERROR(common::DataDir::MakePrivate(TextDb::Path(o.data_dir)));
  out << keys->public_key() << "\n";
  return common::Status::Ok();
}

common::Status NodeCommands::RotateKey(const std::string& data_dir, std::ostream& out) {
  auto config = NodeConfig::Load(data_dir);
  if (!config.ok()) return config.status();
  auto keys = common::CurveKeys::Rotate(data_dir);
  if (!keys.ok()) return keys.status();
  out << keys->public_key() << "\n"
      << Messages::Tr(
             "new key pair written; the old one is kept as curve.sec.old and curve.pub.old.")
      << "\n"
      << Messages::Tr("The hub operator runs:")
      << "\n  cen-hub allow --data HUB_DIR --node "
      // Quoted: a Z85 key holds < > & ( ), never a single quote.
      // No --region: the hub keeps the node's region (node.toml's may be
      // older than a move the operator made; a trial moved an office back).
      << config->node_id << " --key '" << keys->public_key() << "'\n"
      << Messages::Tr(
             "then restart cen-node run; the outbox waits until the hub knows the new key.")
      << "\n";
  return common::Status::Ok();
}

common::Status NodeCommands::Run(const RunOptions& o, const std::atomic<bool>& stop) {
  NodeAgent agent(o.data_dir, {o.drop_dir, o.on_alert, o.on_hit, o.rt_priority});
  return agent.Run(stop);
}

common::Status NodeCommands::Drop(const DropOptions& o, std::istream& in, std::ostream& out,
                                  std::ostream& err) {
  if (!o.template_kind.empty()) return DropTemplate::Write(o.template_kind, out);
  if (o.data_dir.empty()) return common::UsageError(Messages::Tr("drop: --data is required"));
  if (o.files.empty())
    return common::UsageError(Messages::Tr("drop: name at least one FILE (or -)"));
  DropSettings settings;
  settings.partial = o.partial;
  settings.dry_run = o.dry_run;
  settings.lower_handling = o.lower_handling;
  if (o.format == "csv") {
    settings.format = DropFormat::kCsv;
  } else if (o.format == "ndjson") {
    settings.format = DropFormat::kNdjson;
  } else if (!o.format.empty()) {
    return common::UsageError(Messages::Tr("--format: must be csv or ndjson"));
  }
  const bool stdin_named = std::count(o.files.begin(), o.files.end(), "-") > 0;
  // Before anything is read: a trial got a summary of 0 rows, then this.
  if (o.partial && !o.dry_run && stdin_named)
    return common::UsageError(Messages::Tr(
        "--partial needs a file, not standard input (its refused rows go to FILE.rejects.csv)"));
  if (!settings.format && stdin_named)
    return common::UsageError(Messages::Tr("--format csv|ndjson is needed to read standard input"));
  auto config = NodeConfig::Load(o.data_dir);
  if (!config.ok()) return config.status();
  auto db = NodeSchema::Open(o.data_dir, common::Database::Mode::kReadWrite);
  if (!db.ok()) return db.status();
  CEN_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL"));  // durable before exit 0
  CEN_RETURN_IF_ERROR(db->Exec(DropImporter::kCachePragma));
  // Another file (the agent's drop folder) may hold the write lock for its
  // whole import, and take it first again after giving way to an alert.
  db->SetBusyTimeout(DropImporter::kLockWaitMillis);
  // With an agent running, its checkpointer thread copies each file's log
  // into node.db in the background, as it does for its own writes and its
  // drop folder's: the drop ends once its log is durable (on a million rows,
  // 2-3 s sooner). Without one, each file's commit copies the log
  // here, and the last connection to close copies what is left.
  const bool beside_agent = common::InstanceLock::IsHeld(o.data_dir, common::InstanceLock::kAgent);
  if (beside_agent) CEN_RETURN_IF_ERROR(db->Exec("PRAGMA wal_autocheckpoint=0"));
  // Each file is one transaction; its log is written out while the rows are
  // read, so the commit's fsync waits for the tail.
  const auto write_behind = o.dry_run ? nullptr : common::WriteBehind::ForDatabase(db->path());
  // An urgent or high alert written meanwhile (the agent's, submit's) goes
  // first: a file gives way to it and is read again.
  UrgentClaim give_way(o.data_dir);
  settings.give_way = &give_way;
  DropImporter importer(&*db, settings);
  DropProgress progress(err, o.progress);
  common::Status result;
  for (const auto& file : o.files) {
    if (beside_agent) CopyEarlierLog(*db);
    DropSummary summary = importer.ImportFile(file, in, err, &progress);
    if (o.json) {
      out << summary.ToJson().dump() << "\n";
    } else {
      out << summary.Line() << "\n";
    }
    out.flush();
    if (summary.status.ok() && !o.dry_run) AgentDoorbell::Ring(o.data_dir);
    if (!summary.status.ok() && o.files.size() == 1) {
      result = summary.status;  // said once, last
    } else if (!summary.status.ok()) {
      err << "cen-node: " << summary.status.message() << "\n";
      // The worst outcome decides the exit code: a failure (1) over bad input (2).
      if (result.ok() || summary.status.ExitCode() == 1) {
        result = common::Status(summary.status.code(), "not every drop was imported");
      }
    }
  }
  return result;
}

common::Status NodeCommands::Submit(const SubmitOptions& o, std::istream& in, std::ostream& out,
                                    std::ostream& err) {
  auto config = NodeConfig::Load(o.data_dir);
  if (!config.ok()) return config.status();
  std::ifstream file;
  std::istream* src = &in;
  const std::string name = o.file == "-" ? "<stdin>" : o.file;
  if (o.file != "-") {
    // The reason, as open(2) gives it; a directory opens but reads nothing.
    std::error_code ec;
    errno = 0;
    if (std::filesystem::is_directory(o.file, ec)) {
      errno = EISDIR;
    } else {
      file.open(o.file);
    }
    if (!file.is_open())
      return common::NotFound(Messages::Format("cannot read {}", o.file) +
                              (errno != 0 ? ": " + std::string(std::strerror(errno)) : ""));
    src = &file;
  }
  const common::RecordValidator validator(common::KeyPolicy::kRefuseUnknown);
  std::vector<OutboxRecord> records;
  std::vector<std::string> labels;  // "FILE:LINE" of each record, for errors
  int errors = 0;
  NdjsonRecordReader reader(*src);
  std::vector<DropIssue> issues;
  common::Record rec;
  while (reader.Next(rec, issues)) {
    if (issues.empty()) {
      for (const auto& e : validator.Validate(rec)) {
        issues.push_back(
            {reader.line(), 0, e.field.empty() ? "(record)" : e.field, e.reason, e.Localized()});
      }
    }
    for (const auto& issue : issues) {
      err << issue.Text(name) << "\n";
      ++errors;
    }
    if (issues.empty()) records.emplace_back(std::move(rec));
    issues.clear();
    labels.push_back(name + ":" + std::to_string(reader.line()));
  }
  if (errors > 0) {
    return common::InvalidInput(
        Messages::Format("{} error(s) in {}; nothing was queued", std::to_string(errors), name));
  }
  if (records.empty()) return common::InvalidInput(Messages::Format("{}: no records", name));

  auto db = NodeSchema::Open(o.data_dir, common::Database::Mode::kReadWrite);
  if (!db.ok()) return db.status();
  CEN_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL"));  // durable before exit 0
  Outbox outbox(&*db);
  outbox.set_lower_handling(o.lower_handling);
  // A knock first: a running agent ends the bulk transaction it may be in
  // and starts none for a moment, so this write (an urgent alert, often)
  // does not wait for the write lock behind a slice of the backlog.
  AgentDoorbell::Ring(o.data_dir, AgentDoorbell::Bell::kAboutToWrite);
  // An urgent alert does not wait for a drop file either: the file gives
  // way (DropImporter) while this claim is held.
  UrgentClaim claim(o.data_dir);
  if (std::any_of(records.begin(), records.end(),
                  [](const OutboxRecord& r) { return r.lane() == common::Lane::kUrgent; }))
    claim.Hold();
  auto queued = outbox.EnqueueReady(std::move(records), labels);
  claim.Release();
  if (!queued.ok()) {
    if (queued.status().code() != common::StatusCode::kInvalidInput) return queued.status();
    err << queued.status().message() << "\n";  // "FILE:LINE: field: reason"
    return common::InvalidInput(Messages::Tr("nothing was queued"));
  }
  AgentDoorbell::Ring(o.data_dir);  // an urgent alert must not wait for the agent's next poll
  for (const auto& q : *queued) out << q.uuid << "\n";
  return common::Status::Ok();
}

common::Status NodeCommands::Ack(const AckOptions& o, std::ostream& out) {
  if (o.action != "seen" && o.action != "actioned" && o.action != "no-trace") {
    return common::UsageError(Messages::Tr("--action: must be seen, actioned or no-trace"));
  }
  if (o.alert.size() < 8)
    return common::UsageError(
        Messages::Tr("UUID: give the alert's uuid or 8+ of its first characters"));
  if (o.note.size() > 1000)
    return common::UsageError(Messages::Tr("--note: at most 1000 characters"));
  if (o.by.size() > 64) return common::UsageError(Messages::Tr("--by: at most 64 characters"));
  auto db = NodeSchema::Open(o.data_dir, common::Database::Mode::kReadWrite);
  if (!db.ok()) return db.status();
  auto config = NodeConfig::Load(o.data_dir);
  if (!config.ok()) return config.status();
  auto book = AlertBook::Load(*db, common::Clock::NowMillis());
  if (!book.ok()) return book.status();
  auto named = book->Named(o.alert);
  if (!named.ok()) return named.status();
  const AlertBook::Alert* alert = *named;
  if (alert->origin == config->node_id) {
    return common::UsageError(Messages::Format(
        "alert {} is this office's own; receipts go to the office that raised an alert",
        alert->uuid));
  }
  nlohmann::json extra = {{"by", o.by.empty() ? common::OsUser::Name() : o.by}};
  if (!o.note.empty()) extra["note"] = o.note;
  CEN_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL"));  // durable before exit 0
  Outbox outbox(&*db);
  auto queued =
      outbox.Enqueue({AlertTracker::Receipt(alert->uuid, alert->origin, o.action, extra)});
  if (!queued.ok()) return queued.status();
  AgentDoorbell::Ring(o.data_dir);
  out << Messages::Format("receipt queued for {}: {} alert {} ({})", alert->origin, o.action,
                          alert->uuid, alert->Text("title"))
      << "\n";
  return common::Status::Ok();
}

common::Status NodeCommands::Decide(const DecideOptions& o, std::ostream& out) {
  const char* verb = o.accept ? "accept" : "return";
  if (o.uuids.empty() && !o.all_pending)
    return common::UsageError(
        Messages::Tr(o.accept ? N_("name the records to accept (UUID...), or choose them with "
                                   "--all-pending and any cen-query filter")
                              : N_("name the records to return (UUID...)")));
  if (!o.uuids.empty() && o.all_pending)
    return common::UsageError(
        Messages::Tr("--all-pending: give either UUIDs or --all-pending, not both"));
  if (!o.accept && o.reason.find_first_not_of(" \t\r\n") == std::string::npos)
    return common::UsageError(Messages::Tr("--reason: required: tell the NCP what to correct"));
  if (o.accept && !o.reason.empty())
    return common::UsageError(
        Messages::Tr("--reason: an acceptance carries no note; it reaches every office"));
  if (o.reason.size() > 4000 || common::Utf8::CountCodePoints(o.reason).value_or(1001) > 1000)
    return common::UsageError(Messages::Tr("--reason: at most 1000 characters of UTF-8 text"));
  for (const std::string& id : o.uuids) {
    if (id.size() < 8)
      return common::UsageError(
          Messages::Format("UUID: '{}': give a uuid or its first 8+ characters", id));
  }
  QueryFilter filter = o.filter;
  CEN_RETURN_IF_ERROR(filter.Check());
  auto config = NodeConfig::Load(o.data_dir);
  if (!config.ok()) return config.status();
  auto db = NodeSchema::Open(o.data_dir, common::Database::Mode::kReadWrite);
  if (!db.ok()) return db.status();
  // What waits for this node's decision, as its replica holds it, read in
  // one snapshot (--text's copied text included).
  auto snapshot = filter.BeginQuery(*db);
  if (!snapshot.ok()) return snapshot.status();
  // Without their documents: a RILO clearing 224,000 records held 1.27 GB
  // of parsed records for uuids and versions (a user trial).
  auto queue = PendingQueue::List(*db, filter, config->node_id, 0, /*with_records=*/false);
  if (!queue.ok()) return queue.status();
  CEN_RETURN_IF_ERROR(snapshot->Commit());
  std::vector<const PendingQueue::Entry*> chosen;
  if (o.all_pending) {
    // Returned records wait for their NCP's amendment, not for a decision.
    // Nor do those decided here already, whose decision waits for the hub.
    for (const auto& e : *queue) {
      if (e.state == "pending" && e.queued.empty()) chosen.push_back(&e);
    }
  }
  for (const std::string& id : o.uuids) {
    std::vector<const PendingQueue::Entry*> found;
    for (const auto& e : *queue) {
      if (e.uuid.compare(0, id.size(), id) == 0) found.push_back(&e);
    }
    if (found.size() > 1)
      return common::UsageError(
          Messages::Format("UUID: '{}' is the start of {} records; give more of it", id,
                           std::to_string(found.size())));
    if (found.empty())
      return common::UsageError(
          Messages::Format("UUID: no record {} waits for this node's decision (cen-query "
                           "pending lists those that do)",
                           id));
    if (!o.accept && found[0]->state == "returned")
      return common::UsageError(
          Messages::Format("UUID: {} is already returned; its NCP amends it", found[0]->uuid));
    // Named twice (a uuid and its prefix): decided once.
    if (std::find(chosen.begin(), chosen.end(), found[0]) == chosen.end())
      chosen.push_back(found[0]);
  }

  // In gseq order (a dry run shows that order) whatever order they were named in: an alert's
  // acceptance goes before that of its update, which the hub refuses otherwise.
  std::stable_sort(chosen.begin(), chosen.end(),
                   [](const auto* a, const auto* b) { return a->gseq < b->gseq; });
  if (o.dry_run || chosen.empty()) {
    // The checks read each record's document, a thousand at a time.
    constexpr size_t kChecked = 1000;
    for (size_t at = 0; at < chosen.size(); at += kChecked) {
      std::vector<PendingQueue::Entry> part;
      for (size_t i = at; i < std::min(chosen.size(), at + kChecked); ++i)
        part.push_back(*chosen[i]);
      CEN_RETURN_IF_ERROR(PendingQueue::ReadRecords(*db, part));
      CEN_RETURN_IF_ERROR(PendingQueue::Check(*db, part));
      for (const PendingQueue::Entry& e : part) {
        out << Messages::Format(o.accept ? N_("would accept {} version {} of {} ({} {}, {})")
                                         : N_("would return {} version {} of {} ({} {}, {})"),
                                e.uuid, e.version, e.origin, e.kind, e.ref, e.received_at);
        if (!e.warnings.empty()) {
          std::string checks;
          for (const std::string& w : e.warnings) checks += (checks.empty() ? "" : "; ") + w;
          out << "  " << Messages::Format("checks: {}", checks);
        }
        out << "\n";
      }
    }
    out << Messages::Format(o.accept ? N_("{} record(s) would be accepted; nothing was queued")
                                     : N_("{} record(s) would be returned; nothing was queued"),
                            chosen.size())
        << "\n";
    return common::Status::Ok();
  }
  CEN_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL"));  // durable before exit 0
  // One transaction, each decision queued as it is made (not all held first).
  Outbox outbox(&*db);
  CEN_RETURN_IF_ERROR(outbox.BeginQueue());
  std::string lines;
  for (const auto* e : chosen) {
    json d = {{"kind", "decision"},
              {"ref", std::string(verb) + ":" + e->uuid + ":" + std::to_string(e->version)},
              {"scope", "nodes:" + e->origin},
              {"decision", verb},
              {"record", e->uuid},
              {"record_version", e->version}};
    if (!o.accept) d["reason"] = o.reason;
    // Made again after the hub refused every version of it: a new record
    // (a new uuid, Outbox::Queue); after an accepted one, its next version.
    d["decided_at"] = common::Clock::NowRfc3339();
    auto queued = outbox.Queue(OutboxRecord(d), e->uuid);
    if (!queued.ok()) {
      outbox.AbortQueue();
      return queued.status();
    }
    lines += Messages::Format(
                 o.accept ? N_("accept {} version {} ({})") : N_("return {} version {} ({})"),
                 e->uuid, e->version, e->ref) +
             "\n";
  }
  CEN_RETURN_IF_ERROR(outbox.CommitQueue());
  AgentDoorbell::Ring(o.data_dir);
  out << lines;
  out << Messages::Format(o.accept
                              ? N_("{} decision(s) queued for the hub: each record reaches its "
                                   "scope once the hub journals the decision")
                              : N_("{} decision(s) queued for the hub: each NCP sees the reason "
                                   "and amends its record"),
                          chosen.size())
      << "\n";
  return common::Status::Ok();
}

common::Status NodeCommands::Status(const NodeStatusOptions& o, std::ostream& out) {
  auto config = NodeConfig::Load(o.data_dir);
  if (!config.ok()) return config.status();
  auto db = NodeSchema::Open(o.data_dir, common::Database::Mode::kReadOnly);
  if (!db.ok()) return db.status();
  auto agent = AgentStatus::Read(*db);
  if (!agent.ok()) return agent.status();
  Replica replica(&*db);
  CEN_RETURN_IF_ERROR(replica.Load());
  auto records = replica.Count();
  if (!records.ok()) return records.status();
  // Records the agent's full-text index (text.db) has not reached yet:
  // --text reads them from documents meanwhile.
  // A text.db that cannot be read (the agent logs why, and tries again)
  // holds nothing: status still answers.
  const bool text_readable = TextDb::AttachForReading(*db, o.data_dir).ok();
  auto text_reach = text_readable ? TextDb::Reach(*db) : common::Result<int64_t>(int64_t{0});
  if (!text_reach.ok()) return text_reach.status();
  auto text_behind_stmt = db->Prepare("SELECT count(*) FROM documents WHERE gseq > ?");
  if (!text_behind_stmt.ok()) return text_behind_stmt.status();
  text_behind_stmt->Bind(1, *text_reach);
  auto text_row = text_behind_stmt->Step();
  if (!text_row.ok()) return text_row.status();
  const int64_t text_behind = text_behind_stmt->ColumnInt(0);
  text_behind_stmt->Reset();
  auto outbox = db->QueryInt("SELECT count(*) FROM outbox");
  auto rejected = db->QueryInt("SELECT count(*) FROM own_acks WHERE NOT accepted");
  if (!outbox.ok()) return outbox.status();
  if (!rejected.ok()) return rejected.status();
  // The refusals not corrected yet (no later version of their ref queued;
  // for a RILO's decision, whose ref names the version decided on, no later
  // decision on the same record), newest first: what the hub said is not
  // only in the agent's log. The same for records journaled with a warning
  // (a scope that reaches no office but the origin's).
  auto verdicts = db->Prepare(
      "SELECT o.kind, o.ref, o.uuid, o.version, a.reason FROM own_acks a JOIN own_records o "
      "ON o.uuid = a.uuid AND o.version = a.version WHERE a.accepted = ? AND a.reason IS NOT NULL "
      "AND o.rowid = (SELECT max(x.rowid) FROM own_records x WHERE x.kind = o.kind AND x.ref = "
      "o.ref) AND NOT (o.kind = 'decision' AND EXISTS (SELECT 1 FROM own_records y "
      "WHERE y.kind = 'decision' AND y.rowid > o.rowid "
      "AND substr(y.ref, instr(y.ref, ':') + 1, 36) = substr(o.ref, instr(o.ref, ':') + 1, 36))) "
      "ORDER BY o.rowid DESC LIMIT ?");
  if (!verdicts.ok()) return verdicts.status();
  // The newest kRefusalsShown of them, and how many there are in all (a
  // trial's export of 15,000 rows with a typo in its scope showed 20 and
  // said nothing of the rest).
  int64_t counted = 0;
  auto uncorrected = [&](bool accepted) -> common::Result<json> {
    verdicts->Bind(1, accepted ? 1 : 0).Bind(2, int64_t{-1});
    json listed = json::array();
    counted = 0;
    while (true) {
      auto row = verdicts->Step();
      if (!row.ok()) {
        verdicts->Reset();
        return row.status();
      }
      if (!*row) break;
      if (++counted > kRefusalsShown) continue;
      listed.push_back({{"kind", verdicts->ColumnText(0)},
                        {"ref", verdicts->ColumnText(1)},
                        {"uuid", verdicts->ColumnText(2)},
                        {"version", verdicts->ColumnInt(3)},
                        {accepted ? "warning" : "reason", verdicts->ColumnText(4)}});
    }
    verdicts->Reset();
    return listed;
  };
  auto refused = uncorrected(false);
  if (!refused.ok()) return refused.status();
  const json refusals = std::move(*refused);
  const int64_t refusals_total = counted;
  auto warned = uncorrected(true);
  if (!warned.ok()) return warned.status();
  const json warnings = std::move(*warned);
  const int64_t warnings_total = counted;
  const bool running = common::InstanceLock::IsHeld(o.data_dir, common::InstanceLock::kAgent);
  // What the agent could not write into node.db (a full disk) it says in
  // agent.state: the problem, its link when newer than the row, and which
  // hub it uses (in a cluster, the member it found leading, not always the
  // one node.toml names first).
  std::string store_problem;
  std::string hub_in_use = config->hub_endpoint;
  if (auto state = common::StateFile::Read(o.data_dir + "/agent.state"); running && state.ok()) {
    if (state->contains("store") && (*state)["store"].is_string())
      store_problem = (*state)["store"].get<std::string>();
    if (state->contains("hub") && (*state)["hub"].is_string())
      hub_in_use = (*state)["hub"].get<std::string>();
    agent->TakeNewer(*state);
  }
  const std::string hub_state(NameOf(running ? agent->hub_state : HubState::kStopped));
  // NCP records that wait for a RILO: this node's own (an NCP), returned
  // ones with their reason; or those this node decides (a RILO).
  auto queue = PendingQueue::List(*db, QueryFilter{}, "", 0);
  if (!queue.ok()) return queue.status();
  json returned = json::array();
  int64_t own_pending = 0, to_decide = 0;
  for (const auto& e : *queue) {
    if (e.rilo == config->node_id && e.state == "pending") ++to_decide;
    if (e.origin != config->node_id) continue;
    if (e.state == "pending") ++own_pending;
    if (e.state == "returned")
      returned.push_back({{"uuid", e.uuid}, {"ref", e.ref}, {"reason", e.reason}});
  }
  const json status = {{"id", config->node_id},
                       {"pending_own", own_pending},
                       {"returned", returned},
                       {"to_decide", to_decide},
                       {"hub", config->hub_endpoint},
                       {"hub_in_use", hub_in_use},
                       {"agent_running", running},
                       {"hub_state", hub_state},
                       {"outbox", outbox->value_or(0)},
                       {"rejected", rejected->value_or(0)},
                       {"rejected_uncorrected", refusals},
                       {"rejected_uncorrected_total", refusals_total},
                       {"warnings", warnings},
                       {"warnings_total", warnings_total},
                       {"replica_gseq", replica.cursor()},
                       {"hub_head", agent->hub_head},
                       {"records", *records},
                       {"text_indexed_to", *text_reach},
                       {"text_behind", text_behind},
                       {"epoch", replica.epoch()},
                       {"updated_at", agent->updated_at},
                       {"detail", agent->detail},
                       {"store_problem", store_problem}};
  if (o.json) {
    out << status.dump() << "\n";
    return common::Status::Ok();
  }
  constexpr size_t kLabel = 12;
  out << Messages::Label("node", kLabel) << config->node_id << "\n"
      << Messages::Label("hub", kLabel) << hub_in_use;
  if (running) {
    out << " (" << Messages::Tr(hub_state.c_str());
    if (hub_in_use != config->hub_endpoint)
      out << Messages::Format("; node.toml names {} first", config->hub_endpoint);
    out << ")\n";
  } else {
    // Not the hub's state: nobody here talks to it.
    out << "\n"
        << Messages::Label("agent", kLabel)
        << Messages::Format(
               "not running: nothing is sent or received; start it with cen-node run --data {}",
               o.data_dir)
        << "\n";
  }
  if (!store_problem.empty()) {
    out << Messages::Label("PROBLEM", kLabel) << store_problem
        << Messages::Tr("; the agent keeps running and retries") << "\n";
    // cen-query writes its audit entry first, and runs nothing without it.
    if (store_problem.find("node.db") != std::string::npos &&
        store_problem.find("database or disk is full") != std::string::npos)
      out << Messages::Label("PROBLEM", kLabel)
          << Messages::Tr(
                 "cen-query refuses every query meanwhile: it cannot write the query to "
                 "the audit trail")
          << "\n";
  }
  if (!agent->detail.empty() && agent->detail != store_problem)
    out << Messages::Label("detail", kLabel) << agent->detail << "\n";
  out << Messages::Label("outbox", kLabel)
      << Messages::Format("{} record(s) waiting for the hub", outbox->value_or(0)) << "\n"
      << Messages::Label("rejected", kLabel) << rejected->value_or(0) << "\n";
  for (const json& r : refusals) {
    out << Messages::Label("rejected", kLabel)
        << Messages::Format("{} {} v{} ({}): {}", r["kind"].get<std::string>(),
                            r["ref"].get<std::string>(), r["version"].get<int64_t>(),
                            r["uuid"].get<std::string>(), r["reason"].get<std::string>())
        << "\n";
  }
  const auto more = [&](const char* label, int64_t total) {
    if (total <= kRefusalsShown) return;
    out << Messages::Label(label, kLabel)
        << Messages::Format(
               "... and {} more, older (the newest {} are shown; node.db's view "
               "own_status lists every one)",
               total - kRefusalsShown, kRefusalsShown)
        << "\n";
  };
  more("rejected", refusals_total);
  for (const json& w : warnings) {
    out << Messages::Label("warning", kLabel)
        << Messages::Format("{} {} v{} ({}) was journaled with a warning: {}",
                            w["kind"].get<std::string>(), w["ref"].get<std::string>(),
                            w["version"].get<int64_t>(), w["uuid"].get<std::string>(),
                            w["warning"].get<std::string>())
        << "\n";
  }
  more("warning", warnings_total);
  out << Messages::Label("replica", kLabel)
      // A connected agent had the head in its WELCOME: 0 is a hub with no record yet.
      << (agent->hub_head > 0 || (running && agent->hub_state == HubState::kConnected)
              ? Messages::Format("{} record(s), gseq {} of {}", *records, replica.cursor(),
                                 agent->hub_head)
              : Messages::Format("{} record(s), gseq {} (the hub's head is not known yet)",
                                 *records, replica.cursor()))
      << "\n";
  if (text_behind > 0) {
    out << Messages::Label("full text", kLabel)
        << Messages::Format(
               "{} record(s) not in the full-text index yet (--text reads them directly)",
               text_behind)
        << "\n";
  }
  if (own_pending > 0) {
    out << Messages::Label("pending", kLabel)
        << Messages::Format("{} record(s) of this office wait for the RILO's decision", own_pending)
        << "\n";
  }
  if (to_decide > 0) {
    out << Messages::Label("to decide", kLabel)
        << Messages::Format("{} NCP record(s) wait for this office's decision (cen-query pending)",
                            to_decide)
        << "\n";
  }
  for (const json& r : returned) {
    out << Messages::Label("returned", kLabel)
        << Messages::Format("{} ({}): {}", r["ref"].get<std::string>(),
                            r["uuid"].get<std::string>(), r["reason"].get<std::string>())
        << "\n";
  }
  return common::Status::Ok();
}

}  // namespace cen::node
