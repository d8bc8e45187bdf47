// Sample records as JSON, built from the README's sample seizure, for tests that
// need a valid record and care about only a field or two of it.
//
//   json record = cen::test::WireSeizure("R1", Uuid7::Generate());
//   record["scope"] = "region:EU";
//
// Tests add the fields their layer fills in (scope, handling, gseq, ...).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/msgpack_json.h"
#include "common/msgpack_map.h"
#include "common/uuid7.h"

namespace cen::test {

// A map packed with its top-level keys in the order given, repeats and all
// (a JSON tree would sort them and keep one of each); values as they are.
inline std::string PackInOrder(const std::vector<std::pair<std::string, nlohmann::json>>& members) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(static_cast<uint32_t>(members.size()));
  for (const auto& [key, value] : members) {
    pk.pack(key);
    common::MsgpackJson::Pack(buf, value);
  }
  return std::string(buf.data(), buf.size());
}

// Records as the agent receives them (msgpack, read in place), from JSON.
inline std::vector<common::MsgpackMap> Packed(const std::vector<nlohmann::json>& records) {
  std::vector<common::MsgpackMap> out;
  for (const nlohmann::json& r : records) {
    auto packed = common::MsgpackMap::FromJson(r);
    if (!packed.ok()) throw std::invalid_argument(packed.status().message());
    out.push_back(std::move(*packed));
  }
  return out;
}

// The README's sample seizure as a user writes it: the fields a seizure needs.
// `quantity` keeps the JSON number type it is given (1 stays an integer).
inline nlohmann::json SampleSeizure(const std::string& ref, const nlohmann::json& quantity = 1) {
  return {{"kind", "seizure"},         {"ref", ref},           {"seizure_date", "2026-03-14"},
          {"reporting_country", "FR"}, {"commodity", "drugs"}, {"description", "x"},
          {"quantity", quantity},      {"unit", "KGM"}};
}

// The sample seizure as the validator leaves it, with the defaults it fills
// (what Outbox::Enqueue takes).
inline nlohmann::json ValidatedSeizure(const std::string& ref, const nlohmann::json& quantity = 1) {
  nlohmann::json record = SampleSeizure(ref, quantity);
  record["scope"] = "global";
  record["handling"] = "H0";
  record["source_eval"] = "X";
  record["info_eval"] = 4;
  record["lang"] = "en";
  return record;
}

// The sample seizure ready for the wire: with the `uuid` and `version` a node gives it.
inline nlohmann::json WireSeizure(const std::string& ref, const std::string& uuid,
                                  int64_t version = 1, const nlohmann::json& quantity = 1) {
  nlohmann::json record = SampleSeizure(ref, quantity);
  record["uuid"] = uuid;
  record["version"] = version;
  return record;
}

// The sample seizure on the wire as the hub's validator leaves it: the
// scope it asked for and handling H0 filled in (what the journal takes).
inline nlohmann::json HubSeizure(const std::string& ref, const std::string& uuid,
                                 int64_t version = 1, const std::string& scope = "global") {
  nlohmann::json record = WireSeizure(ref, uuid, version);
  record["scope"] = scope;
  record["handling"] = "H0";
  return record;
}

// An alert as a user writes it, with the priority it travels by.
inline nlohmann::json SampleAlert(const std::string& ref, const std::string& priority = "urgent") {
  return {{"kind", "alert"},
          {"ref", ref},
          {"title", "Cocaine in reefer containers of bananas"},
          {"body", "Check reefer containers from Guayaquil via Algeciras."},
          {"priority", priority}};
}

// The sample alert ready for the wire.
inline nlohmann::json WireAlert(const std::string& ref, const std::string& uuid,
                                int64_t version = 1, const std::string& priority = "urgent") {
  nlohmann::json record = SampleAlert(ref, priority);
  record["uuid"] = uuid;
  record["version"] = version;
  return record;
}

// `record` as the hub stores and sends it: scope, handling, origin, gseq and
// received_at filled in.
inline nlohmann::json AsStored(nlohmann::json record, int64_t gseq,
                               const std::string& handling = "H0") {
  record["scope"] = "global";
  record["handling"] = handling;
  record["origin"] = "n1";
  record["gseq"] = gseq;
  record["received_at"] = "2026-11-28T03:00:00.000Z";
  return record;
}

// RILO-WE's decision on NCP-FR's `record`, as the hub journals it at
// `gseq`: an acceptance carries the record accepted, a return `reason`.
inline nlohmann::json RiloDecision(const nlohmann::json& record, const std::string& decision,
                                   int64_t gseq, const std::string& reason = "quantity in grams") {
  nlohmann::json d = {{"kind", "decision"},
                      {"uuid", common::Uuid7::Generate()},
                      {"version", 1},
                      {"ref", decision + ":" + record["uuid"].get<std::string>()},
                      {"scope", "nodes:NCP-FR"},
                      {"handling", "H0"},
                      {"decision", decision},
                      {"record", record["uuid"]},
                      {"record_version", record["version"]},
                      {"origin", "RILO-WE"},
                      {"gseq", gseq},
                      {"received_at", "2026-11-29T10:00:00.000Z"}};
  if (decision == "return") d["reason"] = reason;
  if (decision == "accept") {
    nlohmann::json accepted = record;
    accepted["validation"] = "accepted";
    accepted["validated_by"] = "RILO-WE";
    accepted["validated_at"] = "2026-11-29T10:00:00.000Z";
    accepted["gseq"] = gseq;
    d["accepted"] = accepted;
  }
  return d;
}

}  // namespace cen::test
