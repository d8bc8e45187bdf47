// cen-hub: parses arguments and calls cen::hub::HubCommands.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "common/help_language.h"
#include "common/huge_page_heap.h"
#include "common/logging.h"
#include "common/messages.h"
#include "common/signals.h"
#include "hub/hub_commands.h"
#include "hub/hub_config.h"

namespace {

int Finish(const cen::common::Status& s) {
  if (!s.ok()) std::cerr << "cen-hub: " << s.message() << "\n";
  return s.ExitCode();
}

}  // namespace

static int Main(int argc, char** argv) {
  using cen::common::Messages;
  // The language first: --help speaks it too.
  if (const cen::common::Status s = Messages::UseFromCommandLine(argc, argv); !s.ok()) {
    std::cerr << "cen-hub: " << s.message() << "\n";
    return s.ExitCode();
  }
  CLI::App app{Messages::Tr(
      "cen-hub: the central hub of a cenhub network. It orders the seizure and alert\n"
      "records that regional nodes publish, stores them durably, and fans them out to\n"
      "every node entitled to see them.\n\n"
      "Typical set-up:\n"
      "  cen-hub init --data /var/lib/cenhub            # prints the hub public key\n"
      "  cen-hub allow --data /var/lib/cenhub --node RILO-WE --key NODE_KEY --region EU\n"
      "  cen-hub allow --data /var/lib/cenhub --node NCP-FR --key KEY --role ncp --rilo RILO-WE\n"
      "  cen-hub run --data /var/lib/cenhub\n"
      "  cen-hub status --data /var/lib/cenhub")};

  cen::common::SpeakHelp(app);
  app.require_subcommand(1);
  app.set_version_flag("--version", "cen-hub 0.1.0",
                       Messages::Tr("Display program version information and exit"));
  std::string lang;  // used before parsing (Messages::UseFromCommandLine)
  app.add_option("--lang", lang, Messages::Tr(Messages::kLangHelp));
  app.fallthrough();  // --lang after the subcommand too

  cen::hub::InitOptions init;
  auto* init_cmd = app.add_subcommand(
      "init", Messages::Tr("Create a hub data directory and print its public key"));
  init_cmd->add_option("--data", init.data_dir, Messages::Tr("Data directory to create"))
      ->required();
  init_cmd->add_option("--bind", init.bind, Messages::Tr("Address to listen on"))
      ->capture_default_str();
  init_cmd->add_option("--ingest-port", init.ingest_port, Messages::Tr("Port nodes connect to"))
      ->capture_default_str();
  init_cmd->add_option("--feed-port", init.feed_port, Messages::Tr("Port of the record feed"))
      ->capture_default_str();
  init_cmd->add_option("--hub-id", init.hub_id, Messages::Tr("Name of this hub in logs"))
      ->capture_default_str();
  init_cmd->add_option(
      "--cluster", init.cluster_raft,
      Messages::Tr("Start a hub cluster: this hub is its member 1, talking Raft on this "
                   "tcp://HOST:PORT; add the others with cen-hub cluster add"));
  init_cmd->add_option("--advertise", init.advertise,
                       Messages::Tr("With --cluster: tcp://HOST:PORT where nodes reach this hub "
                                    "(default: --bind and --ingest-port)"));

  cen::hub::AllowOptions allow;
  auto* allow_cmd = app.add_subcommand(
      "allow", Messages::Tr("Register a node's public key (takes effect on a running hub)"));
  allow_cmd->add_option("--data", allow.data_dir, Messages::Tr("Hub data directory"))->required();
  allow_cmd->add_option("--node", allow.node_id, Messages::Tr("Node id, e.g. RILO-WE"))->required();
  allow_cmd->add_option("--key", allow.key, Messages::Tr("Node public key: Z85 text or a key file"))
      ->required();
  allow_cmd->add_option(
      "--region", allow.region,
      Messages::Tr("Region code the node belongs to (left out: a registered node keeps its own)"));
  allow_cmd->add_option("--role", allow.role,
                        Messages::Tr("rilo (records need no validation; the default for a new "
                                     "node) or ncp (records wait for its RILO)"));
  allow_cmd->add_option("--rilo", allow.rilo,
                        Messages::Tr("With --role ncp: the RILO that validates its records"));
  allow_cmd->add_flag("--same-key", allow.same_key,
                      Messages::Tr("Admit a revoked node again with the key it was revoked with "
                                   "(the revocation was a mistake; a stolen key needs a new one)"));

  cen::hub::RoleOptions role;
  auto* role_cmd = app.add_subcommand(
      "set-role", Messages::Tr("Make a registered node a RILO, or an NCP validated by a RILO"));
  role_cmd->add_option("--data", role.data_dir, Messages::Tr("Hub data directory"))->required();
  role_cmd->add_option("--node", role.node_id, Messages::Tr("Node id"))->required();
  role_cmd->add_option("--role", role.role, Messages::Tr("rilo or ncp"))->required();
  role_cmd->add_option("--rilo", role.rilo,
                       Messages::Tr("With --role ncp: the RILO that validates its records"));

  cen::hub::RevokeOptions revoke;
  auto* revoke_cmd = app.add_subcommand(
      "revoke", Messages::Tr("Cut a node off at once (its key, its open connections, its feed)"));
  revoke_cmd->add_option("--data", revoke.data_dir, Messages::Tr("Hub data directory"))->required();
  revoke_cmd->add_option("--node", revoke.node_id, Messages::Tr("Node id"))->required();

  using GroupAction = cen::hub::GroupOptions::Action;
  cen::hub::GroupOptions group;
  auto* group_cmd = app.add_subcommand(
      "group",
      Messages::Tr("Closed user groups for group:NAME scopes (takes effect on a running hub)"));
  group_cmd->require_subcommand(1);
  auto* group_create = group_cmd->add_subcommand("create", Messages::Tr("Create a group"));
  group_create->add_option("NAME", group.name, Messages::Tr("Group name (1-32 of A-Z a-z 0-9 _ -)"))
      ->required();
  group_create->add_option("--expires", group.expires,
                           Messages::Tr("Last day (UTC) members receive its records, YYYY-MM-DD"));
  auto* group_add =
      group_cmd->add_subcommand("add", Messages::Tr("Add a registered node to a group"));
  group_add->footer(Messages::Tr(
      "Within seconds the node's agent fetches the group's records journaled before it joined, "
      "keeping what it holds."));
  auto* group_remove =
      group_cmd->add_subcommand("remove", Messages::Tr("Remove a node from a group"));
  group_remove->footer(Messages::Tr(
      "The node receives no more of the group's records; it keeps those it received."));
  for (auto* cmd : {group_add, group_remove}) {
    cmd->add_option("NAME", group.name, Messages::Tr("Group name"))->required();
    cmd->add_option("NODE", group.node_id, Messages::Tr("Node id"))->required();
  }
  auto* group_list =
      group_cmd->add_subcommand("list", Messages::Tr("List groups and their members"));
  for (auto* cmd : {group_create, group_add, group_remove, group_list})
    cmd->add_option("--data", group.data_dir, Messages::Tr("Hub data directory"))->required();

  std::string cancel_dir, cancel_alert, cancel_reason;
  auto* cancel_cmd = app.add_subcommand(
      "cancel-alert",
      Messages::Tr(
          "Cancel an alert of any office, as the hub operator: the running hub journals a cancel\n"
          "(origin hub-operator) that every office in the alert's scope applies, and audits it.\n"
          "Example: cen-hub cancel-alert --data /srv/hub 0190a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b "
          "--reason \"sent in error\""));
  cancel_cmd->add_option("--data", cancel_dir, Messages::Tr("Hub data directory"))->required();
  cancel_cmd->add_option("uuid", cancel_alert, Messages::Tr("The alert's whole uuid"))->required();
  cancel_cmd
      ->add_option("--reason", cancel_reason,
                   Messages::Tr("Why (goes into the cancel and the audit)"))
      ->required();

  std::string verify_dir;
  auto* verify_cmd = app.add_subcommand(
      "verify",
      Messages::Tr("Check the hash chains of the journal and the audit trail (exit 1 if broken)"));
  verify_cmd->add_option("--data", verify_dir, Messages::Tr("Hub data directory"))->required();

  std::string rotate_dir;
  auto* rotate_cmd = app.add_subcommand(
      "rotate-key", Messages::Tr("Make a new hub key pair (the old one is kept as curve.*.old)"));
  rotate_cmd->add_option("--data", rotate_dir, Messages::Tr("Hub data directory"))->required();

  std::string backup_dir, backup_to;
  auto* backup_cmd = app.add_subcommand(
      "backup",
      Messages::Tr("Copy hub.db into a new file while the hub runs (consistent, chains checked).\n"
                   "Example: cen-hub backup --data /srv/hub --to /backup/hub-2026-12-01.db"));
  backup_cmd->add_option("--data", backup_dir, Messages::Tr("Hub data directory"))->required();
  backup_cmd
      ->add_option("--to", backup_to, Messages::Tr("The backup file to write (must not exist)"))
      ->required();

  std::string restore_dir, restore_from;
  auto* restore_cmd = app.add_subcommand(
      "restore",
      Messages::Tr("Put a backup in place of hub.db, with the hub stopped, under a new epoch:\n"
                   "every node then rebuilds its replica and offers its own records again,\n"
                   "so the records journaled after the backup come back exactly once.\n"
                   "Nodes, keys and groups stay as the hub.db it replaces has them.\n"
                   "Example: cen-hub restore --data /srv/hub --from /backup/hub-2026-12-01.db"));
  restore_cmd->add_option("--data", restore_dir, Messages::Tr("Hub data directory"))->required();
  restore_cmd->add_option("--from", restore_from, Messages::Tr("The backup file (cen-hub backup)"))
      ->required();
  std::string restore_registry = "replaced";
  restore_cmd
      ->add_option("--registry", restore_registry,
                   Messages::Tr("Whose nodes, keys and groups the restored hub runs with: "
                                "replaced (those of the hub.db it replaces, when it is this "
                                "hub's) or backup (the backup's: undoes every registry change "
                                "made since, each said)"))
      ->check(CLI::IsMember({"replaced", "backup"}))
      ->capture_default_str();

  cen::hub::ClusterAddOptions cluster_add;
  std::string cluster_dir;
  int64_t cluster_removed = 0;
  auto* cluster_cmd = app.add_subcommand(
      "cluster",
      Messages::Tr("Change the members of a hub cluster (run on the leader's data directory; a\n"
                   "follower refuses, naming the leader).\n"
                   "Replace a dead member 3 with a new member 4:\n"
                   "  cen-hub init --data /srv/hub --ingest-port 7701   # new machine: its key\n"
                   "  cen-hub cluster add --data /srv/hub --member 4 --raft tcp://d:7703 \\\n"
                   "      --ingest tcp://d:7701 --key KEY --to /tmp/member-4\n"
                   "  cen-hub join --data /srv/hub --from /tmp/member-4   # new machine\n"
                   "  cen-hub run --data /srv/hub                          # new machine\n"
                   "  cen-hub cluster remove --data /srv/hub --member 3"));
  cluster_cmd->require_subcommand(1);
  auto* cluster_add_cmd = cluster_cmd->add_subcommand(
      "add", Messages::Tr("Add a member: it receives the log and votes once it has caught up"));
  cluster_add_cmd->add_option("--member", cluster_add.member, Messages::Tr("Its id (>= 1, new)"))
      ->required();
  cluster_add_cmd
      ->add_option("--raft", cluster_add.raft,
                   Messages::Tr("tcp://HOST:PORT where it talks Raft with the others"))
      ->required();
  cluster_add_cmd
      ->add_option("--ingest", cluster_add.ingest,
                   Messages::Tr("tcp://HOST:PORT where nodes reach it"))
      ->required();
  cluster_add_cmd
      ->add_option(
          "--key", cluster_add.key,
          Messages::Tr("Its public key (what cen-hub init printed there), or its curve.pub"))
      ->required();
  cluster_add_cmd
      ->add_option("--to", cluster_add.to,
                   Messages::Tr("A new directory for what it joins with (cen-hub join --from)"))
      ->required();
  cluster_add_cmd->add_option("--data", cluster_add.data_dir, Messages::Tr("Hub data directory"))
      ->required();
  auto* cluster_remove_cmd = cluster_cmd->add_subcommand(
      "remove", Messages::Tr("Remove a member (a dead one, or one being replaced)"));
  cluster_remove_cmd->add_option("--member", cluster_removed, Messages::Tr("Its id"))->required();
  cluster_remove_cmd->add_option("--data", cluster_dir, Messages::Tr("Hub data directory"))
      ->required();

  std::string join_dir, join_from;
  auto* join_cmd = app.add_subcommand(
      "join", Messages::Tr("Make a new hub directory (cen-hub init) the member that cen-hub "
                           "cluster add prepared"));
  join_cmd->add_option("--data", join_dir, Messages::Tr("Hub data directory"))->required();
  join_cmd
      ->add_option("--from", join_from,
                   Messages::Tr("The directory cen-hub cluster add --to wrote, copied here"))
      ->required();

  std::string run_dir;
  auto* run_cmd =
      app.add_subcommand("run", Messages::Tr("Run the hub in the foreground until SIGINT/SIGTERM"));
  run_cmd->add_option("--data", run_dir, Messages::Tr("Hub data directory"))->required();
  int rt_priority = -1;
  run_cmd
      ->add_option(
          "--rt-priority", rt_priority,
          Messages::Tr("Real-time (SCHED_FIFO) priority lent to the hub while it takes in an "
                       "urgent alert, so a machine busy with bulk work journals and fans it out "
                       "at once; 0 turns it off (overrides rt_priority in hub.toml, default 1). "
                       "Needs CAP_SYS_NICE or RLIMIT_RTPRIO (systemd: LimitRTPRIO=1); "
                       "without either the hub says so once and runs without it"))
      ->check(CLI::Range(0, 99));

  cen::hub::StatusOptions status;
  auto* status_cmd = app.add_subcommand(
      "status", Messages::Tr("Show the head gseq and, per node, last contact and lag"));
  status_cmd->add_option("--data", status.data_dir, Messages::Tr("Hub data directory"))->required();
  status_cmd->add_flag("--json", status.json, Messages::Tr("Print one JSON object"));
  status_cmd
      ->add_option("--pending-days", status.pending_days,
                   Messages::Tr("Flag NCP records pending for longer than this many days"))
      ->capture_default_str();

  cen::common::SpeakHelpInSubcommands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cen::common::ExitOnParseError(app, e);
  }

  if (*init_cmd) return Finish(cen::hub::HubCommands::Init(init, std::cout));
  if (*allow_cmd) return Finish(cen::hub::HubCommands::Allow(allow, std::cout));
  if (*status_cmd) return Finish(cen::hub::HubCommands::Status(status, std::cout));
  if (*role_cmd) return Finish(cen::hub::HubCommands::SetRole(role, std::cout));
  if (*revoke_cmd) return Finish(cen::hub::HubCommands::Revoke(revoke, std::cout));
  if (*group_cmd) {
    group.action = *group_create   ? GroupAction::kCreate
                   : *group_add    ? GroupAction::kAdd
                   : *group_remove ? GroupAction::kRemove
                                   : GroupAction::kList;
    return Finish(cen::hub::HubCommands::Group(group, std::cout));
  }
  if (*verify_cmd) return Finish(cen::hub::HubCommands::Verify(verify_dir, std::cout));
  if (*cluster_add_cmd)
    return Finish(cen::hub::HubCommands::ClusterAdd(cluster_add, std::cout, std::cerr));
  if (*cluster_remove_cmd)
    return Finish(cen::hub::HubCommands::ClusterRemove(cluster_dir, cluster_removed, std::cout));
  if (*join_cmd) return Finish(cen::hub::HubCommands::Join(join_dir, join_from, std::cout));
  if (*cancel_cmd) {
    return Finish(
        cen::hub::HubCommands::CancelAlert(cancel_dir, cancel_alert, cancel_reason, std::cout));
  }
  if (*backup_cmd) {
    return Finish(cen::hub::HubCommands::Backup(backup_dir, backup_to, std::cout, std::cerr));
  }
  if (*restore_cmd)
    return Finish(cen::hub::HubCommands::Restore(restore_dir, restore_from, std::cout,
                                                 restore_registry == "backup"));
  if (*rotate_cmd) return Finish(cen::hub::HubCommands::RotateKey(rotate_dir, std::cout));
  if (*run_cmd) {
    // A daemon logs in English, for the operators who grep its log, and
    // its hooks get the environment it was given (LANGUAGE put back). Its
    // heap gets huge pages (a restart of this process, before anything is
    // open, with that environment).
    (void)Messages::Use("en");
    const std::string heap_note = cen::common::HugePageHeap::Restart(argv);
    auto config = cen::hub::HubConfig::Load(run_dir);
    cen::common::Logging::Init(config.ok() ? config->hub_id : "hub");
    if (!heap_note.empty()) spdlog::warn("{}", heap_note);
    const auto& stop = cen::common::Signals::InstallStopHandlers();
    return Finish(cen::hub::HubCommands::Run(run_dir, stop, rt_priority));
  }
  return 2;
}

int main(int argc, char** argv) {
  return cen::common::ExitOnException("cen-hub", [&] { return Main(argc, argv); });
}
