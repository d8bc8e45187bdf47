// Which indicators of an alert a seizure matches: the alert's `indicators`
// (containers, vessel_imo, companies, routes, hs_codes) checked against one
// seizure record, with literal needles to prefilter a history scan in SQL.
//
//   IndicatorMatcher matcher(alert);
//   if (matcher.empty()) return;  // nothing to look for
//   // SELECT doc FROM latest WHERE instr(doc, ?) OR instr(doc, ?) ...
//   // with one `?` per Needles() entry; without any WHERE on doc
//   // when !NeedlesComplete().
//   for (const IndicatorHit& hit : matcher.Match(json::parse(doc))) {
//     // hit.indicator == "containers", hit.value == "CSQU3054383", ...
//   }
//
// Matching rules, one per indicator (values of a wrong JSON type, on either
// side, are ignored; so is an alert value that could never match):
// - containers: an alert container equals one of the seizure's `containers`.
// - vessel_imo: an alert IMO number equals the seizure's `vessel_imo` (both are
//   compared as written; the validator normalises them to seven digits).
// - hs_codes: the alert's and the seizure's `hs_code` (each 6 to 10 digits)
//   are equal or one is a prefix of the other: "293972" matches "29397200"
//   and the other way round. Codes of other shapes are ignored.
// - companies: the name occurs in the seizure's `description`, `conveyance`,
//   `concealment` or `location`, case-insensitively, and neither starts nor
//   ends inside a word: "Acme Trading" matches "shipped by ACME trading, Quito"
//   but not "Acme Tradings". A word character is an ASCII letter or digit or
//   any non-ASCII character; runs of whitespace (and U+00A0) compare as one
//   space. Case folding covers ASCII, Latin-1, Latin Extended-A, basic Greek
//   and Cyrillic; other letters compare exactly, and there is no Unicode
//   normalisation (a precomposed "é" differs from "e" + U+0301). Names with no
//   word character are ignored.
// - routes: the route's countries occur in the seizure's itinerary
//   [departure] + transit + [destination] (absent parts left out) in the same
//   order, not necessarily adjacent: EC>NL matches EC>PA>NL, not NL>EC.
//
// A record whose `kind` is present and is not "seizure" matches nothing; the
// alert's own `kind` is not checked.
//
// Thread-safe: immutable after construction, so const methods may be called
// from several threads at once (each with a Seizure of its own).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/msgpack_map.h"

namespace cen::node {

struct IndicatorHit {
  // "containers" | "vessel_imo" | "companies" | "routes" | "hs_codes"
  std::string indicator;
  // The alert's value as text: container number, IMO number, company name as
  // the alert writes it, route joined with ">" ("EC>NL"), HS code.
  std::string value;

  bool operator==(const IndicatorHit&) const = default;
};

class IndicatorMatcher {
 public:
  // What the indicators look at in one record, read once and shared by
  // every alert's matcher: from a JSON tree (a history scan) or in place
  // from the msgpack the hub sent (every record the agent applies), so a
  // seizure needs no tree, and its texts are folded once, not per alert.
  // Views into the record, which must outlive it. Not thread-safe (the
  // folded texts are made on first use).
  class Seizure {
   public:
    explicit Seizure(const nlohmann::json& record);
    explicit Seizure(const common::MsgpackMap& record);
    // Its views would outlive the record.
    explicit Seizure(nlohmann::json&& record) = delete;
    explicit Seizure(common::MsgpackMap&& record) = delete;

    // What an index of alerts is asked with (IndicatorMatcher::Keys): its
    // containers, IMO number, HS code's first six digits and itinerary
    // countries, and, when `words`, every run of word characters of its
    // folded texts. Empty for a record that is no seizure.
    [[nodiscard]] std::vector<std::string> Keys(bool words) const;

   private:
    friend class IndicatorMatcher;
    // description, conveyance, concealment, location: folded, on first use.
    const std::vector<std::u32string>& Folded() const;

    bool seizure_ = false;                      // a map whose kind is absent or "seizure"
    std::vector<std::string_view> containers_;  // strings, in order
    std::optional<std::string_view> vessel_imo_;
    std::optional<std::string_view> hs_code_;
    std::vector<std::string_view> itinerary_;  // departure, transit..., destination
    std::vector<std::string_view> texts_;      // the four texts present
    mutable std::optional<std::vector<std::u32string>> folded_;
  };

  // Reads alert["indicators"]. Unknown keys, values of a wrong type and
  // duplicate values are ignored. Never throws on any JSON input.
  explicit IndicatorMatcher(const nlohmann::json& alert);

  // True when the alert has no usable indicator: Match() always returns {}.
  [[nodiscard]] bool empty() const;

  // Every indicator of the alert that `seizure` matches, in indicator order
  // (containers, vessel_imo, companies, routes, hs_codes; within one, in the
  // alert's order), each (indicator, value) at most once. Never throws on any
  // JSON input.
  [[nodiscard]] std::vector<IndicatorHit> Match(const nlohmann::json& seizure) const {
    return Match(Seizure(seizure));
  }
  [[nodiscard]] std::vector<IndicatorHit> Match(const Seizure& seizure) const;

  // Keys that index this alert by what a hit needs: Match() finds a hit only
  // when the seizure's Seizure::Keys(true) share one of them. Each is a
  // letter and a value: "c" a container, "i" an IMO number, "h" the first
  // six digits of an HS code (of two codes one is a prefix of the other only
  // if both start so), "r" the first country of a route (it must be in the
  // itinerary), "w" the first run of word characters of a company name,
  // folded (an occurrence starts and ends outside a word, so that run is a
  // whole run of the text, folded the same way). Empty when empty().
  [[nodiscard]] std::vector<std::string> Keys() const;
  // Whether Keys() has a word ("w") key: a seizure's words are worth reading.
  [[nodiscard]] bool HasWordKeys() const { return !companies_.empty(); }

  // Distinct literal strings for an SQL prefilter `instr(doc, ?)` over records
  // stored as nlohmann's dump(-1, ' ', false, replace): when NeedlesComplete(),
  // the JSON text of every record Match() finds a hit in contains at least one
  // of them. They are: each container and IMO number as a JSON string (quoted
  // and escaped), `"` + the first 6 digits of each HS code, and the first
  // country of each route as a JSON string ("\"EC\""). Empty when empty().
  [[nodiscard]] const std::vector<std::string>& Needles() const { return needles_; }

  // False when a match may contain none of the needles, so a scan must read
  // every record: the case when the alert has a usable company name, since
  // names match case-insensitively and JSON may escape their characters. True
  // when empty() (nothing matches).
  [[nodiscard]] bool NeedlesComplete() const { return companies_.empty(); }

 private:
  struct Company {
    std::string name;        // as the alert writes it
    std::u32string pattern;  // folded and whitespace-collapsed, not empty
  };

  std::vector<std::string> containers_;
  std::unordered_map<std::string, size_t> container_index_;  // container -> its place
  std::vector<std::string> imos_;
  std::vector<Company> companies_;
  std::vector<std::vector<std::string>> routes_;  // each of 2 or more countries
  std::vector<std::string> hs_codes_;             // each 6 to 10 digits
  std::vector<std::string> needles_;
};

}  // namespace cen::node
