#include "node/query/filter_flags.h"

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
                 Messages::Tr("UN/ECE Rec 19: 1 sea, 2 rail, 3 road, 4 air, 5 post, ..."))
      ->delimiter(',')
      ->group(group);
  list("--unit", f.units, Messages::Tr("UN/ECE Rec 20 unit: KGM, GRM, LTR, H87 (pieces), ..."));
  list("--handling", f.handlings, Messages::Tr("H0, H1, H2 or H3"));
  list("--priority", f.priorities, Messages::Tr("Alerts: urgent, high or normal"));
  app.add_option("--text", f.text,
                 Messages::Tr("Full text over description, location, concealment, title and body"))
      ->group(group);
  app.add_option("--since-gseq", f.since_gseq,
                 Messages::Tr("Only records replicated after this gseq"))
      ->group(group);
  app.add_flag("--include-pending", f.include_pending,
               Messages::Tr("Also NCP records their RILO has not accepted yet (pending, returned)"))
      ->group(group);
}

}  // namespace cen::node
