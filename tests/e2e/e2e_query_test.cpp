// End-to-end: records submitted at one office, replicated through the real
// hub, answered by the real cen-query binary at another office.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/utf8.h"
#include "tests/e2e/cluster.h"

namespace cen::e2e {
namespace {

using nlohmann::json;

constexpr auto kQueryConvergeTimeout = std::chrono::seconds(60);

std::string QuerySeizure(const std::string& ref, const std::string& date, const std::string& dep,
                         std::vector<std::string> transit, const std::string& dest, double kg,
                         const std::string& description) {
  json r = {{"kind", "seizure"},    {"ref", ref},
            {"seizure_date", date}, {"reporting_country", dest},
            {"commodity", "drugs"}, {"description", description},
            {"quantity", kg},       {"unit", "KGM"},
            {"hs_code", "293972"},  {"departure", dep},
            {"destination", dest}};
  if (!transit.empty()) r["transit"] = transit;
  return r.dump();
}

// The display column where `needle` starts in `line`.
size_t Column(const std::string& line, const std::string& needle) {
  const size_t at = line.find(needle);
  REQUIRE(at != std::string::npos);
  return cen::common::Utf8::DisplayWidth(std::string_view(line).substr(0, at));
}

std::vector<std::string> QueryLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("cen-query answers an analyst's question on a replica fed through the hub",
          "[e2e][query]") {
  Cluster cluster({{"WE", "EU"}, {"ECE", "EU"}});
  cluster.StartAll();
  const std::vector<std::string> records = {
      QuerySeizure("S1", "2019-03-02", "CO", {}, "NL", 120, "Cocaine in banana boxes"),
      QuerySeizure("S2", "2019-11-20", "CO", {"PA"}, "ES", 80, "Cocaína en contenedor"),
      QuerySeizure("S3", "2020-05-10", "EC", {}, "BE", 200, "Cocaine in pineapples"),
      QuerySeizure("S4", "2020-07-01", "EC", {"NL", "PL"}, "RU", 50, "Кокаин в коробках"),
      QuerySeizure("S5", "2018-12-31", "CO", {}, "NL", 5, "Cocaine before the period"),
      QuerySeizure("S6", "2021-01-05", "MX", {}, "US", 10, "Cocaine bound elsewhere"),
  };
  AcceptedRecords accepted;
  cluster.Submit("WE", records, accepted);
  cluster.WaitForConvergence(accepted, {"WE", "ECE"}, kQueryConvergeTimeout);
  const std::string data = cluster.node_dir("ECE").string();

  // Every question below reads the one converged replica (a SECTION each
  // would build and feed the cluster again, once per section).
  {  // kilograms per year bound for Europe since 2019, and their routes
    const RunResult stats = cluster.RunQuery({"--data", data, "stats", "--hs", "2939.72",
                                              "--destination", "Europe", "--from", "2019", "--unit",
                                              "KGM", "--period", "year", "--format", "json"});
    REQUIRE(stats.exit_code == 0);
    const auto rows = QueryLines(stats.out);
    REQUIRE(rows.size() == 2);
    CHECK(json::parse(rows[0]) ==
          json{{"year", "2019"}, {"records", 2}, {"quantity", {{"KGM", 200.0}}}});
    CHECK(json::parse(rows[1]) ==
          json{{"year", "2020"}, {"records", 2}, {"quantity", {{"KGM", 250.0}}}});

    const RunResult routes =
        cluster.RunQuery({"--data", data, "routes", "--hs", "2939.72", "--destination", "Europe",
                          "--from", "2019", "--format", "table"});
    REQUIRE(routes.exit_code == 0);
    CHECK_THAT(routes.out, Catch::Contains("EC → NL → PL → RU") &&
                               Catch::Contains("CO → PA → ES") && Catch::Contains("4 group(s)"));
  }
  {  // count, Cyrillic text and audit
    const RunResult count = cluster.RunQuery({"--data", data, "--text", "КОКАИН", "--count"});
    REQUIRE(count.exit_code == 0);
    CHECK(count.out == "1\n");
    const RunResult audit = cluster.RunQuery({"--data", data, "audit", "--format", "json"});
    REQUIRE(audit.exit_code == 0);
    const auto entries = QueryLines(audit.out);
    REQUIRE(entries.size() >= 1);
    const json last = json::parse(entries[0]);
    CHECK(last["command"] == "search");
    CHECK(last["results"] == 1);
    CHECK(last["arguments"] == json::array({"--data", data, "--text", "КОКАИН", "--count"}));
    CHECK_FALSE(last["os_user"].get<std::string>().empty());
  }
  {  // in the analyst's language: tables, country names and help; json and csv unchanged
    const std::vector<std::string> table = {"--data", data, "--format", "table", "--sort", "date"};
    const std::vector<std::string> by_destination = {"--data",      data,       "stats", "--by",
                                                     "destination", "--format", "table"};
    struct Case {
      std::string lang, commodity, netherlands, records, help, filters, count_help;
    };
    for (const Case& c : {
             Case{"ru_RU.UTF-8", "ТОВАР", "NL Нидерланды", "записей: 6", "Одна запись",
                  "Фильтры:", "Вывести только число найденных записей"},
             Case{"fr_FR.UTF-8", "MARCHANDISE", "NL Pays-Bas", "6 fiche(s)", "Une fiche",
                  "Filtres:", "N'afficher que le nombre de fiches trouvées"},
             Case{"es_ES.UTF-8", "MERCANCÍA", "NL Países Bajos", "6 registro(s)", "Un registro",
                  "Filtros:", "Mostrar solo el número de registros encontrados"},
             Case{"C", "COMMODITY", "NL Netherlands", "6 record(s)", "One record",
                  "Filters:", "Print only the number of matching records"},
         }) {
      CAPTURE(c.lang);
      const RunResult search = cluster.RunQueryIn({"LANG=" + c.lang}, table);
      REQUIRE(search.exit_code == 0);
      CHECK_THAT(search.out, Catch::Contains(c.commodity) && Catch::Contains(c.records));
      const RunResult stats = cluster.RunQueryIn({"LANG=" + c.lang}, by_destination);
      REQUIRE(stats.exit_code == 0);
      CHECK_THAT(stats.out, Catch::Contains(c.netherlands));
      // The whole help page: subcommands, option groups and option lines.
      const RunResult help = cluster.RunQueryIn({"LANG=" + c.lang}, {"--help"});
      CHECK_THAT(help.out, Catch::Contains(c.help) && Catch::Contains(c.filters) &&
                               Catch::Contains(c.count_help));
      if (c.lang != "C") {
        CHECK_THAT(help.out, !Catch::Contains("Print this help message") &&
                                 !Catch::Contains("Print only the number"));
      }
    }
    // cen-node's and cen-hub's help pages too, multi-line summaries included.
    const RunResult node_help = cluster.RunNode({"--lang", "es", "--help"});
    CHECK_THAT(node_help.out, Catch::Contains("Subcomandos:") &&
                                  Catch::Contains("Importar archivos CSV o NDJSON") &&
                                  Catch::Contains("Mostrar la versión del programa"));
    const RunResult hub_help = cluster.RunHub({"--lang", "ru", "--help"});
    CHECK_THAT(hub_help.out,
               Catch::Contains("Подкоманды:") && Catch::Contains("Отменить ориентировку"));
    // A word that is no command is named, with the commands there are
    // (CLI11 alone said "A subcommand is required").
    const RunResult unknown_node = cluster.RunNode({"frobnicate"});
    CHECK(unknown_node.exit_code == 2);
    CHECK_THAT(unknown_node.err,
               Catch::Contains("cen-node: 'frobnicate' is not a command; the commands are: init, "
                               "run, submit"));
    const RunResult unknown_group = cluster.RunHub({"group", "frobnicate"});
    CHECK(unknown_group.exit_code == 2);
    CHECK_THAT(unknown_group.err, Catch::Contains("'frobnicate' is not a command; the commands "
                                                  "are: create, add, remove, list"));
    // A subcommand's page: its options and its help line, under one heading.
    const RunResult init_help = cluster.RunNode({"--lang", "ru", "init", "--help"});
    CHECK_THAT(init_help.out, Catch::Contains("Создаваемый каталог данных") &&
                                  Catch::Contains("Показать эту справку") &&
                                  !Catch::Contains("Options:"));
    // Columns line up by display width: after a Cyrillic header the next
    // column starts where its cells do.
    const RunResult ru = cluster.RunQueryIn({"LANG=ru_RU.UTF-8"}, table);
    const auto lines = QueryLines(ru.out);
    REQUIRE(lines.size() >= 2);
    CHECK(Column(lines[0], "ВИД") == Column(lines[1], "seizure"));
    CHECK(Column(lines[0], "ТОВАР") == Column(lines[1], "drugs"));
    // --lang wins over the environment.
    const std::vector<std::string> in_russian = {"--data", data,       "--lang",
                                                 "ru",     "--format", "table"};
    CHECK_THAT(cluster.RunQueryIn({"LANG=fr_FR.UTF-8"}, in_russian).out, Catch::Contains("ТОВАР"));
    const RunResult unknown = cluster.RunQueryIn({}, {"--data", data, "--lang", "tlh"});
    CHECK(unknown.exit_code == 2);
    CHECK_THAT(unknown.err, Catch::Contains("--lang tlh") && Catch::Contains("en, fr, es, ru"));
    // The analyst's mistakes are explained in the analyst's language, with
    // the same exit code and the flag and value as typed.
    const std::vector<std::string> bad_date = {"--data", data, "--from", "2026-13-45"};
    const RunResult date_en = cluster.RunQueryIn({"LANG=C.UTF-8"}, bad_date);
    CHECK(date_en.exit_code == 2);
    CHECK_THAT(date_en.err, Catch::Contains("--from: '2026-13-45' is not a date written"));
    for (const auto& [lang, words] : std::vector<std::pair<std::string, std::string>>{
             {"ru_RU.UTF-8", "--from: «2026-13-45» — не дата в виде ГГГГ-ММ-ДД"},
             {"fr_FR.UTF-8", "--from : « 2026-13-45 » n'est pas une date écrite AAAA-MM-JJ"},
             {"es_ES.UTF-8", "--from: «2026-13-45» no es una fecha escrita AAAA-MM-DD"}}) {
      const RunResult translated = cluster.RunQueryIn({"LANG=" + lang}, bad_date);
      CHECK(translated.exit_code == 2);
      CHECK_THAT(translated.err, Catch::Contains(words));
    }
    // A flag where a value should be was taken as the value: `--text
    // --count` listed "0 record(s)" and exited 0; `--text ''` was everything.
    for (const std::vector<std::string>& swallowed :
         {std::vector<std::string>{"--data", data, "--text", "--count"},
          std::vector<std::string>{"--data", data, "--origin", "--count", "--format", "table"},
          std::vector<std::string>{"--data", data, "--text", "", "--count"}}) {
      const RunResult r = cluster.RunQueryIn({"LANG=C.UTF-8"}, swallowed);
      INFO(r.command << "\n" << r.out << r.err);
      CHECK(r.exit_code == 2);
      CHECK(r.out.empty());
      CHECK_THAT(r.err, Catch::Contains(swallowed[2] + ": needs a value"));
    }
    // A transport mode by its name, as an analyst says it: "sea" got CLI11's
    // "Could not convert: --transport-mode = sea".
    const RunResult by_name = cluster.RunQueryIn(
        {"LANG=C.UTF-8"}, {"--data", data, "--transport-mode", "Sea", "--count"});
    const RunResult by_code =
        cluster.RunQueryIn({"LANG=C.UTF-8"}, {"--data", data, "--transport-mode", "1", "--count"});
    CHECK(by_name.exit_code == 0);
    CHECK(by_name.out == by_code.out);
    const RunResult boat =
        cluster.RunQueryIn({"LANG=C.UTF-8"}, {"--data", data, "--transport-mode", "boat"});
    CHECK(boat.exit_code == 2);
    CHECK_THAT(boat.err, Catch::Contains("'boat' is not a transport mode: 1 sea"));
    const RunResult no_record =
        cluster.RunQueryIn({}, {"--data", data, "--lang", "ru", "show", "0190ffff-ffff"});
    CHECK(no_record.exit_code != 0);
    CHECK_THAT(no_record.err, Catch::Contains("записи 0190ffff-ffff нет в этой реплике"));
    // Machine output never changes with the language.
    for (const std::string format : {"json", "csv"}) {
      const std::vector<std::string> args = {"--data", data, "--format", format, "--sort", "date"};
      const RunResult english = cluster.RunQueryIn({"LANG=C.UTF-8"}, args);
      const RunResult russian = cluster.RunQueryIn({"LANG=ru_RU.UTF-8"}, args);
      REQUIRE(english.exit_code == 0);
      CHECK(russian.out == english.out);
      const std::vector<std::string> stats = {"--data",      data,       "stats", "--by",
                                              "destination", "--format", format};
      CHECK(cluster.RunQueryIn({"LANG=ru_RU.UTF-8"}, stats).out ==
            cluster.RunQueryIn({"LANG=C.UTF-8"}, stats).out);
    }
  }
  {  // bad values exit 2 naming the flag; a missing directory is explained
    const RunResult commodity = cluster.RunQuery({"--data", data, "--commodity", "cocaine"});
    CHECK(commodity.exit_code == 2);
    CHECK_THAT(commodity.err, Catch::Contains("--commodity: 'cocaine' is not one of drugs"));
    const RunResult date = cluster.RunQuery({"--data", data, "--from", "2019-13-01"});
    CHECK(date.exit_code == 2);
    CHECK_THAT(date.err, Catch::Contains("--from"));
    const RunResult flag = cluster.RunQuery({"--data", data, "--colour", "red"});
    CHECK(flag.exit_code == 2);
    // -1 read as "no --limit given" (all, in json) where 0 means all.
    const RunResult limit = cluster.RunQuery({"--data", data, "--limit", "-1"});
    CHECK(limit.exit_code == 2);
    CHECK_THAT(limit.err, Catch::Contains("--limit"));
    const RunResult missing = cluster.RunQuery({"--data", data + "-nowhere"});
    CHECK(missing.exit_code == 1);
    CHECK_THAT(missing.err, Catch::Contains("cen-node init"));
    const RunResult help = cluster.RunQuery({"--help"});
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.out, Catch::Contains("--destination") && Catch::Contains("Europe"));
    // As cen-hub and cen-node (a trial looked for it).
    const RunResult version = cluster.RunQuery({"--version"});
    CHECK(version.exit_code == 0);
    CHECK_THAT(version.out, Catch::StartsWith("cen-query "));
  }
}

}  // namespace cen::e2e
