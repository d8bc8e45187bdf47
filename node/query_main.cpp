// cen-query: parses arguments and calls cen::node::QueryCommand.
#include <sys/ioctl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <limits>

#include "common/help_language.h"
#include "common/messages.h"
#include "node/query/filter_flags.h"
#include "node/query/query_command.h"
#include "node/query/record_stats.h"

namespace {

constexpr const char* kDescription = N_(
    R"(cen-query: search, show and aggregate the records replicated to this node.
Reads node.db read-only, so it works with the agent stopped and the hub
unreachable, and never blocks the agent. Every run is written to the node's
audit trail (cen-query audit).

Filters (combine freely: AND between flags; a repeated flag, or a value list
with commas, means OR within it):
  countries are ISO 3166-1 codes (NL) or UN M49 regions (Europe, "Western
  Europe", "South America"); dates are YYYY-MM-DD, YYYY-MM or YYYY, inclusive,
  on seizure_date for seizures and the date of issued_at for alerts.
  --text takes words (all must match), "an exact phrase", prefix* and OR/NOT;
  it ignores case and accents, in Latin and Cyrillic alike.

Examples:
  cen-query --data /var/lib/cen-node --commodity drugs --destination Europe --from 2019
  cen-query --data D --text '"false bottom" OR тайник*' --format csv > hits.csv
  cen-query --data D --hs 2939.72 --count                      # cocaine (HS 2939.72)
  cen-query --data D stats --hs 2939.72 --destination Europe --from 2019 --unit KGM --period year
  cen-query --data D routes --hs 2939.72 --destination Europe --from 2019
  cen-query --data D stats --by commodity,reporting_country --period year --top 5
  cen-query --data D stats --by destination --chart --top 15
  cen-query --data D show 0190a1b2-...                         # one record and its history
  cen-query --data D audit                                     # who queried what, when
  cen-query --data D alerts                                    # alerts in force
  cen-query --data D receipts 0190a1b2-7c3d                    # who received my alert
  cen-query --data D watch add cocaine-nl --hs 2939.72 --destination NL
  cen-query --data D hits                                      # indicator and watch hits
  cen-query --data D pending                                   # NCP records to validate

Output: table (default on a terminal), json (NDJSON, one record per line;
the default when piped) or csv (RFC 4180, canonical field names, lists joined
with ';'). H2 and H3 records are marked in tables and left out of json/csv
exports unless --include-restricted is given (the export is audited).
An NCP's record reaches its scope once its RILO accepts it; until then only
`pending` and `show` list it at the RILO and the NCP, unless --include-pending.
Exit codes: 0 ok, 1 failure, 2 bad flag or value.)");

size_t TerminalWidth() {
  winsize ws{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    try {
      return static_cast<size_t>(std::stoul(columns));
    } catch (const std::exception&) {
    }
  }
  return 120;
}

// A count flag's check: CLI11's NonNegativeNumber names the largest double.
CLI::Validator NotNegative() {
  return CLI::Validator(
      [](std::string& value) {
        return value.starts_with("-")
                   ? std::string(cen::common::Messages::Tr("must be 0 (all) or more"))
                   : std::string();
      },
      "", "not negative");
}

}  // namespace

static int Main(int argc, char** argv) {
  using cen::common::Messages;
  // The language first: --help speaks it too.
  if (const cen::common::Status s = Messages::UseFromCommandLine(argc, argv); !s.ok()) {
    std::cerr << "cen-query: " << s.message() << "\n";
    return s.ExitCode();
  }
  CLI::App app{Messages::Tr(kDescription), "cen-query"};
  cen::common::SpeakHelp(app);
  // As cen-hub and cen-node have (a trial looked for it).
  app.set_version_flag("--version", "cen-query 0.1.0",
                       Messages::Tr("Display program version information and exit"));
  app.fallthrough();
  app.require_subcommand(0, 1);
  cen::node::QueryOptions o;
  app.add_option("--data", o.data_dir,
                 Messages::Tr("Node data directory (as given to cen-node init)"))
      ->required();
  cen::node::FilterFlags::Add(app, o.filter);
  const std::string out = Messages::Tr("Output");
  app.add_option("--format", o.format,
                 Messages::Tr("table, json or csv (default: table on a terminal, json otherwise)"))
      ->group(out);
  app.add_flag("--count", o.count, Messages::Tr("Print only the number of matching records"))
      ->group(out);
  app.add_option(
         "--limit", o.limit,
         Messages::Tr(
             "At most N records or entries (0 = all; default: 100 in a table, all otherwise)"))
      ->check(NotNegative())
      ->group(out);
  app.add_option("--offset", o.offset, Messages::Tr("Skip the first N"))->group(out);
  app.add_option(
         "--sort", o.sort,
         Messages::Tr("Order: field[,-field] of date, gseq, received_at, quantity, commodity, "
                      "reporting_country, departure, destination, origin, kind, handling, hs_code, "
                      "version; - for descending (default gseq)"))
      ->group(out);
  std::string lang;  // used before parsing (Messages::UseFromCommandLine)
  app.add_option("--lang", lang, Messages::Tr(Messages::kLangHelp))->group(out);
  app.add_flag(
         "--include-restricted", o.include_restricted,
         Messages::Tr("Include H2/H3 records in json/csv exports (written to the audit trail)"))
      ->group(out);

  auto* show = app.add_subcommand(
      "show", Messages::Tr("One record with every field and its version history"));
  show->add_option("uuid", o.uuid, Messages::Tr("The record's uuid, or its first 8+ characters"))
      ->required();
  auto* stats = app.add_subcommand(
      "stats",
      Messages::Tr("Records and total quantity per unit for each group of the filtered records "
                   "(seizures unless --kind says otherwise; --by kind or priority, and "
                   "--priority, count every kind)"));
  stats
      ->add_option("--by", o.by,
                   Messages::Tr("Group on these fields, comma-separated: ") +
                       cen::node::RecordStats::GroupFieldNames())
      ->delimiter(',');
  stats->add_option("--period", o.period,
                    Messages::Tr("Also group by month or year of the record's date"));
  stats->add_flag("--chart", o.chart,
                  Messages::Tr("Draw a bar chart (one grouping: one --by field or --period)"));
  stats
      ->add_option("--top", o.top,
                   Messages::Tr("Only the N largest groups (per period with --period)"))
      ->check(NotNegative());
  auto* routes = app.add_subcommand(
      "routes",
      Messages::Tr("The most frequent departure → transit → destination paths, with counts"));
  routes
      ->add_option("--top", o.top,
                   Messages::Tr("Only the N most frequent routes (default 20; 0 = all)"))
      ->check(NotNegative());
  auto* audit =
      app.add_subcommand("audit", Messages::Tr("The node's trail of cen-query runs, newest first"));
  auto* alerts = app.add_subcommand(
      "alerts",
      Messages::Tr(
          "Alerts in force, most urgent and newest first: priority, age, expiry, receipts and "
          "hits. Updates are applied; cancelled and expired alerts are left out unless --all. "
          "Filter with --priority and --origin"));
  alerts->add_flag("--all", o.all,
                   Messages::Tr("Also cancelled and expired alerts, marked in STATE"));
  auto* receipts = app.add_subcommand(
      "receipts",
      Messages::Tr(
          "For one of this office's alerts: every office it went to, when each received it, "
          "what each did (cen-node ack) and who has not received it yet"));
  receipts->add_option("uuid", o.uuid, Messages::Tr("The alert's uuid, or its first 8+ characters"))
      ->required();
  app.add_subcommand(
      "hits", Messages::Tr("Records that matched an alert's indicators (containers, vessel IMO, "
                           "companies, routes, HS codes) or a watch list, newest first; and hits "
                           "other offices reported for this office's alerts"));
  auto* watch = app.add_subcommand(
      "watch",
      Messages::Tr(
          "Watch lists: filters saved under a name; every record applied from then on that "
          "matches becomes a hit (cen-query hits, and the agent's --on-hit hook)"));
  watch->require_subcommand(1);
  auto* watch_add = watch->add_subcommand(
      "add",
      Messages::Tr("Save the filters given (any cen-query filter, --text too) as watch NAME"));
  watch_add->add_option("name", o.watch_name, Messages::Tr("1-64 of A-Z a-z 0-9 _ . -"))
      ->required();
  auto* watch_list =
      watch->add_subcommand("list", Messages::Tr("Every watch, its filter and its hits"));
  auto* watch_remove =
      watch->add_subcommand("remove", Messages::Tr("Delete watch NAME (its hits stay)"));
  watch_remove->add_option("name", o.watch_name, Messages::Tr("The watch's name"))->required();
  auto* pending = app.add_subcommand(
      "pending",
      Messages::Tr("NCP records waiting for their RILO's decision, oldest first, with the checks "
                   "that fail on each and the reason of a return (decide with cen-node accept "
                   "or cen-node return)"));
  pending
      ->add_option("--pending-days", o.pending_days,
                   Messages::Tr("Flag records pending for longer than this many days"))
      ->capture_default_str();
  // The filters are cen-query's own, given before or after the subcommand
  // (a trial found `pending --help` listing --pending-days alone).
  pending->footer(
      Messages::Tr("Every cen-query filter applies (cen-query --help lists them), with --count, "
                   "--limit and --format; e.g. cen-query --data D pending --origin NCP-FR "
                   "--commodity tobacco --count"));

  cen::common::SpeakHelpInSubcommands(app);
  cen::common::RequireValues(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cen::common::ExitOnParseError(app, e);
  }
  cen::node::QueryVerb verb = cen::node::QueryVerb::kSearch;
  if (show->parsed()) verb = cen::node::QueryVerb::kShow;
  if (stats->parsed()) verb = cen::node::QueryVerb::kStats;
  if (routes->parsed()) verb = cen::node::QueryVerb::kRoutes;
  if (audit->parsed()) verb = cen::node::QueryVerb::kAudit;
  if (alerts->parsed()) verb = cen::node::QueryVerb::kAlerts;
  if (receipts->parsed()) verb = cen::node::QueryVerb::kReceipts;
  if (app.got_subcommand("hits")) verb = cen::node::QueryVerb::kHits;
  if (watch_add->parsed()) verb = cen::node::QueryVerb::kWatchAdd;
  if (watch_list->parsed()) verb = cen::node::QueryVerb::kWatchList;
  if (watch_remove->parsed()) verb = cen::node::QueryVerb::kWatchRemove;
  if (pending->parsed()) verb = cen::node::QueryVerb::kPending;
  o.terminal = isatty(STDOUT_FILENO) == 1;
  o.width = TerminalWidth();
  o.arguments.assign(argv + 1, argv + argc);
  const cen::common::Status s = cen::node::QueryCommand::Run(verb, o, std::cout, std::cerr);
  if (!s.ok()) std::cerr << "cen-query: " << s.message() << "\n";
  return s.ExitCode();
}

int main(int argc, char** argv) {
  return cen::common::ExitOnException("cen-query", [&] { return Main(argc, argv); });
}
