// cen-hub: parses arguments and calls cen::hub::HubCommands.
#include <CLI/CLI.hpp>
#include <iostream>

#include "common/logging.h"
#include "common/signals.h"
#include "hub/hub_commands.h"
#include "hub/hub_config.h"

namespace {

int Finish(const cen::common::Status& s) {
  if (!s.ok()) std::cerr << "cen-hub: " << s.message() << "\n";
  return s.ExitCode();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "cen-hub: the central hub of a cenhub network. It orders the seizure and alert\n"
      "records that regional nodes publish, stores them durably, and fans them out to\n"
      "every node entitled to see them.\n\n"
      "Typical set-up:\n"
      "  cen-hub init --data /var/lib/cenhub            # prints the hub public key\n"
      "  cen-hub allow --data /var/lib/cenhub --node RILO-WE --key NODE_KEY --region EU\n"
      "  cen-hub run --data /var/lib/cenhub\n"
      "  cen-hub status --data /var/lib/cenhub"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "cen-hub 0.1.0");

  cen::hub::InitOptions init;
  auto* init_cmd =
      app.add_subcommand("init", "Create a hub data directory and print its public key");
  init_cmd->add_option("--data", init.data_dir, "Data directory to create")->required();
  init_cmd->add_option("--bind", init.bind, "Address to listen on")->capture_default_str();
  init_cmd->add_option("--ingest-port", init.ingest_port, "Port nodes connect to")
      ->capture_default_str();
  init_cmd->add_option("--feed-port", init.feed_port, "Port of the record feed")
      ->capture_default_str();
  init_cmd->add_option("--hub-id", init.hub_id, "Name of this hub in logs")->capture_default_str();

  cen::hub::AllowOptions allow;
  auto* allow_cmd =
      app.add_subcommand("allow", "Register a node's public key (takes effect on a running hub)");
  allow_cmd->add_option("--data", allow.data_dir, "Hub data directory")->required();
  allow_cmd->add_option("--node", allow.node_id, "Node id, e.g. RILO-WE")->required();
  allow_cmd->add_option("--key", allow.key, "Node public key: Z85 text or a key file")->required();
  allow_cmd->add_option("--region", allow.region, "Region code the node belongs to");

  std::string run_dir;
  auto* run_cmd = app.add_subcommand("run", "Run the hub in the foreground until SIGINT/SIGTERM");
  run_cmd->add_option("--data", run_dir, "Hub data directory")->required();

  cen::hub::StatusOptions status;
  auto* status_cmd =
      app.add_subcommand("status", "Show the head gseq and, per node, last contact and lag");
  status_cmd->add_option("--data", status.data_dir, "Hub data directory")->required();
  status_cmd->add_flag("--json", status.json, "Print one JSON object");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  if (*init_cmd) return Finish(cen::hub::HubCommands::Init(init, std::cout));
  if (*allow_cmd) return Finish(cen::hub::HubCommands::Allow(allow, std::cout));
  if (*status_cmd) return Finish(cen::hub::HubCommands::Status(status, std::cout));
  if (*run_cmd) {
    auto config = cen::hub::HubConfig::Load(run_dir);
    cen::common::Logging::Init(config.ok() ? config->hub_id : "hub");
    const auto& stop = cen::common::Signals::InstallStopHandlers();
    return Finish(cen::hub::HubCommands::Run(run_dir, stop));
  }
  return 2;
}
