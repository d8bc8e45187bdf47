// CLI11's own words in --help (Usage, Options, Subcommands, REQUIRED, the
// help flag's line) in the language Messages picked, so that a tool's whole
// help page reads in one language.
//
//   CLI::App app{Messages::Tr(kDescription), "cen-query"};
//   SpeakHelp(app);              // before any option or subcommand: they inherit it
//   ... options and subcommands ...
//   SpeakHelpInSubcommands(app);  // once they are all made
//
// Header-only: the tools' main() files are its only users.
#pragma once

#include <CLI/CLI.hpp>

#include "common/messages.h"

namespace cen::common {

inline void SpeakHelp(CLI::App& app) {
  const auto formatter = app.get_formatter();
  for (const char* label : {N_("Usage"), N_("Positionals"), N_("OPTIONS"), N_("SUBCOMMAND"),
                            N_("SUBCOMMANDS"), N_("REQUIRED"), N_("Needs"), N_("Excludes")})
    formatter->label(label, Messages::Tr(label));
  app.option_defaults()->group(Messages::Tr("Options"));
  app.set_help_flag("-h,--help", Messages::Tr("Print this help message and exit"));
  app.group(Messages::Tr("Subcommands"));
}

// CLI11 makes a subcommand's -h,--help before the subcommand takes its
// parent's option defaults, so it would stand alone under "Options": put it
// with the other options, in every subcommand at any depth.
inline void SpeakHelpInSubcommands(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands({})) {
    if (CLI::Option* help = sub->get_help_ptr()) help->group(Messages::Tr("Options"));
    SpeakHelpInSubcommands(*sub);
  }
}

}  // namespace cen::common
