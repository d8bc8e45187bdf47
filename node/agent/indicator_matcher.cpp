#include "node/agent/indicator_matcher.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/msgpack_map.h"
#include "common/utf8.h"

namespace cen::node {
namespace {

using nlohmann::json;

constexpr size_t kMinHsDigits = 6;
constexpr size_t kMaxHsDigits = 10;
constexpr char32_t kReplacement = 0xFFFD;

// The text the replica stores for a JSON string value (node/agent/replica.cpp dumps
// records with these arguments), so a needle is a substring of the stored doc.
std::string AsJsonText(const std::string& value) {
  return json(value).dump(-1, ' ', false, json::error_handler_t::replace);
}

// `object[key]` when `object` is an object holding a string there.
const std::string* StringField(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

// `object[key]` when `object` is an object holding an array there.
const json* ArrayField(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return nullptr;
  return &*it;
}

// The non-empty strings of an array, in order, without repeats.
// In the order given; a set, not a search of the list (an alert may name
// 100,000 containers: quadratic, that took seconds at every Refresh()).
std::vector<std::string> DistinctStrings(const json* array) {
  std::vector<std::string> out;
  if (array == nullptr) return out;
  std::unordered_set<std::string_view> seen;
  for (const json& item : *array) {
    if (!item.is_string()) continue;
    const auto& text = item.get_ref<const std::string&>();
    if (!text.empty() && seen.insert(text).second) out.push_back(text);
  }
  return out;
}

bool IsHsCode(std::string_view code) {
  return code.size() >= kMinHsDigits && code.size() <= kMaxHsDigits &&
         std::all_of(code.begin(), code.end(), common::Utf8::IsAsciiDigit);
}

// REQUIRES: both are HS codes (so the shorter has at least 6 digits).
bool HsCodesMatch(std::string_view a, std::string_view b) {
  return a.size() <= b.size() ? b.starts_with(a) : a.starts_with(b);
}

// Lower case for ASCII, Latin-1, Latin Extended-A, basic Greek and Cyrillic;
// every other code point is its own fold.
char32_t Fold(char32_t c) {
  if (c >= U'A' && c <= U'Z') return c + 0x20;
  if (c < 0xC0) return c;
  if (c <= 0xDE) return c == 0xD7 ? c : c + 0x20;  // U+00D7 is the multiplication sign
  if (c >= 0x100 && c <= 0x17F) {
    if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return c;
    if (c == 0x178) return 0xFF;  // Ÿ
    const bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if (odd_upper) return c % 2 == 1 ? c + 1 : c;
    return c % 2 == 0 ? c + 1 : c;
  }
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 0x20;  // Greek capitals
  if (c == 0x386) return 0x3AC;                                 // Greek capitals with tonos
  if (c >= 0x388 && c <= 0x38A) return c + 0x25;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 0x3F;
  if (c == 0x3C2) return 0x3C3;                   // final sigma
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;  // Cyrillic Ѐ-Џ
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;  // Cyrillic А-Я
  return c;
}

bool IsSpace(char32_t c) {
  return c == U' ' || (c >= U'\t' && c <= U'\r') || c == 0xA0;  // \t \n \v \f \r, no-break space
}

bool IsWordChar(char32_t c) {
  return (c >= U'0' && c <= U'9') || (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') ||
         c >= 0x80;
}

// `text` as folded code points with each run of whitespace one space.
// Malformed bytes become U+FFFD, one per byte.
std::u32string Normalize(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    uint32_t code_point = 0;
    size_t length = common::Utf8::Decode(text, pos, &code_point);
    char32_t c = kReplacement;
    if (length == 0) {
      length = 1;
    } else {
      c = static_cast<char32_t>(code_point);
    }
    pos += length;
    if (IsSpace(c)) {
      if (out.empty() || out.back() != U' ') out.push_back(U' ');
    } else {
      out.push_back(Fold(c));
    }
  }
  return out;
}

// `pattern` occurs in `text` without starting or ending inside a word.
// REQUIRES: !pattern.empty().
bool ContainsWords(std::u32string_view text, std::u32string_view pattern) {
  const bool word_start = IsWordChar(pattern.front());
  const bool word_end = IsWordChar(pattern.back());
  for (size_t at = text.find(pattern); at != std::u32string_view::npos;
       at = text.find(pattern, at + 1)) {
    const size_t end = at + pattern.size();
    const bool splits_start = word_start && at > 0 && IsWordChar(text[at - 1]);
    const bool splits_end = word_end && end < text.size() && IsWordChar(text[end]);
    if (!splits_start && !splits_end) return true;
  }
  return false;
}

// The route's countries occur in `itinerary` in order, not necessarily adjacent.
bool FollowsRoute(const std::vector<std::string_view>& itinerary,
                  const std::vector<std::string>& route) {
  size_t next = 0;
  for (const std::string_view country : itinerary) {
    if (next < route.size() && country == route[next]) ++next;
  }
  return next == route.size();
}

std::string JoinRoute(const std::vector<std::string>& route) {
  std::string out;
  for (const std::string& country : route) {
    if (!out.empty()) out += '>';
    out += country;
  }
  return out;
}

// An index key: its kind letter and its value.
std::string Key(char kind, std::string_view value) {
  std::string key(1, kind);
  key += value;
  return key;
}

// A word key: the folded code points' bytes as they lie in memory (both
// sides build them here, so they only need to agree with each other).
std::string WordKey(std::u32string_view word) {
  return Key('w', std::string_view(reinterpret_cast<const char*>(word.data()),
                                   word.size() * sizeof(char32_t)));
}

// Calls f(run) for each maximal run of word characters of `text`, in order,
// until f returns false.
template <typename F>
void ForEachWordRun(std::u32string_view text, F f) {
  for (size_t at = 0; at < text.size();) {
    if (!IsWordChar(text[at])) {
      ++at;
      continue;
    }
    size_t end = at;
    while (end < text.size() && IsWordChar(text[end])) ++end;
    if (!f(text.substr(at, end - at))) return;
    at = end;
  }
}

void AddDistinct(std::vector<std::string>& list, std::unordered_set<std::string>& seen,
                 std::string value) {
  if (seen.insert(value).second) list.push_back(std::move(value));
}

}  // namespace

IndicatorMatcher::IndicatorMatcher(const json& alert) {
  if (!alert.is_object()) return;
  const auto it = alert.find("indicators");
  if (it == alert.end() || !it->is_object()) return;
  const json& indicators = *it;

  containers_ = DistinctStrings(ArrayField(indicators, "containers"));
  for (size_t i = 0; i < containers_.size(); ++i) container_index_.emplace(containers_[i], i);
  imos_ = DistinctStrings(ArrayField(indicators, "vessel_imo"));

  for (std::string& name : DistinctStrings(ArrayField(indicators, "companies"))) {
    std::u32string pattern = Normalize(name);
    if (!pattern.empty() && pattern.front() == U' ') pattern.erase(0, 1);
    if (!pattern.empty() && pattern.back() == U' ') pattern.pop_back();
    if (std::none_of(pattern.begin(), pattern.end(), IsWordChar)) continue;
    companies_.push_back({std::move(name), std::move(pattern)});
  }

  if (const json* routes = ArrayField(indicators, "routes")) {
    std::set<std::vector<std::string>> seen_routes;
    for (const json& route : *routes) {
      // A route with a non-string or empty country is unusable rather than
      // silently shorter.
      const auto is_country = [](const json& c) {
        return c.is_string() && !c.get_ref<const std::string&>().empty();
      };
      if (!route.is_array() || route.size() < 2 ||
          !std::all_of(route.begin(), route.end(), is_country)) {
        continue;
      }
      std::vector<std::string> countries;
      for (const json& country : route) countries.push_back(country.get<std::string>());
      if (seen_routes.insert(countries).second) routes_.push_back(std::move(countries));
    }
  }

  for (std::string& code : DistinctStrings(ArrayField(indicators, "hs_codes"))) {
    if (IsHsCode(code)) hs_codes_.push_back(std::move(code));
  }

  std::unordered_set<std::string> seen;
  for (const std::string& container : containers_)
    AddDistinct(needles_, seen, AsJsonText(container));
  for (const std::string& imo : imos_) AddDistinct(needles_, seen, AsJsonText(imo));
  for (const auto& route : routes_) AddDistinct(needles_, seen, AsJsonText(route.front()));
  // Whichever of the two codes is the prefix, the seizure's starts with these.
  for (const std::string& code : hs_codes_) {
    AddDistinct(needles_, seen, "\"" + code.substr(0, kMinHsDigits));
  }
}

bool IndicatorMatcher::empty() const {
  return containers_.empty() && imos_.empty() && companies_.empty() && routes_.empty() &&
         hs_codes_.empty();
}

// The text fields company names are looked for in.
constexpr const char* kTextFields[] = {"description", "conveyance", "concealment", "location"};

IndicatorMatcher::Seizure::Seizure(const json& record) {
  if (!record.is_object()) return;
  if (const auto kind = record.find("kind"); kind != record.end() && *kind != "seizure") return;
  seizure_ = true;
  if (const json* containers = ArrayField(record, "containers")) {
    for (const json& item : *containers) {
      if (item.is_string()) containers_.push_back(item.get_ref<const std::string&>());
    }
  }
  if (const std::string* imo = StringField(record, "vessel_imo")) vessel_imo_ = *imo;
  if (const std::string* code = StringField(record, "hs_code")) hs_code_ = *code;
  if (const std::string* departure = StringField(record, "departure"))
    itinerary_.push_back(*departure);
  if (const json* transit = ArrayField(record, "transit")) {
    for (const json& country : *transit) {
      if (country.is_string()) itinerary_.push_back(country.get_ref<const std::string&>());
    }
  }
  if (const std::string* destination = StringField(record, "destination"))
    itinerary_.push_back(*destination);
  for (const char* field : kTextFields) {
    if (const std::string* text = StringField(record, field)) texts_.push_back(*text);
  }
}

IndicatorMatcher::Seizure::Seizure(const common::MsgpackMap& record) {
  if (record.Contains("kind") && record.Text("kind") != std::string_view("seizure")) return;
  seizure_ = true;
  // Each of an alert's containers (distinct, not empty) is looked for.
  containers_ = record.Texts("containers");
  vessel_imo_ = record.Text("vessel_imo");
  hs_code_ = record.Text("hs_code");
  if (auto departure = record.Text("departure")) itinerary_.push_back(*departure);
  for (const std::string_view country : record.Texts("transit")) itinerary_.push_back(country);
  if (auto destination = record.Text("destination")) itinerary_.push_back(*destination);
  for (const char* field : kTextFields) {
    if (auto text = record.Text(field)) texts_.push_back(*text);
  }
}

const std::vector<std::u32string>& IndicatorMatcher::Seizure::Folded() const {
  if (!folded_) {
    std::vector<std::u32string> folded;  // kept only when whole
    for (const std::string_view text : texts_) folded.push_back(Normalize(text));
    folded_ = std::move(folded);
  }
  return *folded_;
}

std::vector<std::string> IndicatorMatcher::Seizure::Keys(bool words) const {
  std::vector<std::string> keys;
  if (!seizure_) return keys;
  for (const std::string_view container : containers_) keys.push_back(Key('c', container));
  if (vessel_imo_) keys.push_back(Key('i', *vessel_imo_));
  if (hs_code_ && IsHsCode(*hs_code_)) keys.push_back(Key('h', hs_code_->substr(0, kMinHsDigits)));
  for (const std::string_view country : itinerary_) keys.push_back(Key('r', country));
  if (words) {
    for (const std::u32string& text : Folded()) {
      ForEachWordRun(text, [&](std::u32string_view run) {
        keys.push_back(WordKey(run));
        return true;
      });
    }
  }
  return keys;
}

std::vector<std::string> IndicatorMatcher::Keys() const {
  std::vector<std::string> keys;
  for (const std::string& container : containers_) keys.push_back(Key('c', container));
  for (const std::string& imo : imos_) keys.push_back(Key('i', imo));
  for (const std::string& code : hs_codes_) keys.push_back(Key('h', code.substr(0, kMinHsDigits)));
  for (const auto& route : routes_) keys.push_back(Key('r', route.front()));
  for (const Company& company : companies_) {
    // Its first run (a pattern without a word character is not kept).
    ForEachWordRun(company.pattern, [&](std::u32string_view run) {
      keys.push_back(WordKey(run));
      return false;
    });
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::vector<IndicatorHit> IndicatorMatcher::Match(const Seizure& seizure) const {
  std::vector<IndicatorHit> hits;
  if (!seizure.seizure_ || empty()) return hits;

  // The seizure's few containers looked up among the alert's (up to
  // 100,000: compared one by one, a history slice of 500 seizures took 284
  // ms), hits in the alert's order.
  std::vector<size_t> matched;
  for (const std::string_view container : seizure.containers_) {
    const auto at = container_index_.find(std::string(container));
    if (at != container_index_.end()) matched.push_back(at->second);
  }
  std::sort(matched.begin(), matched.end());
  matched.erase(std::unique(matched.begin(), matched.end()), matched.end());
  for (const size_t i : matched) hits.push_back({"containers", containers_[i]});

  if (seizure.vessel_imo_) {
    for (const std::string& wanted : imos_) {
      if (wanted == *seizure.vessel_imo_) hits.push_back({"vessel_imo", wanted});
    }
  }

  if (!companies_.empty()) {
    const std::vector<std::u32string>& texts = seizure.Folded();
    for (const Company& company : companies_) {
      const bool found = std::any_of(texts.begin(), texts.end(), [&](const std::u32string& text) {
        return ContainsWords(text, company.pattern);
      });
      if (found) hits.push_back({"companies", company.name});
    }
  }

  for (const auto& route : routes_) {
    if (FollowsRoute(seizure.itinerary_, route)) hits.push_back({"routes", JoinRoute(route)});
  }

  if (seizure.hs_code_ && IsHsCode(*seizure.hs_code_)) {
    for (const std::string& wanted : hs_codes_) {
      if (HsCodesMatch(wanted, *seizure.hs_code_)) hits.push_back({"hs_codes", wanted});
    }
  }
  return hits;
}

}  // namespace cen::node
