#include "node/query/record_format.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

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
