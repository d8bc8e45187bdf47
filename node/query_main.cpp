// cen-query: parses arguments and calls cen::node::QueryCommand.
#include <CLI/CLI.hpp>
#include <iostream>

#include "node/query_command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "cen-query: search the records replicated to this node. Reads node.db read-only;\n"
      "works with the agent stopped and the hub unreachable.\n\n"
      "Examples:\n"
      "  cen-query --data /var/lib/cen-node\n"
      "  cen-query --data /var/lib/cen-node --kind alert --format json"};
  cen::node::QueryOptions o;
  app.add_option("--data", o.data_dir, "Node data directory")->required();
  app.add_option("--kind", o.kind, "Only records of this kind: seizure or alert");
  app.add_option("--format", o.format,
                 "table (aligned columns) or json (NDJSON, one record per line)")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  const cen::common::Status s = cen::node::QueryCommand::Run(o, std::cout);
  if (!s.ok()) std::cerr << "cen-query: " << s.message() << "\n";
  return s.ExitCode();
}
