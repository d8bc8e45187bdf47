#include "common/help_language.h"

#include <catch2/catch.hpp>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

// What `args` make a tool with a `submit` command (--data required, files)
// and a root --commodity print on stderr, and its exit code.
std::pair<int, std::string> Parse(std::vector<std::string> args) {
  CLI::App app{"tool", "tool"};
  std::string commodity;
  app.add_option("--commodity", commodity);
  int64_t limit = 0;
  app.add_option("--limit", limit)
      ->check(CLI::Validator(
          [](std::string& v) { return v.starts_with("-") ? std::string("must be 0 or more") : ""; },
          "", "not negative"));
  std::string data;
  std::vector<std::string> files;
  auto* submit = app.add_subcommand("submit");
  submit->add_option("--data", data)->required();
  submit->add_option("files", files);
  args.insert(args.begin(), "tool");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  std::ostringstream err;
  auto* was = std::cerr.rdbuf(err.rdbuf());
  int code = 0;
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    std::ostringstream out;
    auto* was_out = std::cout.rdbuf(out.rdbuf());
    code = cen::common::ExitOnParseError(app, e);
    std::cout.rdbuf(was_out);
    err << out.str();
  }
  std::cerr.rdbuf(was);
  return {code, err.str()};
}

}  // namespace

TEST_CASE("A mistyped flag is named, with the flag meant", "[common][cli]") {
  // A trial: `submit --dta D f` said "--data is required", and
  // `--comodity drugs` "The following arguments were not expected: drugs
  // --comodity".
  auto [code, err] = Parse({"submit", "--dta", "dir", "file"});
  CHECK(code == 2);
  CHECK_THAT(err, Catch::Contains("tool submit: --dta: not a flag of tool submit; did you mean "
                                  "--data?"));
  std::tie(code, err) = Parse({"--comodity", "drugs"});
  CHECK(code == 2);
  CHECK_THAT(err, Catch::Contains("--comodity: not a flag of tool; did you mean --commodity?"));
  std::tie(code, err) = Parse({"--zzzzzz", "1"});
  CHECK_THAT(err, Catch::Contains("--zzzzzz: not a flag of tool (--help lists them)"));
  std::tie(code, err) = Parse({"submt", "--data", "d"});
  CHECK_THAT(err, Catch::Contains("'submt' is not a command; did you mean submit?"));
  CHECK(cen::common::EditDistance("--dta", "--data") == 1);
}

TEST_CASE("A refused flag value is one line naming the tool and the flag, exit 2",
          "[common][cli]") {
  // A trial: CLI11's own "--limit: Value -1 not in range ..." and "Run with
  // --help for more information.", in English whatever the language.
  auto [code, err] = Parse({"--limit", "-1"});
  CHECK(code == 2);
  CHECK(err == "tool: --limit: must be 0 or more\n");
  std::tie(code, err) = Parse({"--limit", "abc"});
  CHECK(code == 2);
  CHECK_THAT(err, Catch::StartsWith("tool: ") && !Catch::Contains("Run with --help"));
}
