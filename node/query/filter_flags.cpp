#include "node/query/filter_flags.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <string>

#include "common/messages.h"

namespace cen::node {

void FilterFlags::Add(CLI::App& app, QueryFilter& f) {
  using cen::common::Messages;
  const std::string group = Messages::Tr("Filters");
  auto list = [&](const char* name, std::vector<std::string>& values, const char* help) {
    app.add_option(name, values, help)->delimiter(',')->group(group);
  };
  list("--kind", f.kinds, Messages::Tr("seizure or alert"));
  list("--commodity", f.commodities,
       Messages::Tr(
           "drugs, precursors, tobacco, alcohol, cites, weapons, explosives, currency, ipr, "
           "medicines, hazardous_waste, cultural_heritage, other"));
  list("--country", f.countries,
       Messages::Tr("Country or region in any role: reporting, departure, transit or destination"));
  list("--reporting-country", f.reporting_countries, Messages::Tr("Reporting country or region"));
  list("--departure", f.departures, Messages::Tr("Country or region of departure"));
  list("--destination", f.destinations, Messages::Tr("Country or region of destination"));
  list("--transit", f.transits, Messages::Tr("Country or region of transit"));
  app.add_option("--from", f.from, Messages::Tr("First date included: YYYY-MM-DD, YYYY-MM or YYYY"))
      ->group(group);
  app.add_option("--to", f.to, Messages::Tr("Last date included: YYYY-MM-DD, YYYY-MM or YYYY"))
      ->group(group);
  list("--origin", f.origins, Messages::Tr("Node id that published the record"));
  list("--hs", f.hs_prefixes, Messages::Tr("Harmonized System code prefix: 29, 2939, 2939.72"));
  app.add_option("--transport-mode", f.transport_modes,
                 Messages::Tr("UN/ECE Rec 19 code or name: 1 sea, 2 rail, 3 road, 4 air, 5 post, "
                              "6 multimodal, 7 fixed, 8 inland"))
      ->delimiter(',')
      ->transform(CLI::Validator(
          [](std::string& value) {
            // The names of the codes, as an analyst says them.
            static const std::map<std::string, std::string, std::less<>> kNames = {
                {"sea", "1"},   {"maritime", "1"}, {"rail", "2"},   {"road", "3"},
                {"air", "4"},   {"post", "5"},     {"mail", "5"},   {"multimodal", "6"},
                {"fixed", "7"}, {"pipeline", "7"}, {"inland", "8"}, {"inland-water", "8"}};
            std::string lower = value;
            for (char& c : lower)
              c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (const auto it = kNames.find(lower); it != kNames.end()) {
              value = it->second;
              return std::string();
            }
            if (!value.empty() && std::all_of(value.begin(), value.end(),
                                              [](unsigned char c) { return std::isdigit(c) != 0; }))
              return std::string();  // a code: QueryFilter::Check says whether it is one
            return Messages::Format(
                "'{}' is not a transport mode: 1 sea, 2 rail, 3 road, 4 air, 5 post, 6 "
                "multimodal, 7 fixed, 8 inland (a code or its name)",
                value);
          },
          "", "transport mode"))
      ->group(group);
  list("--unit", f.units, Messages::Tr("UN/ECE Rec 20 unit: KGM, GRM, LTR, H87 (pieces), ..."));
  list("--handling", f.handlings, Messages::Tr("H0, H1, H2 or H3"));
  list("--priority", f.priorities,
       Messages::Tr("Alerts: urgent, high or normal, as each message gives it (an update is a "
                    "record of its own; cen-query alerts applies updates)"));
  app.add_option("--text", f.text,
                 Messages::Tr("Full text over description, location, concealment, title and body"))
      ->group(group);
  app.add_option("--since-gseq", f.since_gseq,
                 Messages::Tr("Only records replicated after this gseq"))
      ->group(group);
  app.add_flag("--include-pending", f.include_pending,
               Messages::Tr("Also NCP records their RILO has not accepted yet (pending, returned); "
                            "an amended record once, in its newest version"))
      ->group(group);
}

}  // namespace cen::node
