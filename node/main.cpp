// cen-node: parses arguments and calls cen::node::NodeCommands.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "common/help_language.h"
#include "common/huge_page_heap.h"
#include "common/logging.h"
#include "common/messages.h"
#include "common/signals.h"
#include "node/drops/drop_progress.h"
#include "node/node_commands.h"
#include "node/query/filter_flags.h"
#include "node/store/node_config.h"

namespace {

int Finish(const cen::common::Status& s) {
  if (!s.ok()) std::cerr << "cen-node: " << s.message() << "\n";
  // SQLite's words alone left a trial's operator unsure what was kept.
  // A disk full as node.db opens shows as an I/O error (the log cannot be made).
  if (s.message().find("database or disk is full") != std::string::npos ||
      s.message().find("disk I/O error") != std::string::npos)
    std::cerr << "cen-node: "
              << cen::common::Messages::Tr(
                     "the disk holding the data directory is full or failing: nothing of the "
                     "transaction that failed was kept (a file dropped again adds nothing twice); "
                     "free space and run the command again")
              << "\n";
  return s.ExitCode();
}

}  // namespace

static int Main(int argc, char** argv) {
  using cen::common::Messages;
  // The language first: --help speaks it too.
  if (const cen::common::Status s = Messages::UseFromCommandLine(argc, argv); !s.ok()) {
    std::cerr << "cen-node: " << s.message() << "\n";
    return s.ExitCode();
  }
  CLI::App app{Messages::Tr(
      "cen-node: the agent of a regional office (RILO) in a cenhub network. It keeps\n"
      "an outbox of the office's records until the hub has them, and a replica of\n"
      "every record the office may see, for analysts to query offline.\n\n"
      "Typical set-up:\n"
      "  cen-node init --data /var/lib/cen-node --id RILO-WE --hub tcp://hub:7701 --hub-key KEY\n"
      "      (prints this node's public key: give it to the hub operator)\n"
      "  cen-node run --data /var/lib/cen-node\n"
      "  cen-node submit --data /var/lib/cen-node records.ndjson\n"
      "  cen-node drop --data /var/lib/cen-node export.csv\n"
      "  cen-node ack --data /var/lib/cen-node ALERT-UUID --action seen\n"
      "  cen-node status --data /var/lib/cen-node")};

  cen::common::SpeakHelp(app);
  app.require_subcommand(1);
  app.set_version_flag("--version", "cen-node 0.1.0",
                       Messages::Tr("Display program version information and exit"));
  std::string lang;  // used before parsing (Messages::UseFromCommandLine)
  app.add_option("--lang", lang, Messages::Tr(Messages::kLangHelp));
  app.fallthrough();  // --lang after the subcommand too

  cen::node::NodeInitOptions init;
  auto* init_cmd = app.add_subcommand(
      "init", Messages::Tr("Create a node data directory and print its public key"));
  init_cmd->add_option("--data", init.data_dir, Messages::Tr("Data directory to create"))
      ->required();
  init_cmd->add_option("--id", init.node_id, Messages::Tr("This node's id, e.g. RILO-WE"))
      ->required();
  init_cmd
      ->add_option("--hub", init.hub_endpoint, Messages::Tr("Hub ingest endpoint, tcp://HOST:PORT"))
      ->required();
  init_cmd
      ->add_option("--hub-key", init.hub_key,
                   Messages::Tr("Hub public key: Z85 text or a key file"))
      ->required();
  init_cmd->add_option("--region", init.region, Messages::Tr("Region code of this office"));

  cen::node::RunOptions run;
  auto* run_cmd = app.add_subcommand(
      "run",
      Messages::Tr(
          "Run the agent in the foreground until SIGINT/SIGTERM (forwards the outbox, keeps "
          "the replica, imports the drop folder).\n"
          "Alerts of priority urgent (then high) overtake everything: sent before queued bulk, "
          "shown in the replica before the backlog ahead of them is applied.\n"
          "A failing node.db (full disk) never stops it: it says why in `cen-node status` and "
          "resumes by itself."));
  run_cmd->add_option("--data", run.data_dir, Messages::Tr("Node data directory"))->required();
  run_cmd->add_option(
      "--drop-dir", run.drop_dir,
      Messages::Tr("Drop folder: import each file renamed into it, then move it to done/ or "
                   "failed/ (overrides drop_dir in node.toml)"));
  run_cmd->add_option(
      "--on-alert", run.on_alert,
      Messages::Tr("Shell command run for each new alert from another office, with the "
                   "alert as one JSON object on stdin (overrides on_alert in node.toml). "
                   "A failing or slow hook (30 s) is logged and retried up to 5 times; it "
                   "never holds the agent up. Example: --on-alert 'mail -s alert desk@rilo'"));
  run_cmd->add_option(
      "--on-hit", run.on_hit,
      Messages::Tr("Shell command run for each new hit (a record matching an alert's "
                   "indicators or a watch list), with the hit as JSON on stdin (overrides "
                   "on_hit in node.toml)"));
  run_cmd
      ->add_option(
          "--rt-priority", run.rt_priority,
          Messages::Tr("Real-time (SCHED_FIFO) priority lent to the agent while it takes in an "
                       "urgent alert or a submit, so a machine busy with bulk work runs it at "
                       "once; 0 turns it off (overrides rt_priority in node.toml, default 1). "
                       "Needs CAP_SYS_NICE or RLIMIT_RTPRIO (systemd: LimitRTPRIO=1); "
                       "without either the agent says so once and runs without it"))
      ->check(CLI::Range(0, 99));

  cen::node::SubmitOptions submit;
  auto* submit_cmd = app.add_subcommand(
      "submit",
      Messages::Tr(
          "Queue records (NDJSON, one JSON object per line) for the hub; all or nothing.\n"
          "Prints the uuid of each record. Works whether or not the agent runs.\n"
          "An alert with \"priority\": \"urgent\" (or \"high\") goes ahead of any queued bulk.\n"
          "A row with the ref of a record handed in before amends it (a new version; the same "
          "content changes nothing).\n"
          "An update or cancel of an alert: \"msg_type\": \"update\" (or \"cancel\") and "
          "\"references\": [the alert's uuid].\n"
          "What the hub answers (a refusal, or a scope that reaches no office) shows in cen-node "
          "status.\n"
          "Example line: {\"kind\":\"seizure\",\"ref\":\"FR-2026-0001\",\"seizure_date\":"
          "\"2026-03-14\",\"reporting_country\":\"FR\",\"commodity\":\"drugs\",\"description\":"
          "\"Cocaine in banana boxes\",\"quantity\":12.5,\"unit\":\"KGM\"}"));
  submit_cmd->add_option("--data", submit.data_dir, Messages::Tr("Node data directory"))
      ->required();
  submit_cmd->add_option("file", submit.file, Messages::Tr("NDJSON file, or - for standard input"))
      ->capture_default_str();
  submit_cmd->add_flag(
      "--lower-handling", submit.lower_handling,
      Messages::Tr("Let an amendment lower a record's handling code (H2 to H0, say); without it "
                   "such a row is refused, naming the record and its handling"));

  cen::node::AckOptions ack;
  auto* ack_cmd = app.add_subcommand(
      "ack",
      Messages::Tr(
          "Record what this office did about another office's alert: an action receipt goes to\n"
          "the office that raised it (delivery receipts are sent by the agent by itself).\n"
          "Works whether or not the agent runs. The office sees it with cen-query receipts.\n"
          "Example: cen-node ack --data /var/lib/cen-node 0190a1b2-7c3d --action no-trace "
          "--note \"container not landed at Rotterdam\""));
  ack_cmd->add_option("--data", ack.data_dir, Messages::Tr("Node data directory"))->required();
  ack_cmd
      ->add_option("uuid", ack.alert, Messages::Tr("The alert's uuid, or its first 8+ characters"))
      ->required();
  ack_cmd->add_option("--action", ack.action, Messages::Tr("seen, actioned or no-trace"))
      ->required()
      ->check(CLI::IsMember({"seen", "actioned", "no-trace"}));
  ack_cmd->add_option("--note", ack.note,
                      Messages::Tr("What was done or found (up to 1000 characters)"));
  ack_cmd->add_option("--by", ack.by, Messages::Tr("Who acted (default: your login name)"));

  cen::node::DecideOptions accept;
  auto* accept_cmd = app.add_subcommand(
      "accept",
      Messages::Tr(
          "At a RILO: accept NCP records that wait for this office's decision; each then reaches\n"
          "its scope, everywhere, with validated_by and validated_at. Works whether or not the\n"
          "agent runs (the decisions wait in the outbox). cen-query pending lists the queue.\n"
          "Examples:\n"
          "  cen-node accept --data /var/lib/cen-node 0190a1b2-7c3d 0190a1b2-9e01\n"
          "  cen-node accept --data /var/lib/cen-node --all-pending --origin NCP-FR "
          "--commodity tobacco --dry-run"));
  accept_cmd->add_option("--data", accept.data_dir, Messages::Tr("Node data directory"))
      ->required();
  accept_cmd->add_option("uuid", accept.uuids,
                         Messages::Tr("Records' uuids, or their first 8+ characters"));
  accept_cmd->add_flag("--all-pending", accept.all_pending,
                       Messages::Tr("Every pending record the filters match"));
  accept_cmd->add_flag("--dry-run", accept.dry_run,
                       Messages::Tr("Show what would be accepted; queue nothing"));
  cen::node::FilterFlags::Add(*accept_cmd, accept.filter);

  cen::node::DecideOptions give_back;
  give_back.accept = false;
  auto* return_cmd = app.add_subcommand(
      "return",
      Messages::Tr(
          "At a RILO: return NCP records to their NCP with the reason; the NCP sees it\n"
          "(cen-query pending, cen-node status), amends the record, and the amendment waits\n"
          "for a decision again. Works whether or not the agent runs.\n"
          "Example: cen-node return --data /var/lib/cen-node 0190a1b2-7c3d --reason \"quantity "
          "is in grams, not kilograms\""));
  return_cmd->add_option("--data", give_back.data_dir, Messages::Tr("Node data directory"))
      ->required();
  return_cmd
      ->add_option("uuid", give_back.uuids,
                   Messages::Tr("Records' uuids, or their first 8+ characters"))
      ->required();
  return_cmd
      ->add_option("--reason", give_back.reason,
                   Messages::Tr("What the NCP must correct (up to 1000 characters)"))
      ->required();
  return_cmd->add_flag("--dry-run", give_back.dry_run,
                       Messages::Tr("Show what would be returned; queue nothing"));

  cen::node::DropOptions drop;
  auto* drop_cmd = app.add_subcommand(
      "drop",
      Messages::Tr(
          "Import CSV or NDJSON files of records (data drops); each file all or nothing.\n"
          "Re-dropping a file adds nothing; a known ref with new content becomes an amendment.\n"
          "Works whether or not the agent runs. Format: docs/DROPS.md; start from --template."));
  drop_cmd->add_option("--data", drop.data_dir,
                       Messages::Tr("Node data directory (required, but for --template)"));
  // A cron job's author needs the exit codes and the hand-over rule (a trial).
  drop_cmd->footer(Messages::Tr(
      "Exit 0: every file imported (or unchanged). Exit 2: a row refused (nothing of its file "
      "imported, or with --partial the others, the refused ones in FILE.rejects.csv), or bad "
      "usage. Exit 1: anything else (node.db locked or full, a file unreadable). --json prints "
      "one summary per file.\nA drop folder (cen-node run --drop-dir) takes a file once it is "
      "renamed into it: write it as .NAME or NAME.part, then rename it."));
  drop_cmd->add_option("files", drop.files,
                       Messages::Tr("CSV or NDJSON files, or - for standard input"));
  drop_cmd
      ->add_option("--format", drop.format,
                   Messages::Tr("csv or ndjson (default: by file extension)"))
      ->check(CLI::IsMember({"csv", "ndjson"}));
  drop_cmd->add_flag(
      "--partial", drop.partial,
      Messages::Tr("Import the valid rows; write the others to FILE.rejects.csv (exit 2)"));
  drop_cmd->add_flag("--dry-run", drop.dry_run,
                     Messages::Tr("Validate and count only; import nothing"));
  drop_cmd->add_flag(
      "--lower-handling", drop.lower_handling,
      Messages::Tr("Let an amendment lower a record's handling code (H2 to H0, say); without it "
                   "such a row is refused, naming the record and its handling"));
  drop_cmd->add_flag("--json", drop.json, Messages::Tr("Print one JSON summary object per file"));
  drop_cmd
      ->add_option(
          "--template", drop.template_kind,
          Messages::Tr("Print a CSV header and an example row for seizure or alert, and exit"))
      ->check(CLI::IsMember({"seizure", "alert"}));

  cen::node::NodeStatusOptions status;
  auto* status_cmd = app.add_subcommand(
      "status", Messages::Tr("Show the hub link, the outbox, how far the replica is, and the "
                             "records the hub refused or journaled with a warning"));
  status_cmd->add_option("--data", status.data_dir, Messages::Tr("Node data directory"))
      ->required();
  status_cmd->add_flag("--json", status.json, Messages::Tr("Print one JSON object"));

  std::string rotate_dir;
  auto* rotate_cmd = app.add_subcommand(
      "rotate-key",
      Messages::Tr("Make a new node key pair (outbox and replica kept); prints the allow command"));
  rotate_cmd->add_option("--data", rotate_dir, Messages::Tr("Node data directory"))->required();

  cen::common::SpeakHelpInSubcommands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cen::common::ExitOnParseError(app, e);
  }

  if (*init_cmd) return Finish(cen::node::NodeCommands::Init(init, std::cout));
  if (*submit_cmd)
    return Finish(cen::node::NodeCommands::Submit(submit, std::cin, std::cout, std::cerr));
  if (*drop_cmd) {
    // A bulk import: huge pages for its heap too (see run below).
    const std::string heap_note = cen::common::HugePageHeap::Restart(argv);
    if (!heap_note.empty()) std::cerr << "cen-node: " << heap_note << "\n";
    drop.progress = cen::node::DropProgress::IsTerminal(2);
    return Finish(cen::node::NodeCommands::Drop(drop, std::cin, std::cout, std::cerr));
  }
  if (*status_cmd) return Finish(cen::node::NodeCommands::Status(status, std::cout));
  if (*ack_cmd) return Finish(cen::node::NodeCommands::Ack(ack, std::cout));
  if (*accept_cmd) return Finish(cen::node::NodeCommands::Decide(accept, std::cout));
  if (*return_cmd) return Finish(cen::node::NodeCommands::Decide(give_back, std::cout));
  if (*rotate_cmd) return Finish(cen::node::NodeCommands::RotateKey(rotate_dir, std::cout));
  if (*run_cmd) {
    // A daemon logs in English, for the operators who grep its log, and
    // its hooks get the environment it was given (LANGUAGE put back). Its
    // heap gets huge pages (a restart of this process, before anything is
    // open, with that environment).
    (void)Messages::Use("en");
    const std::string heap_note = cen::common::HugePageHeap::Restart(argv);
    auto config = cen::node::NodeConfig::Load(run.data_dir);
    cen::common::Logging::Init(config.ok() ? config->node_id : "node");
    if (!heap_note.empty()) spdlog::warn("{}", heap_note);
    const auto& stop = cen::common::Signals::InstallStopHandlers();
    return Finish(cen::node::NodeCommands::Run(run, stop));
  }
  return 2;
}

int main(int argc, char** argv) {
  return cen::common::ExitOnException("cen-node", [&] { return Main(argc, argv); });
}
