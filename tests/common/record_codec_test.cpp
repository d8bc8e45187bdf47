#include "common/record_codec.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "common/json_text.h"
#include "common/msgpack_json.h"
#include "common/msgpack_map.h"
#include "common/record_fields.h"
#include "common/record_validator.h"
#include "tests/test_support/sample_records.h"

using cen::common::FieldGroup;
using cen::common::MsgpackJson;
using cen::common::MsgpackMap;
using cen::common::Number;
using cen::common::Record;
using cen::common::RecordCodec;
using cen::common::RecordFields;
using nlohmann::json;

namespace {

// A seizure with every field of the table set, personal details and a key
// no version of cenhub knows.
json RecordCodecFullSeizure() {
  return json::parse(R"({
    "kind": "seizure", "ref": "FR-2026-0001", "uuid": "0190f1e2-7c3a-7d4e-9b2a-1c2d3e4f5a6b",
    "version": 3, "origin": "RILO-WE", "gseq": 1234567, "received_at": "2026-03-14T10:00:00.250Z",
    "scope": "group:med", "handling": "H2", "handling_note": "Ne pas diffuser hors RILO",
    "source_eval": "B", "info_eval": 2, "lang": "fr",
    "seizure_date": "2026-03-14", "reporting_country": "FR", "commodity": "drugs",
    "description": "Cocaïne dans 12 colis cachés dans des caisses de bananes",
    "quantity": 12.5, "unit": "KGM", "hs_code": "293972", "location": "Le Havre",
    "locode": "FRLEH", "lat": 49.4833, "lon": 0.1, "location_type": "seaport",
    "direction": "import", "detection": "x_ray", "concealment": "Double fond",
    "transport_mode": 1, "conveyance": "MV Example", "containers": ["CSQU3054383", "MSKU1234565"],
    "vessel_imo": "9074729", "departure": "EC", "destination": "FR", "transit": ["PA", "ES"],
    "value": 250000, "currency": "EUR",
    "offenders": [{"nationality": "EC", "gender": "M", "age": 34,
                   "nominal": {"name": "Juan Pérez", "document_number": "X123"}},
                  {"nationality": "FR"}],
    "x_future": {"b": [1, 2.5, null, true], "a": "z"}
  })");
}

json RecordCodecFullAlert() {
  return json::parse(R"({
    "kind": "alert", "ref": "ALERT-7", "uuid": "0190f1e2-7c3a-7d4e-9b2a-1c2d3e4f5a6c",
    "version": 1, "scope": "global", "handling": "H0", "source_eval": "A", "info_eval": 1,
    "lang": "ru", "title": "Кокаин в бананах", "body": "Проверить контейнеры из Гуаякиля",
    "priority": "urgent", "msg_type": "update", "references": ["ALERT-6"],
    "issued_at": "2026-03-15T09:00:00Z", "expires_at": "2026-06-15T00:00:00Z",
    "commodity": "drugs",
    "indicators": {"containers": ["CSQU3054383"], "vessel_imo": ["9074729"],
                   "companies": ["Example Fruit Export SA"], "routes": [["EC", "PA", "FR"]],
                   "hs_codes": ["080390"], "x_new": 5},
    "validation": "pending", "rilo": "RILO-WE"
  })");
}

Record DecodeBytes(const std::string& bytes) {
  auto map = MsgpackMap::Decode(bytes);
  REQUIRE(map.ok());
  return RecordCodec::Decode(map->object());
}

// `packed` (EncodeLeavingRoom's bytes) with the pairs of `original`'s uuid
// and version written at the offsets it left for them.
std::string WithUuidAndVersion(const std::string& packed, size_t uuid_at, size_t version_at,
                               const json& original) {
  REQUIRE(uuid_at <= version_at);  // "uuid" < "version"
  const std::string uuid_pair =
      MsgpackJson::Encode("uuid").append(MsgpackJson::Encode(original["uuid"]));
  const std::string version_pair =
      MsgpackJson::Encode("version").append(MsgpackJson::Encode(original["version"]));
  return packed.substr(0, uuid_at) + uuid_pair + packed.substr(uuid_at, version_at - uuid_at) +
         version_pair + packed.substr(version_at);
}

Record FromText(const std::string& text) {
  auto result = RecordCodec::FromJsonText(text);
  REQUIRE(std::holds_alternative<Record>(result));
  return std::get<Record>(std::move(result));
}

}  // namespace

TEST_CASE("RecordCodec: every field of a seizure and an alert survives msgpack byte for byte",
          "[common][record]") {
  for (const json& original : {RecordCodecFullSeizure(), RecordCodecFullAlert()}) {
    const std::string bytes = MsgpackJson::Encode(original);
    const Record rec = DecodeBytes(bytes);
    CHECK(RecordCodec::Encode(rec) == bytes);
    CHECK(DecodeBytes(RecordCodec::Encode(rec)) == rec);
  }
  const Record seizure = DecodeBytes(MsgpackJson::Encode(RecordCodecFullSeizure()));
  REQUIRE(seizure.seizure);
  CHECK_FALSE(seizure.alert);
  CHECK(seizure.envelope.version == 3);
  CHECK(seizure.envelope.gseq == 1234567);
  CHECK(seizure.envelope.handling_note == "Ne pas diffuser hors RILO");
  CHECK(seizure.seizure->quantity == Number{12.5});
  CHECK(seizure.seizure->value == Number{int64_t{250000}});
  CHECK(seizure.seizure->transport_mode == 1);
  CHECK(seizure.seizure->transit == std::vector<std::string>{"PA", "ES"});
  REQUIRE(seizure.seizure->offenders);
  REQUIRE(seizure.seizure->offenders->size() == 2);
  CHECK((*seizure.seizure->offenders)[0].age == 34);
  REQUIRE((*seizure.seizure->offenders)[0].others.size() == 1);
  CHECK((*seizure.seizure->offenders)[0].others[0].name == "nominal");
  // The key nobody knows is kept, raw.
  REQUIRE(seizure.others.size() == 1);
  CHECK(seizure.others[0].name == "x_future");

  const Record alert = DecodeBytes(MsgpackJson::Encode(RecordCodecFullAlert()));
  REQUIRE(alert.alert);
  CHECK(alert.alert->priority == "urgent");
  CHECK(alert.alert->references == std::vector<std::string>{"ALERT-6"});
  REQUIRE(alert.alert->indicators);
  CHECK(alert.alert->indicators->routes ==
        std::vector<std::vector<std::string>>{{"EC", "PA", "FR"}});
  CHECK(alert.alert->indicators->others.size() == 1);  // x_new
  CHECK(alert.OtherText("validation") == "pending");
  CHECK(alert.OtherText("rilo") == "RILO-WE");
  CHECK_FALSE(alert.OtherText("priority"));  // typed, not raw
}

TEST_CASE("RecordCodec: a view of the record is the record, with no encoding", "[common][record]") {
  for (const json& original : {RecordCodecFullSeizure(), RecordCodecFullAlert()}) {
    const Record rec = DecodeBytes(MsgpackJson::Encode(original));
    msgpack::zone zone;
    const msgpack::object view = RecordCodec::View(rec, zone);
    CHECK(MsgpackJson::ToJson(view) == original);
    msgpack::sbuffer buf;
    MsgpackJson::PackCanonical(buf, view);
    CHECK(std::string(buf.data(), buf.size()) == MsgpackJson::Encode(original));
  }
}

TEST_CASE("RecordCodec: a value of the wrong type is kept raw, for the validator to name",
          "[common][record]") {
  const json wrong = {{"kind", "seizure"},
                      {"ref", 7},
                      {"version", "two"},
                      {"quantity", "12 kg"},
                      {"containers", {"CSQU3054383", 5}},
                      {"offenders", {{{"nationality", "EC"}}, "Juan"}},
                      {"lat", nullptr},
                      {"title", "a seizure has no title"}};
  const std::string bytes = MsgpackJson::Encode(wrong);
  const Record rec = DecodeBytes(bytes);
  CHECK(RecordCodec::Encode(rec) == bytes);
  REQUIRE(rec.seizure);
  CHECK_FALSE(rec.envelope.ref);
  CHECK_FALSE(rec.envelope.version);
  CHECK_FALSE(rec.seizure->quantity);
  CHECK_FALSE(rec.seizure->containers);
  CHECK_FALSE(rec.seizure->offenders);
  CHECK(rec.others.size() == 7);
  for (const char* name : {"ref", "version", "quantity", "containers", "offenders", "title"}) {
    CAPTURE(name);
    CHECK(rec.Has(name));
  }
  CHECK_FALSE(rec.Has("unit"));

  // Without a kind, every field but the envelope's is raw: still the same bytes.
  const json kindless = {{"ref", "R1"}, {"quantity", 3}, {"title", "t"}};
  const Record bare = DecodeBytes(MsgpackJson::Encode(kindless));
  CHECK_FALSE(bare.seizure);
  CHECK_FALSE(bare.alert);
  CHECK(RecordCodec::Encode(bare) == MsgpackJson::Encode(kindless));
}

TEST_CASE("RecordCodec: JSON text gives the bytes its JSON tree gives, without building one",
          "[common][record]") {
  const std::string texts[] = {
      RecordCodecFullSeizure().dump(),
      RecordCodecFullAlert().dump(2),
      R"({"kind":"seizure","ref":"A","quantity":1.0,"lat":-0.0,"value":-12})",
      R"({"kind":"alert","indicators":{"routes":[["FR","ES"]]},"n":[[],{}]})",
      R"({"kind":"seizure","description":"tab\t quote\" snow ❄ 𝄞 \u00e9","x":{"z":1,"a":{"y":2,"b":3}}})",
      R"({"kind":"seizure","quantity":1e300,"gseq":9223372036854775807,"version":-9223372036854775808})",
      R"({})",
      // What the two parsers (simdjson, then nlohmann's SAX) might read apart.
      R"({"a":-0,"b":0.1e-400,"c":1E2,"d":"\u0000 \ud83d\ude00","e":true,"f":null,"g":false,"h":4.0})",
      "\xEF\xBB\xBF{\"kind\":\"seizure\"}",  // a byte order mark
      R"({"a":[],"b":{},"c":[[[{"d":[1,-1,255,256,65536,4294967296,-4294967297]}]]]})",
  };
  for (const std::string& text : texts) {
    CAPTURE(text);
    const Record rec = FromText(text);
    CHECK(RecordCodec::Encode(rec) == MsgpackJson::Encode(json::parse(text)));
  }
}

TEST_CASE("RecordCodec: JSON text that is no record says why, naming the field",
          "[common][record]") {
  using Problem = RecordCodec::JsonProblem;
  const auto problem = [](const std::string& text) {
    auto result = RecordCodec::FromJsonText(text);
    REQUIRE(std::holds_alternative<RecordCodec::JsonError>(result));
    return std::get<RecordCodec::JsonError>(result);
  };
  CHECK(problem(R"({"kind": "seizure",)").problem == Problem::kNotJson);
  CHECK(problem("{\"kind\": \"\xff\"}").problem == Problem::kNotJson);   // not UTF-8
  CHECK(problem(R"({"kind": "\ud800"})").problem == Problem::kNotJson);  // half a surrogate pair
  CHECK(problem(R"({"a":1} {"b":2})").problem == Problem::kNotJson);
  CHECK(problem(R"([{"kind":"seizure"}])").problem == Problem::kNotAnObject);
  CHECK(problem(R"("seizure")").problem == Problem::kNotAnObject);
  // Never wrapped: 2^63 + 5 is refused, under the key it was found in.
  const auto big = problem(R"({"kind":"seizure","info_eval":{"x":[9223372036854775813]}})");
  CHECK(big.problem == Problem::kBeyondInt64);
  CHECK(big.field == "info_eval");
  CHECK(big.detail.find("signed 64-bit") != std::string::npos);
  CHECK(problem(R"({"version":18446744073709551615})").problem == Problem::kBeyondInt64);
  CHECK(problem(R"({"version":-9223372036854775809})").problem == Problem::kBeyondInt64);
  CHECK(problem(R"({"version":123456789012345678901234567890})").problem == Problem::kBeyondInt64);
  std::string deep = R"({"kind":"seizure","x":)";
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  deep += R"(,"zz":1})";
  const auto too_deep = problem(deep);
  CHECK(too_deep.problem == Problem::kTooLarge);
  CHECK(too_deep.field.empty());  // the limit names no key; the detail says which
  CHECK(too_deep.detail.find("depth") != std::string::npos);
  // A key given twice (a JSON tree keeps the last value, silently), at the
  // top or inside an object, is named; the same key in two objects is not.
  const auto twice = problem(R"({"kind":"seizure","quantity":3,"unit":"KGM","quantity":30})");
  CHECK(twice.problem == Problem::kRepeatedKey);
  CHECK(twice.field == "quantity");
  CHECK(twice.detail.empty());
  const auto inside =
      problem(R"({"kind":"alert","indicators":{"containers":["MSCU1234565"],"containers":[]}})");
  CHECK(inside.problem == Problem::kRepeatedKey);
  CHECK(inside.field == "indicators");
  CHECK(inside.detail == "containers");
  CHECK(problem(R"({"offenders":[{"age":30},{"age":31,"age":32}]})").field == "offenders");
  // Until 2026-12-07 these were read as their JSON trees read them, the last
  // value kept.
  CHECK(problem(R"({"kind":"seizure","ref":"A","ref":"B","quantity":1.0})").field == "ref");
  CHECK(problem(R"({"kind":"alert","indicators":{"routes":[["EC"],[]],"routes":[["FR","ES"]]}})")
            .detail == "routes");
  CHECK(std::holds_alternative<cen::common::Record>(
      RecordCodec::FromJsonText(R"({"kind":"seizure","offenders":[{"age":30},{"age":31}]})")));
}

TEST_CASE("RecordCodec: the members are the field table's rows", "[common][record][fields]") {
  for (const FieldGroup group :
       {FieldGroup::kEnvelope, FieldGroup::kSeizure, FieldGroup::kAlert, FieldGroup::kIndicator}) {
    const auto names = RecordFields::Names(group);
    CHECK(RecordCodec::BoundNames(group) ==
          std::vector<std::string_view>(names.begin(), names.end()));
  }
  CHECK(RecordCodec::BoundNames(FieldGroup::kReceipt).empty());  // kept raw
}

TEST_CASE("RecordCodec: Set, Erase and room left for uuid and version", "[common][record]") {
  json original = RecordCodecFullSeizure();
  Record rec = DecodeBytes(MsgpackJson::Encode(original));

  RecordCodec::Set(rec, "quantity", msgpack::object(int64_t{7}));
  CHECK(rec.seizure->quantity == Number{int64_t{7}});
  RecordCodec::Set(rec, "unit", msgpack::object(3));  // wrong type: raw
  CHECK_FALSE(rec.seizure->unit);
  CHECK(rec.Has("unit"));
  RecordCodec::Erase(rec, "x_future");
  RecordCodec::Erase(rec, "uuid");
  RecordCodec::Erase(rec, "version");
  original["quantity"] = 7;
  original["unit"] = 3;
  original.erase("x_future");
  json without = original;
  without.erase("uuid");
  without.erase("version");
  CHECK(RecordCodec::Encode(rec) == MsgpackJson::Encode(without));

  // Room for uuid and version, spliced in by the caller, gives the whole record.
  const std::string_view gaps[] = {"uuid", "version"};
  std::vector<size_t> at;
  const std::string packed = RecordCodec::EncodeLeavingRoom(rec, gaps, at);
  REQUIRE(at.size() == 2);
  CHECK(WithUuidAndVersion(packed, at[0], at[1], original) == MsgpackJson::Encode(original));

  // A new kind moves the fields to the members of that kind.
  RecordCodec::Set(rec, "kind", msgpack::object(std::string_view("alert")));
  CHECK_FALSE(rec.seizure);
  REQUIRE(rec.alert);
  CHECK(rec.Has("quantity"));  // raw now: an alert has no quantity
  CHECK_FALSE(rec.alert->title);
}

TEST_CASE("RecordValidator on a typed record fills in and rewrites what it does on the JSON tree",
          "[common][record]") {
  const cen::common::RecordValidator validator(cen::common::KeyPolicy::kRefuseUnknown);
  json seizure = cen::test::SampleSeizure("IMO-S");
  seizure["vessel_imo"] = 9074729;  // an integer: raw in the record, rewritten to "9074729"
  json alert = cen::test::SampleAlert("IMO-A");
  alert["indicators"] = {{"vessel_imo", {"IMO 9074729", 9074729}}};  // one item raw
  json typed_alert = cen::test::SampleAlert("IMO-B");
  typed_alert["indicators"] = {{"vessel_imo", {"IMO 9074729"}}};  // a typed list
  for (json tree : {seizure, alert, typed_alert}) {
    CAPTURE(tree.dump());
    Record rec = DecodeBytes(MsgpackJson::Encode(tree));
    REQUIRE(validator.Validate(tree).empty());  // the tree, filled in place
    REQUIRE(validator.Validate(rec).empty());
    CHECK(RecordCodec::Encode(rec) == MsgpackJson::Encode(tree));
  }
}

TEST_CASE("RecordCodec: unknown and wrong-typed keys anywhere in the key order keep the bytes",
          "[common][record]") {
  // Keys nobody knows sort before, between and after the typed ones; typed
  // names hold values of the wrong type (kept raw); nested maps too.
  json seizure = RecordCodecFullSeizure();
  seizure["a_first"] = 1;
  seizure["kindling"] = {{"z", 1}, {"a", 2}};
  seizure["quantity"] = "twelve";  // a number's name, a string: raw
  seizure["transit"] = {"PA", 7};  // a list's name, not all text: raw
  seizure["zz_last"] = nullptr;
  seizure["offenders"][1]["zeta"] = true;
  json alert = RecordCodecFullAlert();
  alert["indicators"]["a_new"] = {1, 2};
  alert["msg_typf"] = "between msg_type and offenders";
  alert["title"] = 5;
  for (const json& original : {seizure, alert}) {
    CAPTURE(original.dump());
    const std::string bytes = MsgpackJson::Encode(original);
    const Record rec = DecodeBytes(bytes);
    CHECK(RecordCodec::Encode(rec) == bytes);

    // The view holds the same pairs, in key order, each key once.
    msgpack::zone zone;
    const msgpack::object view = RecordCodec::View(rec, zone);
    CHECK(cen::common::JsonText::KeysAscending(view));
    CHECK(MsgpackJson::ToJson(view) == original);

    // Room left for uuid and version lands where their pairs belong.
    Record without = rec;
    RecordCodec::Erase(without, "uuid");
    RecordCodec::Erase(without, "version");
    const std::string_view gaps[] = {"version", "uuid"};  // in any order
    std::vector<size_t> at;
    const std::string packed = RecordCodec::EncodeLeavingRoom(without, gaps, at);
    REQUIRE(at.size() == 2);
    CHECK(WithUuidAndVersion(packed, at[1], at[0], original) == bytes);
  }
}

TEST_CASE("RecordCodec: a name held twice keeps the pair gathered last, as the sort did",
          "[common][record]") {
  const json original = RecordCodecFullSeizure();
  const auto raw = [](std::string name, const json& value) {
    return cen::common::RawField{std::move(name), MsgpackJson::Encode(value)};
  };

  // Typed and raw under one name (Set and Decode never make it; a hand-made
  // record can): the raw pair comes after the typed ones and wins.
  Record both = DecodeBytes(MsgpackJson::Encode(original));
  both.others.push_back(raw("ref", 5));
  json expected = original;
  expected["ref"] = 5;
  CHECK(RecordCodec::Encode(both) == MsgpackJson::Encode(expected));
  msgpack::zone zone;
  CHECK(MsgpackJson::ToJson(RecordCodec::View(both, zone)) == expected);

  // A seizure's and an alert's members at once: the alert's "commodity" was
  // gathered last.
  Record kinds = DecodeBytes(MsgpackJson::Encode(original));
  kinds.alert.emplace();
  kinds.alert->commodity = "tobacco";
  kinds.alert->title = "Both";
  expected = original;
  expected["commodity"] = "tobacco";
  expected["title"] = "Both";
  CHECK(RecordCodec::Encode(kinds) == MsgpackJson::Encode(expected));
  CHECK(MsgpackJson::ToJson(RecordCodec::View(kinds, zone)) == expected);

  // Room left for a name a raw pair holds: the room wins (the outbox clears
  // the typed uuid and version only).
  Record stale = DecodeBytes(MsgpackJson::Encode(original));
  RecordCodec::Erase(stale, "uuid");
  RecordCodec::Erase(stale, "version");
  stale.others.push_back(raw("uuid", 5));
  const std::string_view gaps[] = {"uuid", "version"};
  std::vector<size_t> at;
  const std::string packed = RecordCodec::EncodeLeavingRoom(stale, gaps, at);
  REQUIRE(at.size() == 2);
  CHECK(WithUuidAndVersion(packed, at[0], at[1], original) == MsgpackJson::Encode(original));
}

TEST_CASE("RecordCodec: simdjson's reading answers as the SAX parser's, refusals included",
          "[common][record]") {
  std::vector<std::string> texts = {
      RecordCodecFullSeizure().dump(),
      RecordCodecFullAlert().dump(2),
      R"({"a":-0,"b":0.1e-400,"c":1E2,"d":"\u0000 \ud83d\ude00","e":true,"f":null,"g":4.0})",
      R"({"quantity":1e400})",                // simdjson refuses; the SAX parser reads inf
      R"({"a":"\udc00"})",                    // half a surrogate pair
      R"({"version":18446744073709551615})",  // beyond int64
      R"({"version":-9223372036854775809})",  // below it
      R"({"kind":"seizure",})",               // not JSON
      R"([{"kind":"seizure"}])",              // not an object
      "\xEF\xBB\xBF{\"kind\":\"seizure\"}",   // a byte order mark
      "{\"kind\":\"seizure\"}\n",             // a line end
      "{\"kind\": \"\xff\"}",                 // not UTF-8
  };
  std::string deep = R"({"x":)";  // deeper than simdjson's 1,024 levels
  for (int i = 0; i < 1100; ++i) deep += "[";
  for (int i = 0; i < 1100; ++i) deep += "]";
  texts.push_back(deep + "}");
  // Longer than simdjson is given (1 MiB): read by the SAX parser alone.
  texts.push_back(R"({"kind":"seizure","description":")" + std::string(2 << 20, 'x') + R"("})");
  for (const std::string& text : texts) {
    CAPTURE(text.substr(0, 80));
    const auto fast = RecordCodec::FromJsonText(text);
    const auto sax = RecordCodec::FromJsonTextBySax(text);
    REQUIRE(fast.index() == sax.index());
    if (const auto* rec = std::get_if<Record>(&fast)) {
      CHECK(*rec == std::get<Record>(sax));
    } else {
      const auto& a = std::get<RecordCodec::JsonError>(fast);
      const auto& b = std::get<RecordCodec::JsonError>(sax);
      CHECK(a.problem == b.problem);
      CHECK(a.field == b.field);
      CHECK(a.detail == b.detail);
    }
  }
}
