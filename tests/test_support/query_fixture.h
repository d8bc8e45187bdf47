// A replica with a small, hand-checked set of seizures and alerts for the
// cen-query tests. Every expected count in those tests can be read off the
// table below.
//
//  ref  kind     date        rep commodity dep transit dest hs     mode qty     unit H  origin
//  S1   seizure  2019-03-02  NL  drugs     CO  -       NL   293972 1    120     KGM  H0 RILO-WE
//  S2   seizure  2019-11-20  ES  drugs     CO  PA      ES   293972 1    80      KGM  H0 RILO-WE
//  S3   seizure  2020-05-10  BE  drugs     EC  -       BE   293972 1    200     KGM  H1 RILO-WE
//  S4   seizure  2020-07-01  RU  drugs     EC  NL;PL   RU   293972 3    50      KGM  H0 RILO-ECE
//  S5   seizure  2021-02-14  DE  tobacco   CN  -       DE   240220 1    2000000 H87  H0 RILO-WE
//  S6   seizure  2021-06-30  NL  drugs     CO  ES      NL   293972 1    30      KGM  H2 RILO-WE
//  S7   seizure  2018-12-31  NL  drugs     CO  -       NL   293972 4    5       KGM  H0 RILO-WE
//  S8   seizure  2022-01-05  US  drugs     MX  -       US   293972 3    10      KGM  H0 RILO-NA
//  S9   seizure  2022-03-03  FR  cites     CM  -       FR   050790 4    12      KGM  H3 RILO-WE
//  S10  seizure  2023-08-15  JP  drugs     CN  -       JP   293911 4    3       KGM  H0 RILO-AP
//  A1   alert    2022-04-01  (commodity drugs, priority high)                       H0 RILO-WE
//  A2   alert    2023-01-09  (commodity tobacco, priority urgent)                   H0 RILO-ECE
//
// S3 is stored twice: version 1 (quantity 150, from RILO-WE) then version 2
// (quantity 200, description changed), so the replica holds 12 records.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "node/agent/replica.h"
#include "tests/test_support/databases.h"
#include "tests/test_support/sample_records.h"
#include "tests/test_support/status_matchers.h"
#include "tests/test_support/temp_dir.h"

namespace cen::test {

// Fixed uuids so tests can name records: S1 is ...0001, A2 is ...0012.
inline std::string FixtureUuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "0190a000-0000-7000-8000-%012d", n);
  return buf;
}

inline nlohmann::json FixtureSeizure(int n, const std::string& date, const std::string& rep,
                                     const std::string& commodity, const std::string& dep,
                                     std::vector<std::string> transit, const std::string& dest,
                                     const std::string& hs, int mode, double qty,
                                     const std::string& unit, const std::string& handling,
                                     const std::string& origin, const std::string& description) {
  nlohmann::json r = {{"kind", "seizure"},      {"ref", "S" + std::to_string(n)},
                      {"uuid", FixtureUuid(n)}, {"version", 1},
                      {"origin", origin},       {"received_at", "2026-11-28T03:00:00.000Z"},
                      {"scope", "global"},      {"handling", handling},
                      {"seizure_date", date},   {"reporting_country", rep},
                      {"commodity", commodity}, {"description", description},
                      {"quantity", qty},        {"unit", unit},
                      {"hs_code", hs},          {"transport_mode", mode},
                      {"departure", dep},       {"destination", dest}};
  if (!transit.empty()) r["transit"] = transit;
  if (handling == "H3") r["handling_note"] = "Operation Pholidota: do not disseminate";
  return r;
}

inline std::vector<nlohmann::json> FixtureRecords() {
  std::vector<nlohmann::json> v;
  v.push_back(FixtureSeizure(1, "2019-03-02", "NL", "drugs", "CO", {}, "NL", "293972", 1, 120,
                             "KGM", "H0", "RILO-WE", "Cocaine in banana boxes"));
  v.back()["concealment"] = "false bottom of reefer container";
  v.push_back(FixtureSeizure(2, "2019-11-20", "ES", "drugs", "CO", {"PA"}, "ES", "293972", 1, 80,
                             "KGM", "H0", "RILO-WE", "Cocaína en contenedor refrigerado"));
  auto s3 = FixtureSeizure(3, "2020-05-10", "BE", "drugs", "EC", {}, "BE", "293972", 1, 150, "KGM",
                           "H1", "RILO-WE", "Cocaine hidden in pineapples");
  v.push_back(s3);
  v.push_back(FixtureSeizure(4, "2020-07-01", "RU", "drugs", "EC", {"NL", "PL"}, "RU", "293972", 3,
                             50, "KGM", "H0", "RILO-ECE",
                             "Кокаин в коробках с бананами, обнаруженный при досмотре"));
  v.push_back(FixtureSeizure(5, "2021-02-14", "DE", "tobacco", "CN", {}, "DE", "240220", 1, 2000000,
                             "H87", "H0", "RILO-WE", "Counterfeit cigarettes"));
  v.push_back(FixtureSeizure(6, "2021-06-30", "NL", "drugs", "CO", {"ES"}, "NL", "293972", 1, 30,
                             "KGM", "H2", "RILO-WE", "Cocaine in coffee sacks"));
  v.push_back(FixtureSeizure(7, "2018-12-31", "NL", "drugs", "CO", {}, "NL", "293972", 4, 5, "KGM",
                             "H0", "RILO-WE", "Cocaine swallowed by a passenger"));
  v.push_back(FixtureSeizure(8, "2022-01-05", "US", "drugs", "MX", {}, "US", "293972", 3, 10, "KGM",
                             "H0", "RILO-NA", "Cocaine in a truck tyre"));
  v.push_back(FixtureSeizure(9, "2022-03-03", "FR", "cites", "CM", {}, "FR", "050790", 4, 12, "KGM",
                             "H3", "RILO-WE", "Écailles de pangolin dans des valises"));
  v.push_back(FixtureSeizure(10, "2023-08-15", "JP", "drugs", "CN", {}, "JP", "293911", 4, 3, "KGM",
                             "H0", "RILO-AP", "ヘロイン in air cargo"));
  v.push_back({{"kind", "alert"},
               {"ref", "A1"},
               {"uuid", FixtureUuid(11)},
               {"version", 1},
               {"origin", "RILO-WE"},
               {"received_at", "2026-11-28T03:00:00.000Z"},
               {"scope", "global"},
               {"handling", "H0"},
               {"title", "Rip-on/rip-off via Antwerp"},
               {"body", "Reefer containers from Guayaquil"},
               {"priority", "high"},
               {"msg_type", "alert"},
               {"issued_at", "2022-04-01T09:00:00Z"},
               {"commodity", "drugs"}});
  v.push_back({{"kind", "alert"},
               {"ref", "A2"},
               {"uuid", FixtureUuid(12)},
               {"version", 1},
               {"origin", "RILO-ECE"},
               {"received_at", "2026-11-28T03:00:00.000Z"},
               {"scope", "global"},
               {"handling", "H0"},
               {"title", "Контрабанда сигарет через Калининград"},
               {"body", "Сигареты в грузовиках"},
               {"priority", "urgent"},
               {"msg_type", "alert"},
               {"issued_at", "2023-01-09T10:00:00+03:00"},
               {"commodity", "tobacco"}});
  s3["version"] = 2;
  s3["quantity"] = 200;
  s3["description"] = "Cocaine hidden in pineapples, weighed again";
  v.push_back(s3);
  for (size_t i = 0; i < v.size(); ++i) v[i]["gseq"] = static_cast<int64_t>(i + 1);
  return v;
}

// A node data directory in `tmp` whose replica holds FixtureRecords().
inline void FillFixtureReplica(const TempDir& tmp) {
  auto db = CreateNodeDb(tmp);
  node::Replica replica(&db);
  RequireOk(replica.Load());
  const auto records = FixtureRecords();
  RequireOk(replica.Apply(Packed(records), static_cast<int64_t>(records.size())));
}

// Applies `records` to the replica of `tmp` in order, each at the next gseq
// after what it holds.
inline void ApplyAfterFixture(const TempDir& tmp, std::vector<nlohmann::json> records) {
  auto db = ReopenNodeDb(tmp);
  node::Replica replica(&db);
  RequireOk(replica.Load());
  int64_t gseq = replica.cursor();
  for (nlohmann::json& r : records) r["gseq"] = ++gseq;
  RequireOk(replica.Apply(Packed(records), gseq));
}

// Writes the fixture's record_countries rows, as the agent does when idle.
inline void IndexFixtureCountries(const TempDir& tmp) {
  auto db = ReopenNodeDb(tmp);
  node::Replica replica(&db);
  RequireOk(replica.Load());
  auto more = replica.IndexCountries(std::chrono::steady_clock::now() + std::chrono::hours(1));
  RequireOk(more.status());
  REQUIRE_FALSE(*more);
  auto rows = db.QueryInt("SELECT count(*) FROM record_countries");
  RequireOk(rows.status());
  REQUIRE(**rows > 0);
}

}  // namespace cen::test
