#include "node/store/outbox_record.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "common/msgpack_json.h"
#include "common/uuid7.h"
#include "tests/test_support/sample_records.h"

using cen::common::Lane;
using cen::common::MsgpackJson;
using cen::common::Uuid7;
using cen::node::OutboxRecord;
using cen::test::SampleAlert;
using cen::test::SampleSeizure;
using nlohmann::json;

namespace {

// What the outbox stored before OutboxRecord: the whole record encoded with
// its uuid and version set.
std::string EncodedWith(json record, const std::string& uuid, int64_t version) {
  record["uuid"] = uuid;
  record["version"] = version;
  return MsgpackJson::Encode(record);
}

}  // namespace

TEST_CASE("OutboxRecord's body is the record encoded with the outbox's uuid and version") {
  const std::string uuid = Uuid7::Generate();
  json seizure = SampleSeizure("FR-1", 12.5);
  seizure["vessel_imo"] = "9074729";  // sorts between "uuid" and "version"
  seizure["weight"] = 3;              // sorts after "version"
  for (const int64_t version :
       {int64_t{1}, int64_t{127}, int64_t{128}, int64_t{70000}, int64_t{5'000'000'000}}) {
    const OutboxRecord ready(seizure);
    CHECK(ready.Body(uuid, version) == EncodedWith(seizure, uuid, version));
  }
  // A uuid the user named, and a version they wrote, give way to the outbox's.
  json named = seizure;
  named["uuid"] = "018f0000-0000-7000-8000-000000000001";
  named["version"] = 9;
  const OutboxRecord ready(named);
  CHECK(ready.given_uuid() == "018f0000-0000-7000-8000-000000000001");
  CHECK(ready.Body(uuid, 2) == EncodedWith(seizure, uuid, 2));
  CHECK(MsgpackJson::Decode(ready.Body(uuid, 2)).value()["uuid"] == uuid);
  CHECK(ready.kind() == "seizure");
  CHECK(ready.ref() == "FR-1");
}

TEST_CASE("OutboxRecord's body matches a whole encoding for any keys around uuid and version") {
  std::mt19937 rng(7);
  const std::vector<std::string> keys = {"",         "a",       "k", "referee", "uuc",
                                         "uuid0",    "uuie",    "v", "valid",   "versio",
                                         "versionn", "versioo", "w", "zz",      "\xc3\xa9t\xc3\xa9",
                                         "UUID",     "Version", "u", "uu"};
  for (int trial = 0; trial < 2000; ++trial) {
    json record = {{"kind", "seizure"}, {"ref", "R-" + std::to_string(trial)}};
    for (const std::string& key : keys) {
      if (rng() % 2 == 0) continue;
      switch (rng() % 4) {
        case 0:
          record[key] = std::string(rng() % 300, 'x');
          break;
        case 1:
          record[key] = static_cast<int64_t>(rng()) - 2'000'000'000;
          break;
        case 2:
          record[key] = json::array({1.5, "two", nullptr, json::object({{"k", true}})});
          break;
        default:
          record[key] = json::object({{"nested", static_cast<int>(rng() % 1000)}});
      }
    }
    const std::string uuid = trial % 3 == 0 ? std::string(rng() % 40, 'u') : Uuid7::Generate();
    const int64_t version = static_cast<int64_t>(rng() % 100000) + 1;
    INFO("record " << record.dump());
    REQUIRE(OutboxRecord(record).Body(uuid, version) == EncodedWith(record, uuid, version));
  }
}

TEST_CASE("OutboxRecord takes personal details out of the body") {
  json seizure = SampleSeizure("FR-2");
  seizure["offenders"] = json::array(
      {{{"nationality", "NL"}, {"nominal", {{"name", "J. Doe"}, {"document_number", "X1"}}}},
       {{"nationality", "BE"}}});
  const OutboxRecord ready(seizure);
  REQUIRE(ready.nominal().size() == 1);
  CHECK(ready.nominal()[0]["name"] == "J. Doe");
  CHECK(ready.nominal()[0]["offender"] == 0);
  const std::string body = ready.Body(Uuid7::Generate(), 1);
  CHECK(body.find("J. Doe") == std::string::npos);
  CHECK(body.find("X1") == std::string::npos);
  CHECK(MsgpackJson::Decode(body).value()["offenders"][0]["nationality"] == "NL");
}

TEST_CASE("OutboxRecord knows its lane and the alerts an urgent change must raise") {
  CHECK(OutboxRecord(SampleSeizure("S")).lane() == Lane::kBulk);
  CHECK(OutboxRecord(SampleAlert("A", "urgent")).lane() == Lane::kUrgent);
  CHECK(OutboxRecord(SampleAlert("A", "high")).lane() == Lane::kHigh);
  CHECK(OutboxRecord(SampleAlert("A", "normal")).lane() == Lane::kBulk);

  json cancel = SampleAlert("A-cancel", "urgent");
  cancel["msg_type"] = "cancel";
  cancel["references"] = json::array({"018f0000-0000-7000-8000-00000000000a"});
  CHECK(OutboxRecord(cancel).raises() ==
        std::vector<std::string>{"018f0000-0000-7000-8000-00000000000a"});
  cancel["priority"] = "normal";  // a bulk change overtakes nothing, so raises nothing
  CHECK(OutboxRecord(cancel).raises().empty());
  json alert = SampleAlert("A-new", "urgent");
  alert["references"] = json::array({"018f0000-0000-7000-8000-00000000000a"});
  CHECK(OutboxRecord(alert).raises().empty());  // a new alert changes nothing
}
