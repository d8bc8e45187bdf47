#include "common/record_validator.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/messages.h"

using cen::common::FieldError;
using cen::common::KeyPolicy;
using cen::common::RecordValidator;
using nlohmann::json;

namespace {

constexpr const char* kToday = "2026-11-28";

// The least a seizure needs.
json MinimalSeizure() {
  return json::parse(R"({
    "kind": "seizure", "ref": "FR-CDG-2026-0001", "seizure_date": "2026-11-27",
    "reporting_country": "FR", "commodity": "cites",
    "description": "Pangolin scales in air freight declared as dried fish",
    "quantity": 12.5, "unit": "KGM"
  })");
}

// A seizure with every field set to a valid value.
json RecordValidatorFullSeizure() {
  return json::parse(R"({
    "kind": "seizure", "ref": "NL-RTM-2026-0042",
    "uuid": "0190f2c1-1234-7abc-8def-0123456789ab",
    "scope": "region:WE", "handling": "H2", "source_eval": "B", "info_eval": 2, "lang": "nl",
    "seizure_date": "2026-11-20", "reporting_country": "NL", "commodity": "drugs",
    "description": "Cocaine hidden in a reefer container of bananas",
    "quantity": 412.5, "unit": "KGM", "hs_code": "0803901000",
    "location": "Port of Rotterdam, Maasvlakte", "locode": "NLRTM", "lat": 51.95, "lon": 4.05,
    "location_type": "seaport", "direction": "import", "detection": "risk_profiling",
    "concealment": "Rip-on/rip-off: bags behind the cooling unit", "transport_mode": 1,
    "conveyance": "MV Example", "containers": ["CSQU3054383", "MSCU1234566"],
    "vessel_imo": "IMO 9074729", "departure": "EC", "destination": "NL",
    "transit": ["PA", "ES"], "value": 30000000, "currency": "EUR",
    "offenders": [{"nationality": "NL", "gender": "M", "age": 34}, {"nationality": "EC"}, {}]
  })");
}

json MinimalAlert() {
  return json::parse(R"({
    "kind": "alert", "ref": "RILO-WE-2026-017",
    "title": "Cigarettes in furniture consignments from the Far East",
    "body": "Several seizures of cigarettes hidden in flat-pack furniture.",
    "priority": "high"
  })");
}

json RecordValidatorFullAlert() {
  return json::parse(R"({
    "kind": "alert", "ref": "RILO-WE-2026-018",
    "uuid": "0190f2c1-1234-7abc-8def-0123456789ac",
    "scope": "nodes:nl-rtm,be.anr_1", "handling": "H3",
    "handling_note": "Not for onward transmission to third countries",
    "source_eval": "A", "info_eval": 1, "lang": "en",
    "title": "Update: cigarettes in furniture", "body": "New routes via the Gulf.",
    "priority": "urgent", "msg_type": "update",
    "references": ["0190f2c1-1234-7abc-8def-0123456789ab"],
    "issued_at": "2026-11-28T10:00:00Z", "expires_at": "2026-12-28T10:00:00+02:00",
    "commodity": "tobacco",
    "indicators": {
      "containers": ["TGHU9876542"], "vessel_imo": ["9176187", "IMO 9312341"],
      "companies": ["Example Trading FZE"], "routes": [["CN", "AE", "NL"], ["VN", "PL"]],
      "hs_codes": ["240220", "9403600000"]
    }
  })");
}

std::vector<FieldError> Validate(json& record, KeyPolicy policy = KeyPolicy::kRefuseUnknown) {
  return RecordValidator(policy, kToday).Validate(record);
}

std::string Describe(const std::vector<FieldError>& errors) {
  std::string out;
  for (const FieldError& e : errors) out += "\n  " + e.field + ": " + e.reason;
  return errors.empty() ? "no errors" : out;
}

// A variant of a base record: `patch` is an RFC 7396 merge patch (null removes
// a key), and exactly one error is expected, on `field`, with `fragment` in it.
struct FailCase {
  const char* name;
  json patch;
  std::string field;
  std::string fragment;
};

void ExpectOneError(const json& base, const FailCase& c,
                    KeyPolicy policy = KeyPolicy::kRefuseUnknown) {
  json record = base;
  record.merge_patch(c.patch);
  const std::vector<FieldError> errors = Validate(record, policy);
  INFO(c.name << " -> " << Describe(errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].field == c.field);
  CHECK_THAT(errors[0].reason, Catch::Contains(c.fragment));
}

void ExpectValid(const json& base, const char* name, const json& patch,
                 KeyPolicy policy = KeyPolicy::kRefuseUnknown) {
  json record = base;
  record.merge_patch(patch);
  const std::vector<FieldError> errors = Validate(record, policy);
  INFO(name << " -> " << Describe(errors));
  CHECK(errors.empty());
}

std::string Repeat(const std::string& unit, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i) out += unit;
  return out;
}

}  // namespace

TEST_CASE("A valid seizure passes and gets the defaults", "[common][validator]") {
  json record = MinimalSeizure();
  const std::vector<FieldError> errors = Validate(record);
  INFO(Describe(errors));
  CHECK(errors.empty());
  CHECK(record["scope"] == "global");
  CHECK(record["handling"] == "H0");
  CHECK(record["source_eval"] == "X");
  CHECK(record["info_eval"] == 4);
  CHECK(record["lang"] == "en");
  CHECK_FALSE(record.contains("msg_type"));
  CHECK_FALSE(record.contains("uuid"));  // the node assigns it, not the validator
}

TEST_CASE("A seizure with every field passes and keeps its values", "[common][validator]") {
  json record = RecordValidatorFullSeizure();
  const json before = record;
  const std::vector<FieldError> errors = Validate(record);
  INFO(Describe(errors));
  CHECK(errors.empty());
  CHECK(record["scope"] == "region:WE");
  CHECK(record["handling"] == "H2");
  CHECK(record["info_eval"] == 2);
  CHECK(record["lang"] == "nl");
  // The one rewrite: an IMO number becomes its seven digits.
  CHECK(record["vessel_imo"] == "9074729");
  record["vessel_imo"] = before["vessel_imo"];
  CHECK(record == before);
}

TEST_CASE("A valid alert passes and gets the defaults", "[common][validator]") {
  json record = MinimalAlert();
  const std::vector<FieldError> errors = Validate(record);
  INFO(Describe(errors));
  CHECK(errors.empty());
  CHECK(record["msg_type"] == "alert");
  CHECK(record["scope"] == "global");
  CHECK(record["handling"] == "H0");
  CHECK(record["source_eval"] == "X");
  CHECK(record["info_eval"] == 4);
  CHECK(record["lang"] == "en");
}

TEST_CASE("An alert with every field passes", "[common][validator]") {
  json record = RecordValidatorFullAlert();
  const std::vector<FieldError> errors = Validate(record);
  INFO(Describe(errors));
  CHECK(errors.empty());
  CHECK(record["msg_type"] == "update");
  CHECK(record["indicators"]["vessel_imo"] == json({"9176187", "9312341"}));
}

TEST_CASE("Validation is idempotent", "[common][validator]") {
  for (json record : {RecordValidatorFullSeizure(), MinimalSeizure(), RecordValidatorFullAlert(),
                      MinimalAlert()}) {
    REQUIRE(Validate(record).empty());
    const json once = record;
    REQUIRE(Validate(record).empty());
    CHECK(record == once);
  }
}

TEST_CASE("Valid variants of seizure fields pass", "[common][validator]") {
  const json base = RecordValidatorFullSeizure();
  ExpectValid(base, "scope global", {{"scope", "global"}});
  ExpectValid(base, "scope group", {{"scope", "group:op-pangolin_2026"}});
  ExpectValid(base, "scope one node", {{"scope", "nodes:nl-rtm"}});
  ExpectValid(base, "scope region 32 chars", {{"scope", "region:" + std::string(32, 'A')}});
  ExpectValid(base, "scope node id 64 chars", {{"scope", "nodes:a," + std::string(64, 'b')}});
  ExpectValid(base, "handling H3 with a note", {{"handling", "H3"}, {"handling_note", "x"}});
  ExpectValid(base, "handling_note on H0", {{"handling", "H0"}, {"handling_note", ""}});
  ExpectValid(base, "info_eval 1", {{"info_eval", 1}});
  ExpectValid(base, "lang ru", {{"lang", "ru"}});
  ExpectValid(base, "date today + 1 (east of UTC)", {{"seizure_date", "2026-11-29"}});
  ExpectValid(base, "date 29 February of a leap year", {{"seizure_date", "2024-02-29"}});
  ExpectValid(base, "date 2000-02-29", {{"seizure_date", "2000-02-29"}});
  ExpectValid(base, "date 1900-01-01", {{"seizure_date", "1900-01-01"}});
  ExpectValid(base, "integer quantity", {{"quantity", 3}});
  ExpectValid(base, "unit PR", {{"unit", "PR"}});
  ExpectValid(base, "hs_code 6 digits", {{"hs_code", "090111"}});
  ExpectValid(base, "hs_code 10 digits", {{"hs_code", "0901110000"}});
  ExpectValid(base, "locode with digits", {{"locode", "GB2LB"}});
  ExpectValid(base, "lat/lon at the bounds", {{"lat", -90}, {"lon", 180}});
  ExpectValid(base, "no lat and no lon", {{"lat", nullptr}, {"lon", nullptr}});
  ExpectValid(base, "transport_mode 0", {{"transport_mode", 0}});
  ExpectValid(base, "transport_mode 9", {{"transport_mode", 9}});
  ExpectValid(base, "empty containers", {{"containers", json::array()}});
  ExpectValid(base, "IMO without prefix", {{"vessel_imo", "9074729"}});
  ExpectValid(base, "IMO as a JSON integer", {{"vessel_imo", 9074729}});
  ExpectValid(base, "value 0", {{"value", 0}});
  ExpectValid(base, "no value and no currency", {{"value", nullptr}, {"currency", nullptr}});
  ExpectValid(base, "empty offenders", {{"offenders", json::array()}});
  ExpectValid(base, "offender of unknown gender and age 0",
              {{"offenders", {{{"gender", "U"}, {"age", 0}}}}});
  ExpectValid(base, "offender aged 120", {{"offenders", {{{"age", 120}}}}});
}

TEST_CASE("The vessel IMO number is normalised to seven digits", "[common][validator]") {
  for (const json& imo : {json("IMO 9074729"), json("IMO9074729"), json(9074729)}) {
    json record = RecordValidatorFullSeizure();
    record["vessel_imo"] = imo;
    INFO(imo.dump());
    CHECK(Validate(record).empty());
    CHECK(record["vessel_imo"] == "9074729");
  }
}

TEST_CASE("Each envelope rule refuses a bad value by field name", "[common][validator]") {
  const std::vector<FailCase> cases = {
      {"kind missing", {{"kind", nullptr}}, "kind", "required"},
      {"kind unknown", {{"kind", "case"}}, "kind", "seizure or alert"},
      {"kind not a string", {{"kind", 1}}, "kind", "seizure or alert"},
      {"ref missing", {{"ref", nullptr}}, "ref", "required"},
      {"ref empty", {{"ref", ""}}, "ref", "must not be empty"},
      {"ref too long", {{"ref", std::string(65, 'r')}}, "ref", "at most 64"},
      {"ref not a string", {{"ref", 42}}, "ref", "must be a string"},
      {"ref with a newline", {{"ref", "A\nB"}}, "ref", "control characters"},
      {"uuid upper case", {{"uuid", "0190F2C1-1234-7ABC-8DEF-0123456789AB"}}, "uuid", "canonical"},
      {"uuid not a uuid", {{"uuid", "42"}}, "uuid", "canonical"},
      {"uuid not a string", {{"uuid", 42}}, "uuid", "canonical"},
      {"version in user input", {{"version", 1}}, "version", "assigned by the node"},
      {"origin in user input", {{"origin", "nl-rtm"}}, "origin", "set by the hub"},
      {"gseq in user input", {{"gseq", 7}}, "gseq", "set by the hub"},
      {"received_at in user input",
       {{"received_at", "2026-11-28T10:00:00Z"}},
       "received_at",
       "set by the hub"},
      {"scope unknown form", {{"scope", "planet"}}, "scope", "must be global"},
      {"scope region empty", {{"scope", "region:"}}, "scope", "region:CODE"},
      {"scope region with a space", {{"scope", "region:W E"}}, "scope", "region:CODE"},
      {"scope region 33 chars", {{"scope", "region:" + std::string(33, 'A')}}, "scope", "1-32"},
      {"scope region with a dot", {{"scope", "region:W.E"}}, "scope", "region:CODE"},
      {"scope group empty", {{"scope", "group:"}}, "scope", "group:NAME"},
      {"scope nodes empty", {{"scope", "nodes:"}}, "scope", "nodes:ID"},
      {"scope nodes empty id", {{"scope", "nodes:a,,b"}}, "scope", "nodes:ID"},
      {"scope nodes trailing comma", {{"scope", "nodes:a,"}}, "scope", "nodes:ID"},
      {"scope node id 65 chars", {{"scope", "nodes:" + std::string(65, 'n')}}, "scope", "1-64"},
      {"scope upper case", {{"scope", "GLOBAL"}}, "scope", "must be global"},
      {"scope not a string", {{"scope", json::array({"global"})}}, "scope", "must be global"},
      {"handling unknown", {{"handling", "H4"}}, "handling", "H0, H1, H2, H3"},
      {"handling lower case", {{"handling", "h1"}}, "handling", "one of"},
      {"H3 without a note",
       {{"handling", "H3"}, {"handling_note", nullptr}},
       "handling_note",
       "when handling is H3"},
      {"H3 with an empty note",
       {{"handling", "H3"}, {"handling_note", ""}},
       "handling_note",
       "when handling is H3"},
      {"handling_note not a string", {{"handling_note", 5}}, "handling_note", "must be a string"},
      {"handling_note too long",
       {{"handling_note", std::string(1001, 'n')}},
       "handling_note",
       "at most 1000"},
      {"source_eval unknown", {{"source_eval", "D"}}, "source_eval", "A, B, C, X"},
      {"info_eval 0", {{"info_eval", 0}}, "info_eval", "from 1 to 4"},
      {"info_eval 5", {{"info_eval", 5}}, "info_eval", "from 1 to 4"},
      {"info_eval text", {{"info_eval", "4"}}, "info_eval", "integer"},
      {"info_eval 4.0", {{"info_eval", 4.0}}, "info_eval", "integer"},
      {"info_eval huge", {{"info_eval", 18446744073709551615ull}}, "info_eval", "from 1 to 4"},
      {"lang upper case", {{"lang", "EN"}}, "lang", "ISO 639-1"},
      {"lang 639-2", {{"lang", "eng"}}, "lang", "ISO 639-1"},
      {"lang unknown", {{"lang", "xx"}}, "lang", "ISO 639-1"},
  };
  SECTION("on a seizure") {
    for (const FailCase& c : cases) ExpectOneError(RecordValidatorFullSeizure(), c);
  }
  SECTION("on an alert") {
    for (const FailCase& c : cases) ExpectOneError(MinimalAlert(), c);
  }
}

TEST_CASE("Each seizure rule refuses a bad value by field name", "[common][validator]") {
  const std::vector<FailCase> cases = {
      {"seizure_date missing", {{"seizure_date", nullptr}}, "seizure_date", "required"},
      {"seizure_date 30 February",
       {{"seizure_date", "2026-02-30"}},
       "seizure_date",
       "calendar date"},
      {"seizure_date 29 February, no leap year",
       {{"seizure_date", "2025-02-29"}},
       "seizure_date",
       "calendar date"},
      {"seizure_date 1900-02-29",
       {{"seizure_date", "1900-02-29"}},
       "seizure_date",
       "calendar date"},
      {"seizure_date month 13", {{"seizure_date", "2026-13-01"}}, "seizure_date", "calendar date"},
      {"seizure_date day 0", {{"seizure_date", "2026-11-00"}}, "seizure_date", "calendar date"},
      {"seizure_date European order",
       {{"seizure_date", "28/11/2026"}},
       "seizure_date",
       "YYYY-MM-DD"},
      {"seizure_date with a time",
       {{"seizure_date", "2026-11-28T10:00:00Z"}},
       "seizure_date",
       "YYYY-MM-DD"},
      {"seizure_date one digit day", {{"seizure_date", "2026-11-8"}}, "seizure_date", "YYYY-MM-DD"},
      {"seizure_date a number", {{"seizure_date", 20261128}}, "seizure_date", "YYYY-MM-DD"},
      {"seizure_date today + 2",
       {{"seizure_date", "2026-11-30"}},
       "seizure_date",
       "after tomorrow"},
      {"seizure_date next year", {{"seizure_date", "2027-01-01"}}, "seizure_date", "after"},
      {"seizure_date before 1900", {{"seizure_date", "1899-12-31"}}, "seizure_date", "before 1900"},
      {"reporting_country missing",
       {{"reporting_country", nullptr}},
       "reporting_country",
       "required"},
      {"reporting_country lower case",
       {{"reporting_country", "nl"}},
       "reporting_country",
       "upper case: NL"},
      {"reporting_country alpha-3",
       {{"reporting_country", "NLD"}},
       "reporting_country",
       "ISO 3166-1"},
      {"reporting_country unknown",
       {{"reporting_country", "XX"}},
       "reporting_country",
       "ISO 3166-1"},
      {"commodity missing", {{"commodity", nullptr}}, "commodity", "required"},
      {"commodity unknown", {{"commodity", "guns"}}, "commodity", "drugs, precursors"},
      {"description missing", {{"description", nullptr}}, "description", "required"},
      {"description empty", {{"description", ""}}, "description", "must not be empty"},
      {"description too long",
       {{"description", std::string(4001, 'd')}},
       "description",
       "at most 4000 characters (has 4001)"},
      {"description not a string",
       {{"description", json::object()}},
       "description",
       "must be a string"},
      {"quantity missing", {{"quantity", nullptr}}, "quantity", "required"},
      {"quantity 0", {{"quantity", 0}}, "quantity", "must be a number greater than 0"},
      {"quantity negative", {{"quantity", -1.5}}, "quantity", "must be a number greater than 0"},
      {"quantity text", {{"quantity", "5"}}, "quantity", "must be a number greater than 0"},
      {"quantity with a decimal comma",
       {{"quantity", "1,5"}},
       "quantity",
       "'1,5' has a decimal comma: write 1.5"},
      {"value with a decimal comma",
       {{"value", "250000,75"}, {"currency", "EUR"}},
       "value",
       "'250000,75' has a decimal comma: write 250000.75"},
      {"quantity with a comma before three digits",
       {{"quantity", "1,500"}},
       "quantity",
       "'1,500' is not a number: write 1500 (no thousands separator) or 1.500 (a decimal point)"},
      {"quantity of two numbers",
       {{"quantity", "1,5,2"}},
       "quantity",
       "must be a number greater than 0"},
      {"quantity boolean", {{"quantity", true}}, "quantity", "must be a number greater than 0"},
      {"unit missing", {{"unit", nullptr}}, "unit", "required"},
      {"unit free text", {{"unit", "kg"}}, "unit", "must be one of"},
      {"unit lower case", {{"unit", "kgm"}}, "unit", "KGM"},
      {"hs_code too short", {{"hs_code", "0901"}}, "hs_code", "6 to 10 digits"},
      {"hs_code too long", {{"hs_code", "09011100000"}}, "hs_code", "6 to 10 digits"},
      {"hs_code with a dot",
       {{"hs_code", "0901.11"}},
       "hs_code",
       "like 293972 (HS 2939.72 written without its dot)"},
      {"hs_code a number", {{"hs_code", 90111}}, "hs_code", "string of 6 to 10 digits"},
      {"hs_code not a subheading",
       {{"hs_code", "999999"}},
       "hs_code",
       "999999 is not a Harmonized System subheading"},
      {"hs_code heading only", {{"hs_code", "0901000000"}}, "hs_code", "090100 is not"},
      {"location too long", {{"location", std::string(201, 'l')}}, "location", "at most 200"},
      {"location a number", {{"location", 5}}, "location", "must be a string"},
      {"locode too short", {{"locode", "NLRT"}}, "locode", "UN/LOCODE"},
      {"locode with a space", {{"locode", "NL RTM"}}, "locode", "UN/LOCODE"},
      {"locode lower case", {{"locode", "nlrtm"}}, "locode", "UN/LOCODE"},
      {"locode with 0 or 1", {{"locode", "NLRT1"}}, "locode", "UN/LOCODE"},
      {"locode unknown country", {{"locode", "XXRTM"}}, "locode", "XX is not an ISO 3166-1"},
      {"lat out of range", {{"lat", 90.5}}, "lat", "from -90 to 90"},
      {"lat text", {{"lat", "51.9"}}, "lat", "from -90 to 90"},
      {"lon out of range", {{"lon", -180.01}}, "lon", "from -180 to 180"},
      {"lat without lon", {{"lon", nullptr}}, "lon", "required when lat is given"},
      {"lon without lat", {{"lat", nullptr}}, "lat", "required when lon is given"},
      {"location_type unknown", {{"location_type", "harbour"}}, "location_type", "seaport"},
      {"direction unknown", {{"direction", "inbound"}}, "direction", "import, export"},
      {"detection unknown", {{"detection", "dog"}}, "detection", "detector_dog"},
      {"concealment too long",
       {{"concealment", std::string(1001, 'c')}},
       "concealment",
       "at most 1000"},
      {"transport_mode 10", {{"transport_mode", 10}}, "transport_mode", "from 0 to 9"},
      {"transport_mode negative", {{"transport_mode", -1}}, "transport_mode", "from 0 to 9"},
      {"transport_mode fraction", {{"transport_mode", 1.5}}, "transport_mode", "integer"},
      {"transport_mode text", {{"transport_mode", "1"}}, "transport_mode", "Rec 19"},
      {"conveyance too long", {{"conveyance", std::string(201, 'v')}}, "conveyance", "at most 200"},
      {"container check digit", {{"containers", {"CSQU3054384"}}}, "containers[0]", "check digit"},
      {"second container wrong",
       {{"containers", {"CSQU3054383", "MSCU1234565"}}},
       "containers[1]",
       "check digit"},
      {"container lower case", {{"containers", {"csqu3054383"}}}, "containers[0]", "ISO 6346"},
      {"container spaced", {{"containers", {"CSQU 305438 3"}}}, "containers[0]", "ISO 6346"},
      {"container a number", {{"containers", {3054383}}}, "containers[0]", "ISO 6346"},
      {"containers not an array",
       {{"containers", "CSQU3054383"}},
       "containers",
       "must be an array"},
      {"vessel_imo check digit", {{"vessel_imo", "9074728"}}, "vessel_imo", "check digit"},
      {"vessel_imo prefixed, check digit",
       {{"vessel_imo", "IMO 9074728"}},
       "vessel_imo",
       "check digit"},
      {"vessel_imo lower-case prefix", {{"vessel_imo", "imo 9074729"}}, "vessel_imo", "IMO"},
      {"vessel_imo six digits", {{"vessel_imo", "907472"}}, "vessel_imo", "IMO"},
      {"vessel_imo negative", {{"vessel_imo", -9074729}}, "vessel_imo", "IMO"},
      {"vessel_imo a list", {{"vessel_imo", {"9074729"}}}, "vessel_imo", "IMO"},
      {"departure unknown", {{"departure", "ZZ"}}, "departure", "ISO 3166-1"},
      {"destination lower case", {{"destination", "gb"}}, "destination", "upper case: GB"},
      {"transit second unknown", {{"transit", {"ES", "QQ"}}}, "transit[1]", "ISO 3166-1"},
      {"transit not an array", {{"transit", "ES"}}, "transit", "must be an array"},
      {"value negative", {{"value", -1}}, "value", "0 or more"},
      {"value text", {{"value", "1000"}}, "value", "must be a number"},
      {"value without currency",
       {{"currency", nullptr}},
       "currency",
       "required when value is given"},
      {"currency without value", {{"value", nullptr}}, "value", "required when currency is given"},
      {"currency unknown", {{"currency", "EURO"}}, "currency", "ISO 4217"},
      {"currency lower case", {{"currency", "eur"}}, "currency", "ISO 4217"},
      {"offender name",
       {{"offenders", {{{"name", "John Doe"}}}}},
       "offenders[0].name",
       "carry no names"},
      {"offender passport, second",
       {{"offenders", {json::object(), {{"passport", "X1"}}}}},
       "offenders[1].passport",
       "non-nominal"},
      {"offender age 121", {{"offenders", {{{"age", 121}}}}}, "offenders[0].age", "0 to 120"},
      {"offender age negative", {{"offenders", {{{"age", -1}}}}}, "offenders[0].age", "0 to 120"},
      {"offender age text", {{"offenders", {{{"age", "34"}}}}}, "offenders[0].age", "integer"},
      {"offender gender unknown",
       {{"offenders", {{{"gender", "X"}}}}},
       "offenders[0].gender",
       "M, F, U"},
      {"offender nationality lower case",
       {{"offenders", {{{"nationality", "nl"}}}}},
       "offenders[0].nationality",
       "upper case: NL"},
      {"offender not an object",
       {{"offenders", {"John Doe"}}},
       "offenders[0]",
       "must be an object"},
      {"offenders not an array", {{"offenders", {{"age", 3}}}}, "offenders", "must be an array"},
      {"alert field on a seizure",
       {{"priority", "urgent"}},
       "priority",
       "unknown field for a seizure"},
      {"msg_type on a seizure", {{"msg_type", "alert"}}, "msg_type", "unknown field for a seizure"},
      {"unknown key", {{"colour", "blue"}}, "colour", "unknown field"},
  };
  for (const FailCase& c : cases) ExpectOneError(RecordValidatorFullSeizure(), c);
}

TEST_CASE("Each alert rule refuses a bad value by field name", "[common][validator]") {
  const std::vector<FailCase> cases = {
      {"title missing", {{"title", nullptr}}, "title", "required"},
      {"title empty", {{"title", ""}}, "title", "must not be empty"},
      {"title too long", {{"title", std::string(201, 't')}}, "title", "at most 200"},
      {"body missing", {{"body", nullptr}}, "body", "required"},
      {"body too long", {{"body", std::string(16001, 'b')}}, "body", "at most 16000"},
      {"body a number", {{"body", 1}}, "body", "must be a string"},
      {"priority missing", {{"priority", nullptr}}, "priority", "required"},
      {"priority unknown", {{"priority", "low"}}, "priority", "urgent, high, normal"},
      {"msg_type unknown", {{"msg_type", "ack"}}, "msg_type", "alert, update, cancel"},
      {"update without references",
       {{"references", nullptr}},
       "references",
       "required when msg_type is update"},
      {"cancel without references",
       {{"msg_type", "cancel"}, {"references", nullptr}},
       "references",
       "required when msg_type is cancel"},
      {"references empty", {{"references", json::array()}}, "references", "non-empty array"},
      {"references a string",
       {{"references", "0190f2c1-1234-7abc-8def-0123456789ab"}},
       "references",
       "non-empty array"},
      {"reference not a uuid",
       {{"references", {"0190f2c1-1234-7abc-8def-0123456789ab", "RILO-WE-2026-017"}}},
       "references[1]",
       "UUID"},
      {"issued_at without a zone", {{"issued_at", "2026-11-28T10:00:00"}}, "issued_at", "RFC 3339"},
      {"issued_at with a space", {{"issued_at", "2026-11-28 10:00:00Z"}}, "issued_at", "RFC 3339"},
      {"issued_at a date only", {{"issued_at", "2026-11-28"}}, "issued_at", "RFC 3339"},
      {"issued_at hour 24", {{"issued_at", "2026-11-28T24:00:00Z"}}, "issued_at", "RFC 3339"},
      {"issued_at bad zone", {{"issued_at", "2026-11-28T10:00:00+0200"}}, "issued_at", "RFC 3339"},
      {"issued_at empty fraction",
       {{"issued_at", "2026-11-28T10:00:00.Z"}},
       "issued_at",
       "RFC 3339"},
      {"issued_at epoch number", {{"issued_at", 1795860000}}, "issued_at", "RFC 3339"},
      {"expires_at bad date", {{"expires_at", "2026-02-30T10:00:00Z"}}, "expires_at", "RFC 3339"},
      {"expires_at before issued_at",
       {{"expires_at", "2026-11-27T10:00:00Z"}},
       "expires_at",
       "must be after issued_at"},
      {"expires_at the same instant in another zone",
       {{"expires_at", "2026-11-28T12:00:00+02:00"}},
       "expires_at",
       "must be after issued_at"},
      {"commodity unknown", {{"commodity", "spices"}}, "commodity", "one of"},
      {"indicators not an object",
       {{"indicators", "CSQU3054383"}},
       "indicators",
       "must be an object"},
      {"indicator container check digit",
       {{"indicators", {{"containers", {"TGHU9876543"}}}}},
       "indicators.containers[0]",
       "check digit"},
      {"indicator IMO check digit",
       {{"indicators", {{"vessel_imo", {"9176187", "9176188"}}}}},
       "indicators.vessel_imo[1]",
       "check digit"},
      {"indicator IMO not a list",
       {{"indicators", {{"vessel_imo", "9176187"}}}},
       "indicators.vessel_imo",
       "must be an array"},
      {"indicator company empty",
       {{"indicators", {{"companies", {""}}}}},
       "indicators.companies[0]",
       "must not be empty"},
      {"indicator company too long",
       {{"indicators", {{"companies", {std::string(201, 'c')}}}}},
       "indicators.companies[0]",
       "at most 200"},
      {"indicator route of one country",
       {{"indicators", {{"routes", {{"CN"}}}}}},
       "indicators.routes[0]",
       "at least 2"},
      {"indicator route not a list",
       {{"indicators", {{"routes", {"CN-NL"}}}}},
       "indicators.routes[0]",
       "at least 2"},
      {"indicator route unknown country",
       {{"indicators", {{"routes", {{"CN", "AE", "NL"}, {"CN", "XX"}}}}}},
       "indicators.routes[1][1]",
       "ISO 3166-1"},
      {"indicator hs code",
       {{"indicators", {{"hs_codes", {"999999"}}}}},
       "indicators.hs_codes[0]",
       "not a Harmonized System subheading"},
      {"indicator unknown key",
       {{"indicators", {{"ports", {"NLRTM"}}}}},
       "indicators.ports",
       "unknown field"},
      {"seizure field on an alert", {{"quantity", 5}}, "quantity", "unknown field for an alert"},
      {"unknown key", {{"severity", 3}}, "severity", "unknown field"},
  };
  for (const FailCase& c : cases) ExpectOneError(RecordValidatorFullAlert(), c);
}

TEST_CASE("Valid variants of alert fields pass", "[common][validator]") {
  const json base = RecordValidatorFullAlert();
  ExpectValid(base, "cancel with references", {{"msg_type", "cancel"}});
  ExpectValid(base, "alert with references", {{"msg_type", "alert"}});
  ExpectValid(base, "default msg_type without references",
              {{"msg_type", nullptr}, {"references", nullptr}});
  ExpectValid(base, "fractional seconds, a millisecond after",
              {{"expires_at", "2026-11-28T12:00:00.001+02:00"}});
  ExpectValid(
      base, "negative offset",
      {{"expires_at", "2026-11-28T07:00:00-04:00"}, {"issued_at", "2026-11-28T10:00:00.5Z"}});
  ExpectValid(base, "lower-case t and z (RFC 3339 5.6)", {{"issued_at", "2026-11-28t10:00:00z"}});
  ExpectValid(base, "leap second", {{"issued_at", "2016-12-31T23:59:60Z"}});
  ExpectValid(base, "issued_at alone", {{"expires_at", nullptr}});
  ExpectValid(base, "expires_at alone", {{"issued_at", nullptr}});
  ExpectValid(base, "no indicators", {{"indicators", nullptr}});
  ExpectValid(base, "empty indicators", {{"indicators", json::object()}});
  ExpectValid(base, "priority normal", {{"priority", "normal"}});
  ExpectValid(base, "a body of Cyrillic text", {{"body", Repeat("\xd0\xb6", 16000)}});
}

TEST_CASE("Text lengths count Unicode code points, not bytes", "[common][validator]") {
  const std::string de = "\xd0\xb4";  // U+0434 CYRILLIC SMALL LETTER DE, two bytes
  SECTION("4000 Cyrillic letters (8000 bytes) fit a description") {
    json record = RecordValidatorFullSeizure();
    record["description"] = Repeat(de, 4000);
    REQUIRE(record["description"].get<std::string>().size() == 8000);
    CHECK(Validate(record).empty());
  }
  SECTION("4001 Cyrillic letters do not") {
    json record = RecordValidatorFullSeizure();
    record["description"] = Repeat(de, 4001);
    const std::vector<FieldError> errors = Validate(record);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0] == FieldError{"description", "must be at most 4000 characters (has 4001)"});
  }
  SECTION("four-byte characters count once") {
    json record = RecordValidatorFullSeizure();
    record["location"] = Repeat("\xf0\x9f\x9a\xa2", 200);  // U+1F6A2 SHIP
    CHECK(Validate(record).empty());
    record["location"] = Repeat("\xf0\x9f\x9a\xa2", 201);
    const std::vector<FieldError> errors = Validate(record);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field == "location");
  }
}

TEST_CASE("Text that is not valid UTF-8 is refused", "[common][validator]") {
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"a stray byte", "Coca\xff"},
      {"a lone continuation byte", "\x80"},
      {"a truncated sequence", "\xd0"},
      {"a truncated sequence mid-text", "\xe2\x82 euro"},
      {"an overlong slash", "\xc0\xaf"},
      {"an overlong three-byte form", "\xe0\x80\xaf"},
      {"a UTF-16 surrogate", "\xed\xa0\x80"},
      {"beyond U+10FFFF", "\xf4\x90\x80\x80"},
      {"an F5 lead byte", "\xf5\x80\x80\x80"},
  };
  for (const auto& [name, text] : cases) {
    INFO(name);
    json record = RecordValidatorFullSeizure();
    record["description"] = text;
    const std::vector<FieldError> errors = Validate(record);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0] == FieldError{"description", "must be valid UTF-8"});
  }
  json alert = RecordValidatorFullAlert();
  alert["title"] = std::string("Alert \xff");
  const std::vector<FieldError> errors = Validate(alert);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == FieldError{"title", "must be valid UTF-8"});
}

TEST_CASE("A record that is not a JSON object gets one error", "[common][validator]") {
  for (json record : {json::array({1, 2}), json("seizure"), json(42), json(nullptr), json(true)}) {
    INFO(record.dump());
    const std::vector<FieldError> errors = Validate(record);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0] == FieldError{"(record)", "must be a JSON object"});
  }
}

TEST_CASE("Errors come in field order, unknown keys last by name", "[common][validator]") {
  json record = json::parse(R"({
    "zebra": 1, "priority": "urgent", "unit": "kg", "quantity": -1, "kind": "seizure",
    "ref": "", "seizure_date": "yesterday", "lang": "EN", "gseq": 3, "colour": "red",
    "lat": 10
  })");
  const std::vector<FieldError> errors = Validate(record);
  std::vector<std::string> fields;
  for (const FieldError& e : errors) fields.push_back(e.field);
  CHECK(fields == std::vector<std::string>{
                      "ref", "gseq", "lang", "seizure_date", "reporting_country", "commodity",
                      "description", "quantity", "unit", "lon", "colour", "priority", "zebra"});
  // The same record gives the same errors again.
  json again = json::parse(R"({
    "zebra": 1, "priority": "urgent", "unit": "kg", "quantity": -1, "kind": "seizure",
    "ref": "", "seizure_date": "yesterday", "lang": "EN", "gseq": 3, "colour": "red",
    "lat": 10
  })");
  CHECK(Validate(again) == errors);
}

TEST_CASE("Without a valid kind only the envelope is checked", "[common][validator]") {
  json record = RecordValidatorFullSeizure();
  record["kind"] = "Seizure";
  record["ref"] = "";
  const std::vector<FieldError> errors = Validate(record);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].field == "kind");
  CHECK(errors[1].field == "ref");
}

TEST_CASE("Records on the wire keep unknown keys and need uuid and version",
          "[common][validator]") {
  json wire = RecordValidatorFullSeizure();
  wire["version"] = 2;
  wire["origin"] = "nl-rtm";
  wire["gseq"] = 1234;
  wire["received_at"] = "2026-11-28T10:00:00.123Z";
  wire["future_field"] = {{"nested", {1, 2, 3}}};
  wire["priority"] = "urgent";  // a field of the other kind is an unknown key too

  SECTION("a complete wire record passes untouched") {
    json record = wire;
    const std::vector<FieldError> errors = Validate(record, KeyPolicy::kKeepUnknown);
    INFO(Describe(errors));
    CHECK(errors.empty());
    CHECK(record["future_field"] == wire["future_field"]);
    CHECK(record["priority"] == "urgent");
    CHECK(record["origin"] == "nl-rtm");
  }
  SECTION("origin, gseq and received_at are not checked") {
    json record = wire;
    record["origin"] = 5;
    record["gseq"] = "not a number";
    record["received_at"] = json::array();
    CHECK(Validate(record, KeyPolicy::kKeepUnknown).empty());
  }
  SECTION("the same record is refused as user input") {
    json record = wire;
    const std::vector<FieldError> errors = Validate(record, KeyPolicy::kRefuseUnknown);
    std::vector<std::string> fields;
    for (const FieldError& e : errors) fields.push_back(e.field);
    CHECK(fields == std::vector<std::string>{"version", "origin", "gseq", "received_at",
                                             "future_field", "priority"});
  }
  SECTION("rules") {
    const std::vector<FailCase> cases = {
        {"uuid missing", {{"uuid", nullptr}}, "uuid", "required"},
        {"uuid upper case",
         {{"uuid", "0190F2C1-1234-7ABC-8DEF-0123456789AB"}},
         "uuid",
         "canonical"},
        {"version missing", {{"version", nullptr}}, "version", "required"},
        {"version 0", {{"version", 0}}, "version", "1 or more"},
        {"version text", {{"version", "2"}}, "version", "integer"},
        {"version fraction", {{"version", 1.5}}, "version", "integer"},
        // 2^63 parses as an unsigned JSON number: refused, never wrapped
        // to -2^63 or clamped to 2^63-1.
        {"version 2^63", {{"version", uint64_t{1} << 63}}, "version", "1 or more"},
        {"version 2^64-1", {{"version", ~uint64_t{0}}}, "version", "1 or more"},
        {"offender names are refused on the wire too",
         {{"offenders", {{{"name", "X"}}}}},
         "offenders[0].name",
         "no names"},
        {"known fields are still checked", {{"quantity", 0}}, "quantity", "greater than 0"},
    };
    for (const FailCase& c : cases) ExpectOneError(wire, c, KeyPolicy::kKeepUnknown);
  }
  SECTION("unknown indicator keys are kept on the wire") {
    json alert = RecordValidatorFullAlert();
    alert["version"] = 1;
    alert["indicators"]["ports"] = {"NLRTM"};
    CHECK(Validate(alert, KeyPolicy::kKeepUnknown).empty());
    CHECK(alert["indicators"]["ports"] == json({"NLRTM"}));
  }
}

TEST_CASE("alert_versions names versions of the alerts an update references",
          "[common][validator]") {
  // Set by the sending node (PROTOCOL.md §4.1); the hub checks its shape.
  const std::string alert = "0190f2c1-1234-7abc-8def-0123456789ab";
  json update = RecordValidatorFullAlert();
  update["version"] = 1;
  update["uuid"] = "0190f2c1-1234-7abc-8def-0123456789ac";
  update["msg_type"] = "update";
  update["references"] = {alert};
  update["alert_versions"] = {{alert, 3}};
  CHECK(Validate(update, KeyPolicy::kKeepUnknown).empty());
  const std::vector<FailCase> cases = {
      {"not a map", {{"alert_versions", {3}}}, "alert_versions", "map from alert uuids"},
      {"an alert references does not name",
       {{"alert_versions", {{"0190f2c1-1234-7abc-8def-0123456789ff", 3}}}},
       "alert_versions.0190f2c1-1234-7abc-8def-0123456789ff",
       "references does not"},
      {"version 0", {{"alert_versions", {{alert, 0}}}}, "alert_versions." + alert, "1 or more"},
      {"version 2^63",
       {{"alert_versions", {{alert, uint64_t{1} << 63}}}},
       "alert_versions." + alert,
       "1 or more"},
      {"in an alert", {{"msg_type", "alert"}}, "alert_versions", "in an update or cancel"},
  };
  for (const FailCase& c : cases) ExpectOneError(update, c, KeyPolicy::kKeepUnknown);
}

TEST_CASE("Unprintable unknown keys are shown escaped", "[common][validator]") {
  json record = MinimalSeizure();
  record["bad\nkey"] = 1;
  const std::vector<FieldError> errors = Validate(record);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].field == "\"bad\\nkey\"");
  CHECK(errors[0].reason == "unknown field");
}

TEST_CASE("An empty today means the clock's date", "[common][validator]") {
  RecordValidator validator(KeyPolicy::kRefuseUnknown);
  json record = MinimalSeizure();
  record["seizure_date"] = cen::common::Clock::TodayUtc();
  CHECK(validator.Validate(record).empty());
  record["seizure_date"] = "9999-12-31";
  const std::vector<FieldError> errors = validator.Validate(record);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].field == "seizure_date");
}

TEST_CASE("Values of the wrong JSON type never throw", "[common][validator]") {
  const std::vector<json> odd_values = {
      nullptr,
      true,
      0,
      -3,
      1.5,
      1e308,
      18446744073709551615ull,
      "",
      "x",
      json::array(),
      json::array({nullptr, 1, "x", json::object()}),
      json::object(),
      json::object({{"a", json::array()}}),
  };
  for (const json& base : {RecordValidatorFullSeizure(), RecordValidatorFullAlert()}) {
    for (const auto& [key, unused] : base.items()) {
      for (const json& odd : odd_values) {
        json record = base;
        record[key] = odd;
        INFO(key << " = " << odd.dump());
        CHECK_NOTHROW(Validate(record));
        CHECK_NOTHROW(Validate(record, KeyPolicy::kKeepUnknown));
      }
    }
  }
  // And inside the nested objects.
  for (const json& odd : odd_values) {
    json seizure = RecordValidatorFullSeizure();
    seizure["offenders"] = {{{"nationality", odd}, {"gender", odd}, {"age", odd}}};
    seizure["containers"] = {odd};
    seizure["transit"] = {odd};
    INFO(odd.dump());
    CHECK_NOTHROW(Validate(seizure));
    json alert = RecordValidatorFullAlert();
    alert["references"] = {odd};
    alert["indicators"] = {{"containers", {odd}},
                           {"vessel_imo", {odd}},
                           {"companies", {odd}},
                           {"routes", {odd, {odd, odd}}},
                           {"hs_codes", {odd}}};
    CHECK_NOTHROW(Validate(alert));
  }
}

TEST_CASE("RecordValidator takes nominal offender details from users only", "[common][validator]") {
  json base = RecordValidatorFullSeizure();
  const json nominal = {{"offenders",
                         {{{"nationality", "NL"},
                           {"nominal",
                            {{"name", "Jan de Vries"},
                             {"document_number", "NX1234567"},
                             {"birth_date", "1988-02-29"}}}}}}};
  SECTION("a user record may carry them") { ExpectValid(base, "nominal details", nominal); }
  SECTION("they are checked") {
    ExpectOneError(base, {"bad birth date",
                          {{"offenders", {{{"nominal", {{"birth_date", "1989-02-29"}}}}}}},
                          "offenders[0].nominal.birth_date",
                          "YYYY-MM-DD"});
    ExpectOneError(base, {"unknown nominal key",
                          {{"offenders", {{{"nominal", {{"address", "Damrak 1"}}}}}}},
                          "offenders[0].nominal.address",
                          "name, document_number and birth_date"});
    ExpectOneError(base, {"empty name",
                          {{"offenders", {{{"nominal", {{"name", ""}}}}}}},
                          "offenders[0].nominal.name",
                          "empty"});
  }
  SECTION("the wire refuses them: they never leave the node") {
    json wire = base;
    wire["uuid"] = "0190a000-0000-7000-8000-000000000001";
    wire["version"] = 1;
    ExpectOneError(wire, {"nominal on the wire", nominal, "offenders[0].nominal", "not allowed"},
                   KeyPolicy::kKeepUnknown);
  }
}

TEST_CASE("Receipts come from nodes only, with what they answer", "[common][validator][alerts]") {
  const json receipt = json::parse(R"({
    "kind": "receipt", "ref": "seen:0190f2c1-1234-7abc-8def-0123456789ab",
    "uuid": "0190f2c1-aaaa-7abc-8def-0123456789ab", "version": 1, "scope": "nodes:EU",
    "alert": "0190f2c1-1234-7abc-8def-0123456789ab", "action": "seen",
    "at": "2026-11-30T10:00:00Z", "by": "officer-7", "note": "checked the manifest"
  })");
  ExpectValid(receipt, "an action receipt", json::object(), KeyPolicy::kKeepUnknown);
  ExpectValid(receipt, "a hit receipt",
              {{"action", "hit"},
               {"hit",
                {{"record", "0190f2c1-bbbb-7abc-8def-0123456789ab"},
                 {"indicator", "containers"},
                 {"value", "CSQU3054383"}}}},
              KeyPolicy::kKeepUnknown);

  const FailCase cases[] = {
      {"handed in by a user",
       {{"uuid", nullptr}, {"version", nullptr}},
       "kind",
       "receipts are written by the node itself"},
      {"no alert", {{"alert", nullptr}}, "alert", "required"},
      {"alert not a uuid", {{"alert", "A-1"}}, "alert", "UUID"},
      {"unknown action",
       {{"action", "lost"}},
       "action",
       "delivered, seen, actioned, no-trace, hit"},
      {"no time", {{"at", nullptr}}, "at", "required"},
      {"bad time", {{"at", "yesterday"}}, "at", "RFC 3339"},
      {"hit without details", {{"action", "hit"}}, "hit", "required when action is hit"},
      {"details without hit", {{"hit", {{"record", "x"}}}}, "hit", "only with action hit"},
      {"long note", {{"note", Repeat("n", 1001)}}, "note", "at most 1000"},
  };
  for (const FailCase& c : cases) {
    if (std::string(c.name) == "handed in by a user") {
      ExpectOneError(receipt, c);
    } else {
      ExpectOneError(receipt, c, KeyPolicy::kKeepUnknown);
    }
  }
  json bad_hit = receipt;
  bad_hit.merge_patch(
      {{"action", "hit"}, {"hit", {{"record", "r"}, {"indicator", "ships"}, {"value", ""}}}});
  const std::vector<FieldError> errors = Validate(bad_hit, KeyPolicy::kKeepUnknown);
  INFO(Describe(errors));
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].field == "hit.record");
  CHECK(errors[1].field == "hit.indicator");
  CHECK(errors[2].field == "hit.value");
}

TEST_CASE("Decisions come from nodes only, with the record they decide on",
          "[common][validator][validation]") {
  const json decision = json::parse(R"({
    "kind": "decision", "ref": "return:0190f2c1-1234-7abc-8def-0123456789ab:2",
    "uuid": "0190f2c1-aaaa-7abc-8def-0123456789ab", "version": 1, "scope": "nodes:NCP-FR",
    "decision": "return", "record": "0190f2c1-1234-7abc-8def-0123456789ab",
    "record_version": 2, "reason": "quantity in grams, not kilograms"
  })");
  ExpectValid(decision, "a return", json::object(), KeyPolicy::kKeepUnknown);
  ExpectValid(decision, "an acceptance without a note",
              {{"decision", "accept"}, {"reason", nullptr}}, KeyPolicy::kKeepUnknown);

  const FailCase cases[] = {
      {"handed in by a user",
       {{"uuid", nullptr}, {"version", nullptr}},
       "kind",
       "cen-node accept, cen-node return"},
      {"no decision", {{"decision", nullptr}}, "decision", "required"},
      {"unknown decision", {{"decision", "maybe"}}, "decision", "accept, return"},
      {"no record", {{"record", nullptr}}, "record", "required"},
      {"record not a uuid", {{"record", "FR-1"}}, "record", "UUID"},
      {"no version", {{"record_version", nullptr}}, "record_version", "required"},
      {"version 0", {{"record_version", 0}}, "record_version", "1 or more"},
      {"return without reason",
       {{"reason", nullptr}},
       "reason",
       "required when decision is return"},
      {"empty reason", {{"reason", ""}}, "reason", "must not be empty"},
      {"long reason", {{"reason", Repeat("r", 1001)}}, "reason", "at most 1000"},
      {"accepted record forged",
       {{"accepted", {{"kind", "seizure"}}}},
       "accepted",
       "set by the hub"},
      {"a note on an acceptance",
       {{"decision", "accept"}, {"reason", "fine"}},
       "reason",
       "only with decision return"},
      {"bad decision time", {{"decided_at", "now"}}, "decided_at", "RFC 3339"},
  };
  for (const FailCase& c : cases) {
    if (std::string(c.name) == "handed in by a user") {
      ExpectOneError(decision, c);
    } else {
      ExpectOneError(decision, c, KeyPolicy::kKeepUnknown);
    }
  }
}

TEST_CASE("What the hub writes on an NCP's record is refused from a node",
          "[common][validator][validation]") {
  for (const char* name : {"validation", "rilo", "validated_by", "validated_at"}) {
    for (const KeyPolicy policy : {KeyPolicy::kRefuseUnknown, KeyPolicy::kKeepUnknown}) {
      json record = MinimalSeizure();
      if (policy == KeyPolicy::kKeepUnknown) {
        record["uuid"] = "0190f2c1-aaaa-7abc-8def-0123456789ab";
        record["version"] = 1;
      }
      record[name] = "accepted";
      const std::vector<FieldError> errors = Validate(record, policy);
      INFO(name << " -> " << Describe(errors));
      REQUIRE(errors.size() == 1);
      CHECK(errors[0] == FieldError{name, "set by the hub; leave it out"});
    }
  }
}

TEST_CASE("Timestamps read as Unix milliseconds", "[common][validator]") {
  CHECK(RecordValidator::TimestampMillis("1970-01-01T00:00:01.250Z") == 1250);
  CHECK(RecordValidator::TimestampMillis("2026-01-02T08:00:00+01:00") ==
        RecordValidator::TimestampMillis("2026-01-02T07:00:00Z"));
  CHECK_FALSE(RecordValidator::TimestampMillis("2026-01-02").has_value());
}

TEST_CASE("A refused field reads in the reader's language and stays English on the wire",
          "[common][validator][messages]") {
  json record = MinimalSeizure();
  record["description"] = Repeat("d", 4001);
  record.erase("seizure_date");
  const std::vector<FieldError> errors = Validate(record);
  REQUIRE(errors.size() == 2);
  REQUIRE(cen::common::Messages::Use("ru").ok());
  const std::string required = errors[0].Localized();
  const std::string too_long = errors[1].Localized();
  REQUIRE(cen::common::Messages::Use("en").ok());
  CHECK(errors[0].reason == "required");
  CHECK(errors[1].reason == "must be at most 4000 characters (has 4001)");
  CHECK(required != "required");
  CHECK(too_long != errors[1].reason);
  CHECK_THAT(too_long, Catch::Contains("4000") && Catch::Contains("4001"));
  CHECK(errors[1].Localized() == errors[1].reason);  // English again
}
