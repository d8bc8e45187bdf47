#include "tests/bench/realistic_records.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/uuid7.h"

namespace cen::bench {

using nlohmann::json;

namespace {

struct Commodity {
  const char* name;
  int weight;
  std::vector<const char*> hs;
  const char* unit;
  std::vector<const char*> goods;  // what was seized, per language below
};

// Commodity mix of a regional office: drugs and tobacco dominate.
const std::vector<Commodity>& Commodities() {
  static const std::vector<Commodity> kList = {
      {"drugs",
       40,
       {"293972", "293911", "121190", "293339"},
       "KGM",
       {"cocaine", "cocaïne", "cocaína", "Kokain", "cocaína", "кокаин", "可卡因"}},
      {"tobacco",
       20,
       {"240220", "240319"},
       "H87",
       {"cigarettes", "cigarettes", "cigarrillos", "Zigaretten", "cigarros", "сигареты", "香烟"}},
      {"ipr",
       10,
       {"610910", "640399", "910211", "330300"},
       "H87",
       {"counterfeit watches", "contrefaçons", "falsificaciones", "Fälschungen", "falsificações",
        "контрафакт", "假冒商品"}},
      {"cites",
       8,
       {"050790", "010619", "051000"},
       "KGM",
       {"pangolin scales", "écailles de pangolin", "escamas de pangolín", "Schuppentierschuppen",
        "escamas de pangolim", "чешуя панголина", "穿山甲鳞片"}},
      {"currency",
       5,
       {"490700"},
       "H87",
       {"undeclared cash", "espèces", "efectivo", "Bargeld", "dinheiro", "наличные", "现金"}},
      {"alcohol",
       4,
       {"220830"},
       "LTR",
       {"whisky", "whisky", "whisky", "Whisky", "uísque", "виски", "威士忌"}},
      {"medicines",
       4,
       {"300490"},
       "H87",
       {"falsified medicines", "médicaments falsifiés", "medicamentos falsificados",
        "gefälschte Arzneimittel", "medicamentos falsificados", "фальсифицированные лекарства",
        "假药"}},
      {"weapons",
       3,
       {"930190", "930320"},
       "H87",
       {"firearms", "armes à feu", "armas de fuego", "Schusswaffen", "armas de fogo",
        "огнестрельное оружие", "枪支"}},
      {"precursors",
       3,
       {"293339"},
       "KGM",
       {"precursor chemicals", "précurseurs", "precursores", "Grundstoffe", "precursores",
        "прекурсоры", "易制毒化学品"}},
      {"other",
       3,
       {"271019"},
       "KGM",
       {"fuel", "carburant", "combustible", "Treibstoff", "combustível", "топливо", "燃料"}},
  };
  return kList;
}

// Countries in rough order of how often they appear in a RILO's records.
const std::vector<const char*> kCountries = {
    "NL", "ES", "BE", "DE", "FR", "CO", "EC", "BR", "PA", "IT", "PT", "GB", "RU", "CN", "US",
    "MX", "PE", "BO", "TR", "AE", "MA", "NG", "ZA", "IN", "PK", "TH", "VN", "MY", "SG", "HK",
    "JP", "KR", "PL", "UA", "BY", "LT", "LV", "EE", "FI", "SE", "DK", "NO", "IE", "AT", "CH",
    "CZ", "SK", "HU", "RO", "BG", "GR", "CY", "MT", "SI", "HR", "RS", "AL", "GH", "SN", "CI"};

const char* kLanguages[] = {"en", "fr", "es", "de", "pt", "ru", "zh"};

// Sentences per language: the first names the goods (%s), the others add
// detail; a description takes the first and one to four others.
const std::vector<std::vector<const char*>> kSentences = {
    {"%s concealed in a reefer container of bananas; false bottom found by X-ray.",
     "The container was selected by the risk profile for its route and consignee.",
     "The driver declared the load as spare parts for agricultural machinery.",
     "Packages were wrapped in carbon paper and coffee grounds to defeat scanners.",
     "The consignee company was registered three weeks before the shipment.",
     "Documents showed a transhipment that the carrier could not explain."},
    {"%s dissimulée dans des palettes, découverte lors d'un contrôle documentaire.",
     "Le conteneur avait été ciblé par l'analyse de risque du service.",
     "Le chauffeur a déclaré transporter des pièces détachées automobiles.",
     "Les colis étaient enveloppés de papier carbone pour tromper le scanner.",
     "La société destinataire avait été créée trois semaines plus tôt."},
    {"%s oculta en un contenedor refrigerado con piñas, detectada por perro detector.",
     "El contenedor fue seleccionado por el perfil de riesgo de la ruta.",
     "El conductor declaró la carga como repuestos de maquinaria agrícola.",
     "Los paquetes estaban envueltos en papel carbón y café molido.",
     "La empresa consignataria se registró tres semanas antes del envío."},
    {"%s im doppelten Boden eines Lkw-Anhängers versteckt.",
     "Der Container wurde aufgrund des Risikoprofils der Route ausgewählt.",
     "Der Fahrer gab die Ladung als Ersatzteile für Landmaschinen an.",
     "Die Pakete waren in Kohlepapier und Kaffeesatz eingewickelt.",
     "Die Empfängerfirma wurde drei Wochen vor der Sendung gegründet."},
    {"%s escondida em bagagem de mão de um passageiro.",
     "O passageiro viajava com um bilhete comprado em dinheiro na véspera.",
     "A mala tinha um fundo falso soldado à estrutura.",
     "O destinatário da encomenda usava um endereço de caixa postal."},
    {"%s в тайнике грузовика, обнаружено при рентгеновском досмотре.",
     "Контейнер был отобран системой управления рисками.",
     "Водитель заявил груз как запасные части для сельхозтехники.",
     "Упаковки были обернуты копировальной бумагой и молотым кофе."},
    {"在集装箱夹层中查获%s。", "该集装箱由风险分析系统选中查验。",
     "驾驶员申报货物为农业机械零配件。", "包裹用复写纸和咖啡渣包裹以逃避扫描。"},
};

const char* kConcealments[] = {"false bottom",   "double wall", "body carry",   "hidden in fruit",
                               "rip-on/rip-off", "swallowed",   "in machinery", "in luggage"};
const char* kLocations[] = {"Port of Rotterdam, Maasvlakte II terminal",
                            "Algeciras, container terminal",
                            "Antwerp, Deurganck dock",
                            "Hamburg, Burchardkai",
                            "Le Havre, Port 2000",
                            "Paris-Charles de Gaulle airport, terminal 2E",
                            "Madrid-Barajas airport, cargo area",
                            "Frankfurt airport, CargoCity Süd",
                            "Lisboa, terminal de Alcântara",
                            "Brest border crossing (BY-PL)",
                            "Kapıkule road border crossing",
                            "Guayaquil, Terminal Portuario"};

std::string Truncate(std::string s, size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // whole characters
  s.resize(n);
  return s;
}

}  // namespace

Zipf::Zipf(size_t n, double s) {
  double total = 0;
  for (size_t i = 0; i < n; ++i) total += 1.0 / std::pow(static_cast<double>(i + 1), s);
  double acc = 0;
  for (size_t i = 0; i < n; ++i) {
    acc += 1.0 / std::pow(static_cast<double>(i + 1), s) / total;
    cumulative_.push_back(acc);
  }
}

size_t Zipf::operator()(std::mt19937_64& rng) {
  const double u = std::uniform_real_distribution<double>(0, 1)(rng);
  return static_cast<size_t>(std::lower_bound(cumulative_.begin(), cumulative_.end(), u) -
                             cumulative_.begin()) %
         cumulative_.size();
}

RealisticRecords::RealisticRecords(uint64_t seed)
    : rng_(seed), countries_(kCountries.size(), 1.1), languages_(7, 1.0) {}

std::vector<std::string> RealisticRecords::HsCodes() {
  std::vector<std::string> out;
  for (const Commodity& c : Commodities())
    for (const char* hs : c.hs) out.emplace_back(hs);
  return out;
}

json RealisticRecords::Submitted(const std::string& prefix, int64_t i) {
  static std::discrete_distribution<size_t> pick_commodity = [] {
    std::vector<int> weights;
    for (const Commodity& c : Commodities()) weights.push_back(c.weight);
    return std::discrete_distribution<size_t>(weights.begin(), weights.end());
  }();
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); };
  auto country = [&] { return kCountries[countries_(rng_)]; };
  const Commodity& c = Commodities()[pick_commodity(rng_)];
  const size_t lang = languages_(rng_);
  char date[11];
  // Eleven whole years, none in the future: the hub refuses a seizure_date
  // after tomorrow.
  std::snprintf(date, sizeof date, "%04d-%02d-%02d", uniform(2015, 2025), uniform(1, 12),
                uniform(1, 28));
  const auto& sentences = kSentences[lang];
  char first[512];
  std::snprintf(first, sizeof first, sentences[0], c.goods[lang]);
  std::string text = first;
  const int extra = uniform(1, 4);
  for (int k = 0; k < extra; ++k)
    text += std::string(" ") +
            sentences[1 + static_cast<size_t>(uniform(0, static_cast<int>(sentences.size()) - 2))];
  // Varied length: some offices write a line, some a paragraph.
  text = Truncate(text, static_cast<size_t>(uniform(60, 480)));
  json r = {{"scope", "global"},
            {"handling", uniform(0, 99) < 95 ? "H0" : (uniform(0, 1) ? "H2" : "H1")},
            {"lang", kLanguages[lang]}};
  if (uniform(0, 99) < 5) {
    r["kind"] = "alert";
    r["ref"] = prefix + "AL-" + std::to_string(i);
    r["title"] = std::string("Risk indicator: ") + c.goods[lang];
    r["body"] = text;
    r["priority"] = uniform(0, 2) == 0 ? "high" : "normal";
    r["msg_type"] = "alert";
    r["issued_at"] = std::string(date) + "T08:00:00Z";
    r["commodity"] = c.name;
    return r;
  }
  r["kind"] = "seizure";
  r["ref"] = prefix + "SZ-" + std::to_string(i);
  r["seizure_date"] = date;
  r["reporting_country"] = country();
  r["commodity"] = c.name;
  r["description"] = text;
  r["concealment"] = kConcealments[uniform(0, 7)];
  r["location"] = kLocations[uniform(0, 11)];
  r["quantity"] = std::round(std::exponential_distribution<double>(0.02)(rng_) * 10) / 10 + 0.1;
  r["unit"] = c.unit;
  r["hs_code"] = c.hs[static_cast<size_t>(uniform(0, static_cast<int>(c.hs.size()) - 1))];
  r["transport_mode"] =
      std::vector<int>{1, 1, 1, 3, 3, 4, 4, 5}[static_cast<size_t>(uniform(0, 7))];
  r["departure"] = country();
  r["destination"] = country();
  r["source_eval"] =
      std::vector<const char*>{"A", "B", "C", "X"}[static_cast<size_t>(uniform(0, 3))];
  r["info_eval"] = uniform(1, 4);
  if (uniform(0, 2) == 0) {
    json transit = json::array({country()});
    if (uniform(0, 3) == 0) transit.push_back(country());
    r["transit"] = transit;
  }
  return r;
}

json RealisticRecords::Delivered(int64_t gseq) {
  json r = Submitted("", gseq);
  r["uuid"] = common::Uuid7::Generate();
  r["version"] = 1;
  r["origin"] = std::string("RILO-") + kCountries[countries_(rng_) % 12];
  r["gseq"] = gseq;
  r["received_at"] = "2026-11-28T03:00:00.000Z";
  return r;
}

}  // namespace cen::bench
