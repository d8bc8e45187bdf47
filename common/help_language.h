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
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
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

// How many single-character edits turn `a` into `b` (Levenshtein).
inline size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The --flag of `at` or of the commands above it nearest to `word`, within
// two edits; "" when none is.
inline std::string NearestFlag(const CLI::App& at, std::string_view word) {
  std::string best;
  size_t best_distance = 3;
  for (const CLI::App* app = &at; app != nullptr; app = app->get_parent()) {
    for (const CLI::Option* option : app->get_options()) {
      for (const std::string& name : option->get_lnames()) {
        const size_t distance = EditDistance(word, "--" + name);
        if (distance < best_distance) {
          best_distance = distance;
          best = "--" + name;
        }
      }
    }
  }
  return best;
}

// The exit code for a failed parse, after CLI11's message; but for a word
// that names no command (`cen-node frobnicate`), where CLI11 says only "A
// subcommand is required", the word and the commands there are; and for a
// flag no command has (`--dta`), where CLI11 said "--data is required" or
// "The following arguments were not expected: drugs --comodity", the flag,
// the command, and the flag meant.
inline int ExitOnParseError(CLI::App& app, const CLI::ParseError& e) {
  const std::vector<std::string> extra = app.remaining(/*recurse=*/true);
  const bool required = dynamic_cast<const CLI::RequiredError*>(&e) != nullptr;
  const bool extras = dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr;
  if (required || extras) {
    const CLI::App* at = &app;
    while (!at->get_subcommands().empty()) at = at->get_subcommands().front();
    std::string command = at->get_name();
    for (const CLI::App* up = at->get_parent(); up != nullptr; up = up->get_parent())
      command = up->get_name() + " " + command;
    command = std::filesystem::path(command).filename().string();
    // A word near a command's name is that command mistyped (`stat` for
    // `stats`): said first, its flags would be blamed otherwise.
    for (const std::string& word : extra) {
      if (word.starts_with("-")) continue;
      for (const CLI::App* sub : at->get_subcommands({})) {
        if (EditDistance(word, sub->get_name()) > 2) continue;
        std::cerr << command << ": "
                  << Messages::Format("'{}' is not a command; did you mean {}?", word,
                                      sub->get_name())
                  << "\n";
        return 2;
      }
    }
    for (const std::string& word : extra) {
      if (!word.starts_with("--") || word.size() < 3) continue;
      const std::string flag = word.substr(0, word.find('='));
      const std::string meant = NearestFlag(*at, flag);
      std::cerr << command << ": "
                << (meant.empty() ? Messages::Format("{}: not a flag of {} (--help lists them)",
                                                     flag, command)
                                  : Messages::Format("{}: not a flag of {}; did you mean {}?", flag,
                                                     command, meant))
                << "\n";
      return 2;
    }
  }
  if ((required || extras) && !extra.empty() && !extra.front().starts_with("-")) {
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
  // A flag's value refused: "tool: --flag: why", in the reader's language
  // as the other usage errors are (a trial: CLI11's English "Run with
  // --help for more information." under LANG=ru_RU).
  if (dynamic_cast<const CLI::ValidationError*>(&e) != nullptr ||
      dynamic_cast<const CLI::ConversionError*>(&e) != nullptr) {
    std::cerr << std::filesystem::path(app.get_name()).filename().string() << ": " << e.what()
              << "\n";
    return 2;
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
