// The validator's two forms, a JSON tree and msgpack read in place, must
// agree on every record: the same errors in the same order, and once valid
// the same stored bytes. Checked on full records of each kind and on every
// single-field mutation of them (removed, or replaced by values of every
// JSON type, some valid, most not).
#include "common/record_edits.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/msgpack_json.h"
#include "common/msgpack_map.h"
#include "common/record_validator.h"
#include "tests/test_support/sample_records.h"

using cen::common::FieldError;
using cen::common::KeyPolicy;
using cen::common::MsgpackJson;
using cen::common::MsgpackMap;
using cen::common::RecordEdits;
using cen::common::RecordValidator;
using nlohmann::json;

namespace {

json RecordEditsFullSeizure() {
  return json::parse(R"({
    "kind": "seizure", "ref": "FR-2026-0042", "uuid": "0190f2c1-1234-7abc-8def-0123456789ab",
    "version": 2, "seizure_date": "2026-03-14", "reporting_country": "FR", "commodity": "drugs",
    "description": "Cocaïne dans 12 colis, «Premium»", "quantity": 12.5, "unit": "KGM",
    "hs_code": "293972", "location": "Le Havre", "locode": "FRLEH", "lat": 49.48, "lon": 0.1,
    "location_type": "seaport", "direction": "import", "detection": "x_ray",
    "concealment": "False floor", "transport_mode": 1, "conveyance": "MV Example",
    "containers": ["CSQU3054383"], "vessel_imo": "IMO 9074729", "departure": "EC",
    "destination": "FR", "transit": ["PA", "ES"], "value": 250000, "currency": "EUR",
    "offenders": [{"nationality": "EC", "gender": "M", "age": 34}, {"gender": "F"}],
    "lang": "fr", "source_eval": "B", "info_eval": 2, "handling": "H1"})");
}

json RecordEditsFullAlert() {
  return json::parse(R"({
    "kind": "alert", "ref": "ALERT-7", "uuid": "0190f2c1-1234-7abc-8def-0123456789ac",
    "version": 1, "title": "Bananas from Guayaquil", "body": "Check reefer containers.",
    "priority": "urgent", "issued_at": "2026-03-15T09:00:00Z",
    "expires_at": "2026-06-15T00:00:00+02:00", "commodity": "drugs", "scope": "region:EU",
    "indicators": {"containers": ["CSQU3054383"], "vessel_imo": ["9074729", 9074729, "IMO 9074729"],
                   "companies": ["Example Fruit SA"], "routes": [["EC", "PA", "ES"]],
                   "hs_codes": ["080390"]}})");
}

json FullReceipt() {
  return json::parse(R"({
    "kind": "receipt", "ref": "hit:0190f2c1-1234-7abc-8def-0123456789ac",
    "uuid": "0190f2c1-1234-7abc-8def-0123456789ad", "version": 1,
    "scope": "nodes:n1", "alert": "0190f2c1-1234-7abc-8def-0123456789ac", "action": "hit",
    "at": "2026-03-16T10:00:00Z", "by": "analyst", "note": "seen at Rotterdam",
    "hit": {"record": "0190f2c1-1234-7abc-8def-0123456789ab", "indicator": "containers",
            "value": "CSQU3054383"}})");
}

// Values of every JSON type, valid for some fields and wrong for most.
std::vector<json> Replacements() {
  return {json(),
          true,
          0,
          7,
          -3,
          1.5,
          "",
          "x",
          "FR",
          "2026-03-14",
          "IMO 9074729",
          9074729,
          "9074728",
          "CSQU3054383",
          json::array(),
          json::array({"FR", 1}),
          json::object(),
          json::object({{"nominal", {{"name", "X"}}}}),
          "\xff\xfe"};
}

struct Outcome {
  std::vector<FieldError> errors;
  std::string stored;  // packed once valid, with the hub's fields
};

const std::vector<RecordEdits::Field> kHubFields = {
    {"origin", std::string("n1")}, {"gseq", int64_t{41}}, {"received_at", std::string("T")}};

Outcome AsTree(const RecordValidator& v, json record) {
  Outcome out{v.Validate(record), {}};
  if (out.errors.empty()) {
    record["origin"] = "n1";
    record["gseq"] = 41;
    record["received_at"] = "T";
    out.stored = MsgpackJson::Encode(record);
  }
  return out;
}

Outcome InPlace(const RecordValidator& v, const json& record) {
  const std::string bytes = MsgpackJson::Encode(record);
  auto map = MsgpackJson::Unpack(bytes);
  REQUIRE(map.ok());
  RecordEdits edits;
  Outcome out{v.Validate(map->get(), &edits), {}};
  if (out.errors.empty()) out.stored = edits.Pack(map->get(), kHubFields);
  return out;
}

void Agree(const json& record) {
  for (const KeyPolicy policy : {KeyPolicy::kRefuseUnknown, KeyPolicy::kKeepUnknown}) {
    const RecordValidator v(policy, "2026-11-30");
    const Outcome tree = AsTree(v, record);
    const Outcome packed = InPlace(v, record);
    INFO(record.dump(-1, ' ', false, json::error_handler_t::replace));
    CHECK(tree.errors == packed.errors);
    CHECK(tree.stored == packed.stored);
  }
}

}  // namespace

TEST_CASE("Validation in place agrees with the JSON tree on whole records", "[common][record]") {
  for (const json& r : {RecordEditsFullSeizure(), RecordEditsFullAlert(), FullReceipt()}) Agree(r);
  // Valid and rewritten: defaults filled in, IMO numbers to seven digits.
  const RecordValidator wire(KeyPolicy::kKeepUnknown, "2026-11-30");
  const json alert = RecordEditsFullAlert();
  const std::string bytes = MsgpackJson::Encode(alert);
  auto map = MsgpackMap::Decode(bytes);
  REQUIRE(map.ok());
  RecordEdits edits;
  REQUIRE(wire.Validate(map->object(), &edits).empty());
  CHECK(edits.TextOr(*map, "msg_type", "") == "alert");         // filled in
  CHECK(edits.TextOr(*map, "scope", "global") == "region:EU");  // the record's own
  const json stored = *MsgpackJson::Decode(edits.Pack(map->object(), kHubFields));
  CHECK(stored["indicators"]["vessel_imo"] == json({"9074729", "9074729", "9074729"}));
  CHECK(stored["handling"] == "H0");
  CHECK(stored["gseq"] == 41);
}

TEST_CASE("Validation in place agrees with the JSON tree on every one-field mutation",
          "[common][record]") {
  size_t cases = 0;
  for (const json& base : {RecordEditsFullSeizure(), RecordEditsFullAlert(), FullReceipt()}) {
    for (const auto& [key, unused] : base.items()) {
      json removed = base;
      removed.erase(key);
      Agree(removed);
      for (const json& value : Replacements()) {
        json changed = base;
        changed[key] = value;
        Agree(changed);
        ++cases;
      }
    }
    for (const json& value : Replacements()) {  // an unknown key, and the nested objects
      json unknown = base;
      unknown["x_extra"] = value;
      Agree(unknown);
      json nested = base;
      if (base["kind"] == "seizure") nested["offenders"][0]["age"] = value;
      if (base["kind"] == "alert") nested["indicators"]["vessel_imo"][1] = value;
      if (base["kind"] == "receipt") nested["hit"]["value"] = value;
      Agree(nested);
      cases += 2;
    }
  }
  CHECK(cases > 1000);
}

TEST_CASE("A record read in place keeps a repeated key's last value, as the JSON tree does",
          "[common][record]") {
  // {"kind": "alert", ..., "priority": "soon", "priority": "urgent"}, packed by hand:
  // only the last value is valid.
  json alert = RecordEditsFullAlert();
  alert.erase("priority");
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(static_cast<uint32_t>(alert.size() + 2));
  for (const auto& [key, value] : alert.items()) {
    pk.pack(key);
    MsgpackJson::Pack(buf, value);
  }
  pk.pack(std::string("priority"));
  pk.pack(std::string("soon"));
  pk.pack(std::string("priority"));
  pk.pack(std::string("urgent"));
  const std::string bytes(buf.data(), buf.size());

  auto tree = MsgpackJson::Decode(bytes);
  REQUIRE(tree.ok());
  CHECK((*tree)["priority"] == "urgent");
  auto map = MsgpackMap::Decode(bytes);
  REQUIRE(map.ok());
  const RecordValidator v(KeyPolicy::kKeepUnknown, "2026-11-30");
  RecordEdits edits;
  REQUIRE(v.Validate(map->object(), &edits).empty());
  CHECK(edits.Pack(map->object()) == MsgpackJson::Encode([&] {
          json t = *tree;
          v.Validate(t);
          return t;
        }()));
}

TEST_CASE("The hub's fields replace whatever a node sent under their names", "[common][record]") {
  json seizure = RecordEditsFullSeizure();
  seizure["origin"] = "forged";
  seizure["gseq"] = 1;
  const std::string bytes = MsgpackJson::Encode(seizure);
  auto map = MsgpackMap::Decode(bytes);
  REQUIRE(map.ok());
  RecordEdits edits;
  const json stored = *MsgpackJson::Decode(edits.Pack(map->object(), kHubFields));
  CHECK(stored["origin"] == "n1");
  CHECK(stored["gseq"] == 41);
  CHECK(stored["received_at"] == "T");
  CHECK(stored["ref"] == "FR-2026-0042");
}

namespace {

std::vector<FieldError> CheckInPlace(const RecordValidator& v, const std::string& bytes) {
  auto map = MsgpackJson::Unpack(bytes);
  REQUIRE(map.ok());
  RecordEdits edits;
  return v.Validate(map->get(), &edits);
}

}  // namespace

TEST_CASE("Errors come in the same order whatever order a node packed the keys in",
          "[common][record]") {
  // Keys out of order on the wire, at the top and inside an offender.
  std::vector<std::pair<std::string, json>> members;
  json seizure = RecordEditsFullSeizure();
  seizure.erase("offenders");
  members.emplace_back("zz_unknown", 1);
  for (const auto& [key, value] : seizure.items()) members.emplace_back(key, value);
  members.emplace_back("aa_unknown", 2);
  members.emplace_back("offenders", json::parse(R"([{"address": "Y", "name": "X"}])"));
  std::string bytes = cen::test::PackInOrder(members);
  // The offender's keys as {"name", "address"}: swapped by hand.
  const std::string sorted = MsgpackJson::Encode(json{{"address", "Y"}, {"name", "X"}});
  msgpack::sbuffer swapped;
  msgpack::packer<msgpack::sbuffer> pk(swapped);
  pk.pack_map(2);
  pk.pack(std::string("name"));
  pk.pack(std::string("X"));
  pk.pack(std::string("address"));
  pk.pack(std::string("Y"));
  const auto at = bytes.rfind(sorted);
  REQUIRE(at != std::string::npos);
  bytes.replace(at, sorted.size(), std::string(swapped.data(), swapped.size()));
  auto tree = MsgpackJson::Decode(bytes);
  REQUIRE(tree.ok());
  for (const KeyPolicy policy : {KeyPolicy::kRefuseUnknown, KeyPolicy::kKeepUnknown}) {
    const RecordValidator v(policy, "2026-11-30");
    json record = *tree;
    const auto expected = v.Validate(record);
    REQUIRE(expected.size() >= 2);
    CHECK(CheckInPlace(v, bytes) == expected);
  }
}

TEST_CASE("A value hidden by a repeated key is not checked, as in the JSON tree",
          "[common][record]") {
  // {"extra": {"a": "\xff", "a": "ok"}}: the tree keeps "ok" only.
  msgpack::sbuffer nested;
  msgpack::packer<msgpack::sbuffer> pk(nested);
  pk.pack_map(2);
  pk.pack(std::string("a"));
  pk.pack(std::string("\xff"));
  pk.pack(std::string("a"));
  pk.pack(std::string("ok"));
  msgpack::object_handle extra = msgpack::unpack(nested.data(), nested.size());
  std::vector<std::pair<std::string, json>> members;
  const json seizure = RecordEditsFullSeizure();
  for (const auto& [key, value] : seizure.items()) members.emplace_back(key, value);
  members.emplace_back("extra", MsgpackJson::ToJson(extra.get()));  // {"a": "ok"}
  std::string bytes = cen::test::PackInOrder(members);
  // Put the hidden pair back in front of the kept one, by hand.
  const std::string kept = MsgpackJson::Encode(json{{"a", "ok"}});
  const auto at = bytes.rfind(kept);
  REQUIRE(at != std::string::npos);
  bytes.replace(at, kept.size(), std::string(nested.data(), nested.size()));
  const RecordValidator v(KeyPolicy::kKeepUnknown, "2026-11-30");
  auto tree = MsgpackJson::Decode(bytes);
  REQUIRE(tree.ok());
  json record = *tree;
  REQUIRE(v.Validate(record).empty());
  CHECK(CheckInPlace(v, bytes).empty());
}
