#include "common/record_fields.h"

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>

#include "common/record_validator.h"

using cen::common::CsvCell;
using cen::common::FieldGroup;
using cen::common::FieldSpec;
using cen::common::KeyPolicy;
using cen::common::RecordFields;
using cen::common::RecordValidator;
using nlohmann::json;

TEST_CASE("RecordFields: a field's CSV column reads one way and names one field per kind",
          "[common][fields]") {
  std::map<std::string, CsvCell> cells;
  for (const FieldSpec& f : RecordFields::All()) {
    if (f.csv == CsvCell::kNone) continue;
    const auto [it, fresh] = cells.emplace(RecordFields::CsvColumn(f), f.csv);
    CAPTURE(f.name);
    CHECK(it->second == f.csv);  // "commodity" of seizures and alerts alike
  }
  CHECK(cells.at("indicators.routes") == CsvCell::kRoutes);
  CHECK(cells.at("info_eval") == CsvCell::kInteger);
  for (const FieldGroup g : {FieldGroup::kEnvelope, FieldGroup::kSeizure, FieldGroup::kAlert,
                             FieldGroup::kReceipt, FieldGroup::kIndicator}) {
    std::set<std::string_view> names;
    for (const std::string_view name : RecordFields::Names(g)) CHECK(names.insert(name).second);
  }
}

TEST_CASE("RecordFields: the validator enforces the table's text limits", "[common][fields]") {
  const RecordValidator validator(KeyPolicy::kRefuseUnknown, "2026-11-30");
  for (const FieldSpec& f : RecordFields::Of(FieldGroup::kSeizure)) {
    if (f.max_chars == 0) continue;
    CAPTURE(f.name);
    json record = {{"kind", "seizure"},
                   {"ref", "FR-1"},
                   {"seizure_date", "2026-03-14"},
                   {"reporting_country", "FR"},
                   {"commodity", "drugs"},
                   {"description", "x"},
                   {"quantity", 1},
                   {"unit", "KGM"}};
    // The limit counts code points: "é" is two bytes, one character.
    std::string text;
    for (size_t i = 0; i < f.max_chars; ++i) text += "\xc3\xa9";
    record[std::string(f.name)] = text;
    CHECK(validator.Validate(record).empty());
    record[std::string(f.name)] = text + "e";
    const auto errors = validator.Validate(record);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field == f.name);
  }
}

TEST_CASE("RecordFields: the validator knows exactly the table's keys", "[common][fields]") {
  const RecordValidator validator(KeyPolicy::kRefuseUnknown, "2026-11-30");
  json alert = {
      {"kind", "alert"}, {"ref", "A-1"}, {"title", "t"}, {"body", "b"}, {"priority", "high"}};
  CHECK(validator.Validate(alert).empty());
  // A seizure's field on an alert is named as such; a key in no group is unknown.
  json mixed = alert;
  mixed["seizure_date"] = "2026-03-14";
  mixed["colour"] = "red";
  const auto errors = validator.Validate(mixed);
  REQUIRE(errors.size() == 2);  // unknown keys by name
  CHECK(errors[0].field == "colour");
  CHECK(errors[0].reason == "unknown field");
  CHECK(errors[1].field == "seizure_date");
  CHECK(errors[1].reason == "unknown field for an alert");
}

TEST_CASE("RecordFields: GroupsOf answers what a search of every group's names answers",
          "[common][fields]") {
  const FieldGroup groups[] = {
      FieldGroup::kEnvelope,  FieldGroup::kSeizure,  FieldGroup::kAlert,     FieldGroup::kReceipt,
      FieldGroup::kIndicator, FieldGroup::kDecision, FieldGroup::kValidation};
  const auto searched = [&](std::string_view name) {
    uint32_t bits = 0;
    for (const FieldGroup g : groups) {
      for (const std::string_view n : RecordFields::Names(g)) {
        if (n == name) bits |= RecordFields::Bit(g);
      }
    }
    return bits;
  };
  for (const FieldSpec& f : RecordFields::All()) {
    CAPTURE(f.name);
    CHECK((RecordFields::GroupsOf(f.name) & RecordFields::Bit(f.group)) != 0);
    CHECK(RecordFields::GroupsOf(f.name) == searched(f.name));
  }
  // A field of seizures and alerts alike is in both groups.
  CHECK(RecordFields::GroupsOf("commodity") ==
        (RecordFields::Bit(FieldGroup::kSeizure) | RecordFields::Bit(FieldGroup::kAlert)));
  // Names in no group, exact spelling only.
  for (const std::string_view other : {"colour", "", "Kind", "kind ", "commodit"}) {
    CAPTURE(other);
    CHECK(RecordFields::GroupsOf(other) == 0);
  }
}

TEST_CASE("RecordFields::PositionIn: a field's row within its group, by one lookup",
          "[common][fields]") {
  for (const FieldGroup group :
       {FieldGroup::kEnvelope, FieldGroup::kSeizure, FieldGroup::kAlert, FieldGroup::kReceipt,
        FieldGroup::kIndicator, FieldGroup::kDecision, FieldGroup::kValidation}) {
    const auto rows = RecordFields::Of(group);
    for (size_t i = 0; i < rows.size(); ++i) {
      CAPTURE(rows[i].name);
      CHECK(RecordFields::PositionIn(group, rows[i].name) == i);
    }
  }
  // "commodity" is a row of both kinds, at its own place in each.
  CHECK(RecordFields::PositionIn(FieldGroup::kSeizure, "commodity") == 2u);
  CHECK(RecordFields::PositionIn(FieldGroup::kAlert, "commodity") == 7u);
  CHECK_FALSE(RecordFields::PositionIn(FieldGroup::kEnvelope, "commodity"));
  CHECK_FALSE(RecordFields::PositionIn(FieldGroup::kSeizure, "title"));
  CHECK_FALSE(RecordFields::PositionIn(FieldGroup::kSeizure, "commodities"));
  CHECK_FALSE(RecordFields::PositionIn(FieldGroup::kSeizure, ""));
}
