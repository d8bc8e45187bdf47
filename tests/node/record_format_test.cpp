#include "node/query/record_format.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "common/messages.h"

using cen::node::RecordFormat;
using nlohmann::json;

TEST_CASE("A listing's summary tells an alert's update or cancel from an alert", "[node][query]") {
  // An update raising an alert to urgent was listed as "[] " with no title,
  // a cancel as "[normal] Cancel cig...": read as alerts of their own.
  const json alert = {{"kind", "alert"},
                      {"msg_type", "alert"},
                      {"priority", "high"},
                      {"title", "Cocaine route EC-NL"}};
  CHECK(RecordFormat::Summary(alert) == "[high] Cocaine route EC-NL");
  const json update = {
      {"kind", "alert"}, {"msg_type", "update"}, {"priority", "urgent"}, {"references", {"x"}}};
  CHECK(RecordFormat::Summary(update) == "[update] [urgent]");
  const json cancel = {{"kind", "alert"},
                       {"msg_type", "cancel"},
                       {"priority", "normal"},
                       {"title", "Cancel cigarette alert"},
                       {"handling", "H2"}};
  CHECK(RecordFormat::Summary(cancel) == "[H2] [cancel] [normal] Cancel cigarette alert");
  const json seizure = {{"kind", "seizure"},
                        {"description", "Cocaine in bananas"},
                        {"concealment", "false bottom"},
                        {"handling", "H3"},
                        {"handling_note", "RILO only"}};
  CHECK(RecordFormat::Summary(seizure) == "[H3: RILO only] Cocaine in bananas (false bottom)");
}

TEST_CASE("A table's quantities read as the language of the table writes numbers",
          "[node][query]") {
  // A trial: `--lang fr` tables printed 19,109,306.7 KGM, which a French
  // reader takes for nineteen-point-something.
  using cen::common::Messages;
  using cen::node::RecordFormat;
  const std::map<std::string, double, std::less<>> totals = {{"KGM", 19109306.7}, {"H87", 12}};
  CHECK(RecordFormat::Number(1234.5) == "1,234.5");
  CHECK(RecordFormat::Quantities(totals) == "12 H87; 19,109,306.7 KGM");
  REQUIRE(Messages::Use("fr").ok());
  const std::string fr_number = RecordFormat::Number(1234.5);
  const std::string fr_totals = RecordFormat::Quantities(totals);
  REQUIRE(Messages::Use("es").ok());
  const std::string es_totals = RecordFormat::Quantities(totals);
  REQUIRE(Messages::Use("en").ok());
  CHECK(fr_number == "1\u202f234,5");
  CHECK(fr_totals == "12 H87; 19\u202f109\u202f306,7 KGM");
  CHECK(es_totals == "12 H87; 19.109.306,7 KGM");
}
