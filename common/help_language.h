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
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

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

// `--text --count`: CLI11 takes `--count` as the text, and the run answers
// a question nobody asked (0 records, exit 0); `--text ''` was every record.
// Every option of `app` and its subcommands that takes a value refuses an
// empty one and one that starts with "--". Not for a tool whose values may
// (a Z85 key can begin with "--").
inline void RequireValues(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    if (opt->get_positional() || opt->get_type_size_min() == 0) continue;
    opt->check(CLI::Validator(
        [](std::string& value) {
          if (value.empty()) return std::string(Messages::Tr("needs a value"));
          if (!value.starts_with("--")) return std::string();
          return Messages::Format("needs a value; '{}' is the next flag", value);
        },
        "", "a value"));
  }
  for (CLI::App* sub : app.get_subcommands({})) RequireValues(*sub);
}

// The exit code for a failed parse, after CLI11's message; but for a word
// that names no command (`cen-node frobnicate`), where CLI11 says only "A
// subcommand is required", the word and the commands there are.
inline int ExitOnParseError(CLI::App& app, const CLI::ParseError& e) {
  const std::vector<std::string> extra = app.remaining(/*recurse=*/true);
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && !extra.empty() &&
      !extra.front().starts_with("-")) {
    // The deepest command given: the unknown word stands where its
    // subcommand should.
    const CLI::App* at = &app;
    while (!at->get_subcommands().empty()) at = at->get_subcommands().front();
    std::string commands;
    for (const CLI::App* sub : at->get_subcommands({})) {
      if (!commands.empty()) commands += ", ";
      commands += sub->get_name();
    }
    if (!commands.empty()) {
      std::cerr << std::filesystem::path(app.get_name()).filename().string() << ": "
                << Messages::Format("'{}' is not a command; the commands are: {}", extra.front(),
                                    commands)
                << "\n";
      return 2;
    }
  }
  const int code = app.exit(e);
  return code == 0 ? 0 : 2;
}

// A tool's main(): `run` (its parsing and its command), where what no check
// foresaw (a file system refusing to say what a path is, for one) ends the
// command with its message and exit 1, not an abort.
template <typename Run>
int ExitOnException(const char* tool, Run run) {
  try {
    return run();
  } catch (const std::exception& e) {
    std::cerr << tool << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace cen::common
