#include "node/agent/indicator_matcher.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstddef>
#include <iterator>
#include <nlohmann/json.hpp>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "common/msgpack_map.h"
#include "tests/test_support/sample_records.h"

namespace cen::node {
// Lets Catch print hits when a comparison fails.
std::ostream& operator<<(std::ostream& out, const IndicatorHit& hit) {
  return out << "{" << hit.indicator << ", " << hit.value << "}";
}
}  // namespace cen::node

using cen::node::IndicatorHit;
using cen::node::IndicatorMatcher;
using nlohmann::json;

namespace {

using Hits = std::vector<IndicatorHit>;

json IndicatorMatcherAlert(const json& indicators) {
  return {{"kind", "alert"}, {"ref", "A1"},          {"title", "t"},
          {"body", "b"},     {"priority", "urgent"}, {"indicators", indicators}};
}

// The sample seizure plus `fields`.
json IndicatorMatcherSeizure(const json& fields) {
  json seizure = cen::test::SampleSeizure("S1");
  for (const auto& [key, value] : fields.items()) seizure[key] = value;
  return seizure;
}

// Routes as a JSON array of arrays: a braced list of pairs would make an object.
json Routes(const std::vector<std::vector<std::string>>& routes) { return json(routes); }

struct IndicatorMatcherCase {
  std::string name;
  json fields;  // of the seizure
  Hits expected;
};

// The hits of `seizure` read as a JSON tree; the same must come of it read
// in place from msgpack, as the agent reads what it applies (any object
// packs, broken UTF-8 included).
Hits MatchBothWays(const IndicatorMatcher& matcher, const json& seizure) {
  Hits hits;
  REQUIRE_NOTHROW(hits = matcher.Match(seizure));
  if (auto packed = cen::common::MsgpackMap::FromJson(seizure); packed.ok()) {
    Hits in_place;
    REQUIRE_NOTHROW(in_place = matcher.Match(IndicatorMatcher::Seizure(*packed)));
    CHECK(in_place == hits);
  }
  return hits;
}

void CheckCases(const IndicatorMatcher& matcher, const std::vector<IndicatorMatcherCase>& cases) {
  for (const IndicatorMatcherCase& c : cases) {
    const json seizure = IndicatorMatcherSeizure(c.fields);
    INFO(c.name << ": " << seizure.dump());
    CHECK(MatchBothWays(matcher, seizure) == c.expected);
  }
}

bool AnyNeedleIn(const IndicatorMatcher& matcher, const std::string& text) {
  return std::any_of(matcher.Needles().begin(), matcher.Needles().end(),
                     [&](const std::string& needle) { return text.find(needle) != text.npos; });
}

}  // namespace

TEST_CASE("IndicatorMatcher matches containers exactly", "[node][indicator_matcher]") {
  const IndicatorMatcher matcher(
      IndicatorMatcherAlert({{"containers", {"CSQU3054383", "MSCU1234566"}}}));
  const Hits csqu = {{"containers", "CSQU3054383"}};
  CheckCases(matcher, {
                          {"same number", {{"containers", {"CSQU3054383"}}}, csqu},
                          {"among others",
                           {{"containers", {"TGHU9876542", "MSCU1234566"}}},
                           {{"containers", "MSCU1234566"}}},
                          {"both",
                           {{"containers", {"MSCU1234566", "CSQU3054383"}}},
                           {{"containers", "CSQU3054383"}, {"containers", "MSCU1234566"}}},
                          {"listed twice", {{"containers", {"CSQU3054383", "CSQU3054383"}}}, csqu},
                          {"wrong check digit", {{"containers", {"CSQU3054384"}}}, {}},
                          {"lower case", {{"containers", {"csqu3054383"}}}, {}},
                          {"in the description only", {{"description", "CSQU3054383"}}, {}},
                          {"no containers", json::object(), {}},
                      });
}

TEST_CASE("IndicatorMatcher matches the vessel IMO number exactly", "[node][indicator_matcher]") {
  const IndicatorMatcher matcher(IndicatorMatcherAlert({{"vessel_imo", {"9074729"}}}));
  CheckCases(matcher, {
                          {"same IMO", {{"vessel_imo", "9074729"}}, {{"vessel_imo", "9074729"}}},
                          {"different IMO", {{"vessel_imo", "9176187"}}, {}},
                          {"one digit off", {{"vessel_imo", "9074728"}}, {}},
                          {"not normalised", {{"vessel_imo", "IMO 9074729"}}, {}},
                          {"a number", {{"vessel_imo", 9074729}}, {}},
                          {"no vessel", json::object(), {}},
                      });
}

TEST_CASE("IndicatorMatcher matches HS codes when one is a prefix of the other",
          "[node][indicator_matcher]") {
  const IndicatorMatcher matcher(IndicatorMatcherAlert({{"hs_codes", {"293972", "0803901000"}}}));
  CheckCases(
      matcher,
      {
          {"equal", {{"hs_code", "293972"}}, {{"hs_codes", "293972"}}},
          {"seizure's is longer", {{"hs_code", "2939720010"}}, {{"hs_codes", "293972"}}},
          {"alert's is longer", {{"hs_code", "080390"}}, {{"hs_codes", "0803901000"}}},
          {"alert's is longer, 8 digits", {{"hs_code", "08039010"}}, {{"hs_codes", "0803901000"}}},
          {"sibling subheading", {{"hs_code", "29397100"}}, {}},
          {"diverges after 6 digits", {{"hs_code", "0803902000"}}, {}},
          {"seizure's under 6 digits", {{"hs_code", "29397"}}, {}},
          {"seizure's is a chapter", {{"hs_code", "0803"}}, {}},
          {"dotted", {{"hs_code", "2939.72"}}, {}},
          {"a number", {{"hs_code", 29397200}}, {}},
      });
}

TEST_CASE("IndicatorMatcher finds company names as whole words in any case",
          "[node][indicator_matcher]") {
  const IndicatorMatcher matcher(IndicatorMatcherAlert(
      {{"companies", {"Acme Trading", "Société Générale Fruits", "Frutas S.A."}}}));
  const Hits acme = {{"companies", "Acme Trading"}};
  CheckCases(matcher,
             {
                 {"same case", {{"description", "Bananas shipped by Acme Trading, Quito."}}, acme},
                 {"upper case", {{"description", "SHIPPER: ACME TRADING"}}, acme},
                 {"in the conveyance", {{"conveyance", "truck of acme trading"}}, acme},
                 {"in the concealment", {{"concealment", "boxes marked (Acme Trading)"}}, acme},
                 {"in the location", {{"location", "warehouse of acme trading"}}, acme},
                 {"spaces and a line break", {{"description", "by Acme \n  Trading"}}, acme},
                 {"whole text", {{"description", "acme trading"}}, acme},
                 {"longer last word", {{"description", "Acme Tradings Ltd"}}, {}},
                 {"longer first word", {{"description", "MegaAcme Trading"}}, {}},
                 {"digit before", {{"description", "2Acme Trading"}}, {}},
                 {"hyphenated", {{"description", "Acme-Trading"}}, {}},
                 {"one word only", {{"description", "Acme Corp trading"}}, {}},
                 {"in another field", {{"commodity", "Acme Trading"}, {"ref", "Acme Trading"}}, {}},
                 {"Latin-1 in other case",
                  {{"location", "SOCIÉTÉ GÉNÉRALE FRUITS, Rungis"}},
                  {{"companies", "Société Générale Fruits"}}},
                 {"accents missing", {{"location", "Societe Generale Fruits"}}, {}},
                 {"non-ASCII letter after", {{"location", "Société Générale Fruitsé"}}, {}},
                 {"ends in punctuation",
                  {{"description", "agent frutas s.a.; paid"}},
                  {{"companies", "Frutas S.A."}}},
                 {"ends in punctuation, word follows",
                  {{"description", "frutas s.a.x"}},
                  {{"companies", "Frutas S.A."}}},
                 {"two companies",
                  {{"description", "Acme Trading for Frutas S.A."}},
                  {{"companies", "Acme Trading"}, {"companies", "Frutas S.A."}}},
                 {"a number", {{"description", 5}}, {}},
             });
}

TEST_CASE("IndicatorMatcher folds Greek and Cyrillic capitals", "[node][indicator_matcher]") {
  const IndicatorMatcher matcher(IndicatorMatcherAlert({{"companies", {"ООО Ромашка", "Ωμέγα"}}}));
  CheckCases(matcher,
             {
                 {"Cyrillic", {{"description", "ооо РОМАШКА"}}, {{"companies", "ООО Ромашка"}}},
                 {"Greek", {{"description", "ΩΜΈΓΑ"}}, {{"companies", "Ωμέγα"}}},
                 {"Greek, basic letters", {{"description", "ωμέγα"}}, {{"companies", "Ωμέγα"}}},
             });
}

TEST_CASE("IndicatorMatcher matches routes in order, transit in between allowed",
          "[node][indicator_matcher]") {
  const IndicatorMatcher matcher(
      IndicatorMatcherAlert({{"routes", Routes({{"EC", "NL"}, {"CO", "ES", "DE"}})}}));
  const Hits ec_nl = {{"routes", "EC>NL"}};
  const Hits co_es_de = {{"routes", "CO>ES>DE"}};
  CheckCases(
      matcher,
      {
          {"direct", {{"departure", "EC"}, {"destination", "NL"}}, ec_nl},
          {"transit in between",
           {{"departure", "EC"}, {"transit", {"PA"}}, {"destination", "NL"}},
           ec_nl},
          {"more around it",
           {{"departure", "PE"}, {"transit", {"EC", "PA", "BE"}}, {"destination", "NL"}},
           ec_nl},
          {"out of order", {{"departure", "NL"}, {"destination", "EC"}}, {}},
          {"only the departure", {{"departure", "EC"}, {"destination", "BE"}}, {}},
          {"only the destination", {{"destination", "NL"}}, {}},
          {"three countries",
           {{"departure", "CO"}, {"transit", {"ES"}}, {"destination", "DE"}},
           co_es_de},
          {"three, one missing", {{"departure", "CO"}, {"destination", "DE"}}, {}},
          {"three, transit out of order", {{"departure", "CO"}, {"transit", {"DE", "ES"}}}, {}},
          {"transit only", {{"transit", {"EC", "NL"}}}, ec_nl},
          {"no departure", {{"transit", {"CO", "ES"}}, {"destination", "DE"}}, co_es_de},
          {"both routes",
           {{"departure", "CO"}, {"transit", {"EC", "ES", "NL"}}, {"destination", "DE"}},
           {{"routes", "EC>NL"}, {"routes", "CO>ES>DE"}}},
          {"lower case", {{"departure", "ec"}, {"destination", "nl"}}, {}},
          {"transit not an array", {{"departure", "EC"}, {"transit", "NL"}}, {}},
      });
}

TEST_CASE("IndicatorMatcher reports hits in indicator order, each once",
          "[node][indicator_matcher]") {
  const IndicatorMatcher matcher(
      IndicatorMatcherAlert({{"hs_codes", {"293972", "293972"}},
                             {"routes", Routes({{"EC", "NL"}, {"EC", "NL"}})},
                             {"companies", {"Acme", "Acme"}},
                             {"vessel_imo", {"9074729", "9074729"}},
                             {"containers", {"CSQU3054383", "CSQU3054383"}}}));
  const json seizure = IndicatorMatcherSeizure({{"containers", {"CSQU3054383", "CSQU3054383"}},
                                                {"vessel_imo", "9074729"},
                                                {"description", "acme, then Acme again"},
                                                {"location", "ACME"},
                                                {"departure", "EC"},
                                                {"transit", {"NL", "EC"}},
                                                {"destination", "NL"},
                                                {"hs_code", "29397200"}});
  CHECK(MatchBothWays(matcher, seizure) == Hits{{"containers", "CSQU3054383"},
                                                {"vessel_imo", "9074729"},
                                                {"companies", "Acme"},
                                                {"routes", "EC>NL"},
                                                {"hs_codes", "293972"}});
}

TEST_CASE("IndicatorMatcher without indicators matches nothing", "[node][indicator_matcher]") {
  json alert = IndicatorMatcherAlert(json::object());
  alert.erase("indicators");
  for (const json& a :
       {alert, IndicatorMatcherAlert(json::object()),
        IndicatorMatcherAlert({{"containers", json::array()}, {"companies", {"", "  ", "--"}}})}) {
    INFO(a.dump());
    const IndicatorMatcher matcher(a);
    CHECK(matcher.empty());
    CHECK(matcher.Needles().empty());
    CHECK(matcher.NeedlesComplete());
    CHECK(MatchBothWays(matcher, IndicatorMatcherSeizure({{"containers", {"CSQU3054383"}},
                                                          {"description", "--"}})) == Hits{});
  }
}

TEST_CASE("IndicatorMatcher never throws on malformed shapes", "[node][indicator_matcher]") {
  SECTION("alerts") {
    const json alerts[] = {
        json(),
        json::array({1, 2}),
        json("indicators"),
        json(42),
        IndicatorMatcherAlert(nullptr),
        IndicatorMatcherAlert("CSQU3054383"),
        IndicatorMatcherAlert(json::array({"CSQU3054383"})),
        IndicatorMatcherAlert(7),
        IndicatorMatcherAlert(
            {{"containers", "CSQU3054383"}, {"vessel_imo", 9074729}, {"companies", 1}}),
        IndicatorMatcherAlert({{"containers", {1, nullptr, json::object(), json::array()}},
                               {"vessel_imo", {9074729}},
                               {"companies", {json::array({"Acme"}), 3.5}},
                               {"routes", json::array({"EC", "NL"})},
                               {"hs_codes", {293972, "29", "2939.72", "29397200001", "ABCDEF"}},
                               {"unknown", {"CSQU3054383"}}}),
        IndicatorMatcherAlert({{"routes", json::array({json::array({"EC"}), json::array({"EC", 1}),
                                                       json::array({"EC", nullptr}),
                                                       json::array({"EC", ""}), json::object()})}}),
    };
    const json seizure = IndicatorMatcherSeizure({{"containers", {"CSQU3054383"}},
                                                  {"vessel_imo", "9074729"},
                                                  {"description", "Acme"},
                                                  {"departure", "EC"},
                                                  {"destination", "NL"},
                                                  {"hs_code", "29397200"}});
    for (const json& alert : alerts) {
      INFO(alert.dump());
      REQUIRE_NOTHROW(IndicatorMatcher(alert));
      const IndicatorMatcher matcher(alert);
      CHECK(matcher.empty());
      CHECK(MatchBothWays(matcher, seizure) == Hits{});
    }
  }

  SECTION("usable values beside unusable ones are kept") {
    const IndicatorMatcher matcher(IndicatorMatcherAlert(
        {{"containers", {1, "CSQU3054383"}},
         {"routes", json::array({json::array({"EC", 1}), json::array({"EC", "NL"})})}}));
    CHECK_FALSE(matcher.empty());
    CHECK(MatchBothWays(matcher, IndicatorMatcherSeizure({{"containers", {"CSQU3054383"}},
                                                          {"departure", "EC"},
                                                          {"destination", "NL"}})) ==
          Hits{{"containers", "CSQU3054383"}, {"routes", "EC>NL"}});
  }

  SECTION("seizures") {
    const IndicatorMatcher matcher(IndicatorMatcherAlert({{"containers", {"CSQU3054383"}},
                                                          {"vessel_imo", {"9074729"}},
                                                          {"companies", {"Acme"}},
                                                          {"routes", Routes({{"EC", "NL"}})},
                                                          {"hs_codes", {"293972"}}}));
    const json seizures[] = {
        json(),
        json::array({"CSQU3054383"}),
        json("CSQU3054383"),
        json(3),
        json::object(),
        {{"containers", "CSQU3054383"},
         {"vessel_imo", 9074729},
         {"description", json::array({"Acme"})},
         {"conveyance", nullptr},
         {"departure", json::array({"EC"})},
         {"transit", json::object({{"a", "EC"}})},
         {"destination", 1},
         {"hs_code", 29397200}},
        {{"containers", {1, nullptr, json::array({"CSQU3054383"})}},
         {"transit", {1, "EC", nullptr, "NL"}},
         {"location", "\xff\xfe Acme \xc3"}},
        {{"kind", 1}, {"containers", {"CSQU3054383"}}},
        {{"kind", "alert"},
         {"containers", {"CSQU3054383"}},
         {"indicators", {{"containers", {"CSQU3054383"}}}}},
    };
    const Hits expected[] = {
        {}, {}, {}, {}, {}, {}, {{"companies", "Acme"}, {"routes", "EC>NL"}}, {}, {},
    };
    static_assert(std::size(seizures) == std::size(expected));
    for (size_t i = 0; i < std::size(seizures); ++i) {
      INFO(seizures[i].dump(-1, ' ', false, json::error_handler_t::replace));
      CHECK(MatchBothWays(matcher, seizures[i]) == expected[i]);
    }
  }
}

TEST_CASE("IndicatorMatcher needles are in the JSON text of every match",
          "[node][indicator_matcher]") {
  const IndicatorMatcher matcher(
      IndicatorMatcherAlert({{"containers", {"CSQU3054383", "MSCU1234566"}},
                             {"vessel_imo", {"9074729"}},
                             {"routes", Routes({{"EC", "NL"}, {"CO", "ES", "DE"}, {"EC", "BE"}})},
                             {"hs_codes", {"293972", "0803901000"}}}));
  REQUIRE(matcher.NeedlesComplete());
  CHECK(matcher.Needles() == std::vector<std::string>{"\"CSQU3054383\"", "\"MSCU1234566\"",
                                                      "\"9074729\"", "\"EC\"", "\"CO\"", "\"293972",
                                                      "\"080390"});

  const json matching[] = {
      {{"containers", {"TGHU9876542", "MSCU1234566"}}},
      {{"vessel_imo", "9074729"}},
      {{"transit", {"EC", "NL"}}},
      {{"departure", "PE"}, {"transit", {"CO", "PA", "ES"}}, {"destination", "DE"}},
      {{"departure", "EC"}, {"destination", "BE"}},
      {{"hs_code", "2939720010"}},
      {{"hs_code", "293972"}},
      {{"hs_code", "080390"}},
      {{"hs_code", "08039010"}},
      {{"hs_code", "0803901000"}, {"description", "quote \" and \\ and é"}},
  };
  for (const json& fields : matching) {
    const json seizure = IndicatorMatcherSeizure(fields);
    INFO(seizure.dump());
    REQUIRE_FALSE(matcher.Match(seizure).empty());
    CHECK(AnyNeedleIn(matcher, seizure.dump()));
    CHECK(AnyNeedleIn(matcher, seizure.dump(-1, ' ', false, json::error_handler_t::replace)));
  }

  // A seizure with none of the needles cannot match.
  const json unrelated =
      IndicatorMatcherSeizure({{"containers", {"TGHU9876542"}}, {"hs_code", "29397100"}});
  CHECK_FALSE(AnyNeedleIn(matcher, unrelated.dump()));
  CHECK(matcher.Match(unrelated) == Hits{});
}

TEST_CASE("IndicatorMatcher needles escape what JSON escapes", "[node][indicator_matcher]") {
  const IndicatorMatcher matcher(IndicatorMatcherAlert({{"containers", {"AB\"C\\D"}}}));
  REQUIRE(matcher.Needles() == std::vector<std::string>{R"("AB\"C\\D")"});
  const json seizure = IndicatorMatcherSeizure({{"containers", {"AB\"C\\D"}}});
  REQUIRE(matcher.Match(seizure) == Hits{{"containers", "AB\"C\\D"}});
  CHECK(AnyNeedleIn(matcher, seizure.dump()));
}

TEST_CASE("IndicatorMatcher needles are incomplete when the alert names a company",
          "[node][indicator_matcher]") {
  const IndicatorMatcher matcher(
      IndicatorMatcherAlert({{"containers", {"CSQU3054383"}}, {"companies", {"Acme Trading"}}}));
  CHECK_FALSE(matcher.NeedlesComplete());
  CHECK(matcher.Needles() == std::vector<std::string>{"\"CSQU3054383\""});
  // Why: this match holds no needle.
  const json seizure = IndicatorMatcherSeizure({{"description", "ACME TRADING"}});
  CHECK(matcher.Match(seizure) == Hits{{"companies", "Acme Trading"}});
  CHECK_FALSE(AnyNeedleIn(matcher, seizure.dump()));
}

TEST_CASE("IndicatorMatcher: one seizure read in place serves every alert in force",
          "[node][indicator_matcher]") {
  const IndicatorMatcher acme(IndicatorMatcherAlert({{"companies", {"Acme Trading"}}}));
  const IndicatorMatcher both(IndicatorMatcherAlert(
      {{"companies", {"frutas del pacifico", "acme"}}, {"containers", {"CSQU3054383"}}}));
  const IndicatorMatcher route(IndicatorMatcherAlert({{"routes", Routes({{"EC", "NL"}})}}));
  auto packed = cen::common::MsgpackMap::FromJson(
      IndicatorMatcherSeizure({{"description", "shipped by ACME trading, Quito"},
                               {"location", "FRUTAS  DEL\tPACÍFICO"},
                               {"containers", {"", "CSQU3054383", "CSQU3054383"}},
                               {"departure", "EC"},
                               {"transit", {"", "PA"}},
                               {"destination", "NL"}}));
  REQUIRE(packed.ok());
  const IndicatorMatcher::Seizure seizure(*packed);
  // The texts are folded for the first matcher naming a company and kept.
  CHECK(acme.Match(seizure) == Hits{{"companies", "Acme Trading"}});
  CHECK(both.Match(seizure) ==
        Hits{{"containers", "CSQU3054383"}, {"companies", "acme"}});  // not PACÍFICO: an accent
  CHECK(route.Match(seizure) == Hits{{"routes", "EC>NL"}});
  CHECK(acme.Match(seizure) == Hits{{"companies", "Acme Trading"}});
}

TEST_CASE("IndicatorMatcher reads a repeated key in place as the JSON tree does: the last",
          "[node][indicator_matcher]") {
  // Not as the hub packs records (sorted, each key once), so searched in full.
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(5);
  pk.pack(std::string("kind"));
  pk.pack(std::string("alert"));
  pk.pack(std::string("containers"));
  pk.pack(std::vector<std::string>{"CSQU3054383"});
  pk.pack(std::string("kind"));
  pk.pack(std::string("seizure"));
  pk.pack(std::string("hs_code"));
  pk.pack(std::string("29397200"));
  pk.pack(std::string("containers"));
  pk.pack(std::vector<std::string>{"MSKU1234565"});
  auto packed = cen::common::MsgpackMap::Decode(std::string_view(buf.data(), buf.size()));
  REQUIRE(packed.ok());
  const IndicatorMatcher matcher(IndicatorMatcherAlert(
      {{"containers", {"CSQU3054383", "MSKU1234565"}}, {"hs_codes", {"293972"}}}));
  const Hits expected{{"containers", "MSKU1234565"}, {"hs_codes", "293972"}};
  CHECK(matcher.Match(IndicatorMatcher::Seizure(*packed)) == expected);
  CHECK(matcher.Match(packed->ToJson()) == expected);
}

TEST_CASE("IndicatorMatcher keys: every seizure an alert matches shares a key with it",
          "[node][indicator_matcher]") {
  // Alerts and seizures drawn from small vocabularies, so that most pairs
  // hit: names in any case, with punctuation, accents, Cyrillic, Greek,
  // no-break spaces and words glued to others; HS codes of every length
  // and prefix relation; routes over five countries.
  const std::vector<std::string> containers = {"CSQU3054383", "MSCU1234566", "TGHU9876542"};
  const std::vector<std::string> imos = {"9074729", "9321483"};
  const std::vector<std::string> codes = {"080390",     "08039010", "0803901000", "293972",
                                          "2939720010", "293971",   "0803",       "12345678901"};
  const std::vector<std::string> countries = {"EC", "PA", "NL", "ES", "FR"};
  const std::vector<std::string> names = {
      "Acme Trading", "ACME",    "(Acme) Ltd.",    "Frutas del Sur SA", "Éclat Export", "ÉCLAT",
      "ООО Ромашка",  "Ромашка", "Δέλτα Shipping", "X-Ray Logistics",   "-- Omega --",  "Sur"};
  const std::vector<std::string> words = {
      "acme",  "ACME",      "Acme,", "(Acme)", "Trading", "trading", "Ltd.", "frutas", "DEL",
      "sur",   "SA",        "éclat", "Éclat",  "export",  "ромашка", "ООО",  "ΔΈΛΤΑ",  "shipping",
      "x-ray", "logistics", "omega", "acmes",  "sure",    "\u00a0",  "--"};
  std::mt19937 rng(20261205);
  auto pick = [&](const std::vector<std::string>& from) { return from[rng() % from.size()]; };
  auto some = [&](const std::vector<std::string>& from, size_t most) {
    json out = json::array();
    for (size_t n = rng() % (most + 1); n > 0; --n) out.push_back(pick(from));
    return out;
  };
  auto text = [&] {
    std::string out;
    for (size_t n = rng() % 8; n > 0; --n) {
      out += pick(words);
      out += rng() % 4 == 0 ? "" : rng() % 3 == 0 ? "  " : " ";
    }
    return out;
  };
  int matched = 0;
  for (int i = 0; i < 3000; ++i) {
    json routes = json::array();
    for (size_t n = rng() % 3; n > 0; --n) routes.push_back(some(countries, 3));
    const IndicatorMatcher matcher(IndicatorMatcherAlert({{"containers", some(containers, 2)},
                                                          {"vessel_imo", some(imos, 1)},
                                                          {"companies", some(names, 2)},
                                                          {"routes", routes},
                                                          {"hs_codes", some(codes, 2)}}));
    const std::vector<std::string> alert_keys = matcher.Keys();
    CHECK(alert_keys.empty() == matcher.empty());
    json fields = {{"containers", some(containers, 2)},
                   {"transit", some(countries, 2)},
                   {"description", text()},
                   {"location", text()},
                   {"concealment", text()},
                   {"conveyance", text()}};
    if (rng() % 2 == 0) fields["vessel_imo"] = pick(imos);
    if (rng() % 2 == 0) fields["hs_code"] = pick(codes);
    if (rng() % 2 == 0) fields["departure"] = pick(countries);
    if (rng() % 2 == 0) fields["destination"] = pick(countries);
    const json seizure = IndicatorMatcherSeizure(fields);
    const IndicatorMatcher::Seizure read(seizure);
    if (matcher.Match(read).empty()) continue;
    ++matched;
    const std::vector<std::string> seizure_keys = read.Keys(/*words=*/true);
    INFO(seizure.dump() << " against " << i);
    CHECK(std::any_of(seizure_keys.begin(), seizure_keys.end(), [&](const std::string& key) {
      return std::binary_search(alert_keys.begin(), alert_keys.end(), key);
    }));
  }
  CHECK(matched > 1000);  // the vocabularies hit often enough to test anything
}
