#include "common/record_validator.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/check_digits.h"
#include "common/clock.h"
#include "common/code_lists.h"
#include "common/messages.h"
#include "common/msgpack_json.h"
#include "common/msgpack_key_index.h"
#include "common/msgpack_map.h"
#include "common/record_codec.h"
#include "common/record_fields.h"
#include "common/utf8.h"
#include "common/uuid7.h"

// How the checks run: one Checker per Validate() call walks the fields in a
// fixed order (the envelope, then the fields of the record's kind in the order
// of the field table (common/record_fields.h), then unknown keys by name), so the same record
// always yields the same errors in the same order. A check never reads a value before testing its
// JSON type, so nlohmann never throws type_error here.
//
// Besides filling in defaults, Validate() rewrites one value in place: an IMO
// number ("IMO 9074729", or the JSON integer 9074729) becomes its seven digits
// as a string, "9074729", so every replica stores and searches one spelling.

namespace cen::common {
namespace {

using nlohmann::json;

// Lengths are counted in Unicode code points.
// Those of top-level fields come from the field table.
constexpr size_t kMaxRef = RecordFields::MaxChars("ref");
constexpr size_t kMaxHandlingNote = RecordFields::MaxChars("handling_note");
constexpr size_t kMaxDescription = RecordFields::MaxChars("description");
constexpr size_t kMaxLocation = RecordFields::MaxChars("location");
constexpr size_t kMaxConcealment = RecordFields::MaxChars("concealment");
constexpr size_t kMaxConveyance = RecordFields::MaxChars("conveyance");
constexpr size_t kMaxTitle = RecordFields::MaxChars("title");
constexpr size_t kMaxBody = RecordFields::MaxChars("body");
static_assert(kMaxRef > 0 && kMaxHandlingNote > 0 && kMaxDescription > 0 && kMaxLocation > 0 &&
              kMaxConcealment > 0 && kMaxConveyance > 0 && kMaxTitle > 0 && kMaxBody > 0);
constexpr size_t kMaxCompany = 200;
constexpr size_t kMaxScopeName = 32;
constexpr size_t kMaxNodeId = 64;
constexpr size_t kMaxNominalName = 200;
constexpr size_t kMaxDocumentNumber = 64;

constexpr std::string_view kHandlingCodes[] = {"H0", "H1", "H2", "H3"};
constexpr std::string_view kSourceEvals[] = {"A", "B", "C", "X"};
constexpr std::string_view kGenders[] = {"M", "F", "U"};

constexpr std::string_view kDecisions[] = {"accept", "return"};
constexpr size_t kMaxReason = RecordFields::MaxChars("reason");
constexpr std::string_view kReceiptActions[] = {"delivered", "seen", "actioned", "no-trace", "hit"};
constexpr std::string_view kHitFields[] = {"record", "indicator", "value"};
constexpr size_t kMaxReceiptBy = 64;
constexpr size_t kMaxReceiptNote = 1000;
constexpr size_t kMaxHitValue = 200;
constexpr std::string_view kOffenderFields[] = {"nationality", "gender", "age"};

bool Contains(std::span<const std::string_view> list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string Join(std::span<const std::string_view> list) {
  std::string out;
  for (const std::string_view item : list) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

bool IsControl(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7F;
}

bool AllDigits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), Utf8::IsAsciiDigit);
}

// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard
// Hinnant's days_from_civil).
constexpr int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

// The earliest seizure_date accepted: older dates are typing errors.
constexpr int64_t kFirstDay = DaysFromCivil(1900, 1, 1);
static_assert(kFirstDay == -25567);

int64_t DaysInMonth(int64_t year, int64_t month) {
  static constexpr int64_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// REQUIRES: AllDigits(text).
int64_t ToInt(std::string_view text) {
  int64_t value = 0;
  for (const char c : text) value = value * 10 + (c - '0');
  return value;
}

// "YYYY-MM-DD" naming a real calendar date, as days since 1970-01-01.
std::optional<int64_t> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const std::string_view year = text.substr(0, 4);
  const std::string_view month = text.substr(5, 2);
  const std::string_view day = text.substr(8, 2);
  if (!AllDigits(year) || !AllDigits(month) || !AllDigits(day)) return std::nullopt;
  const int64_t y = ToInt(year);
  const int64_t m = ToInt(month);
  const int64_t d = ToInt(day);
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) return std::nullopt;
  return DaysFromCivil(y, m, d);
}

// A point in time from an RFC 3339 timestamp, in UTC.
struct Instant {
  int64_t seconds = 0;  // since 1970-01-01T00:00:00Z
  int64_t nanos = 0;    // fraction of a second; digits past the ninth are dropped
  auto operator<=>(const Instant&) const = default;
};

// RFC 3339 date-time with a time zone: "2026-11-28T10:00:00Z",
// "2026-11-28T12:00:00.250+02:00". "T" and "Z" may be lower case (RFC 3339
// section 5.6); a leap second (":60") is accepted.
std::optional<Instant> ParseRfc3339(std::string_view text) {
  if (text.size() < 20) return std::nullopt;
  const std::optional<int64_t> days = ParseDate(text.substr(0, 10));
  if (!days || (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const std::string_view hour = text.substr(11, 2);
  const std::string_view minute = text.substr(14, 2);
  const std::string_view second = text.substr(17, 2);
  if (!AllDigits(hour) || !AllDigits(minute) || !AllDigits(second)) return std::nullopt;
  const int64_t h = ToInt(hour);
  const int64_t m = ToInt(minute);
  const int64_t s = ToInt(second);
  if (h > 23 || m > 59 || s > 60) return std::nullopt;

  Instant instant;
  size_t pos = 19;
  if (text[pos] == '.') {
    ++pos;
    const size_t first = pos;
    int64_t scale = 100'000'000;
    for (; pos < text.size() && Utf8::IsAsciiDigit(text[pos]); ++pos) {
      instant.nanos += (text[pos] - '0') * scale;
      scale /= 10;
    }
    if (pos == first) return std::nullopt;
  }
  int64_t offset = 0;
  const std::string_view zone = text.substr(pos);
  if (zone == "Z" || zone == "z") {
    offset = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    const std::string_view zone_hour = zone.substr(1, 2);
    const std::string_view zone_minute = zone.substr(4, 2);
    if (!AllDigits(zone_hour) || !AllDigits(zone_minute)) return std::nullopt;
    const int64_t zh = ToInt(zone_hour);
    const int64_t zm = ToInt(zone_minute);
    if (zh > 23 || zm > 59) return std::nullopt;
    offset = (zone[0] == '-' ? -1 : 1) * (zh * 3600 + zm * 60);
  } else {
    return std::nullopt;
  }
  instant.seconds = *days * 86400 + h * 3600 + m * 60 + s - offset;
  return instant;
}

bool IsScopeNameChar(char c) {
  return Utf8::IsAsciiUpper(c) || Utf8::IsAsciiLower(c) || Utf8::IsAsciiDigit(c) || c == '_' ||
         c == '-';
}

bool IsNodeIdChar(char c) { return IsScopeNameChar(c) || c == '.'; }

bool IsToken(std::string_view text, size_t max, bool (*allowed)(char)) {
  return !text.empty() && text.size() <= max && std::all_of(text.begin(), text.end(), allowed);
}

// "global", "region:CODE", "group:NAME" (CODE and NAME: 1-32 of A-Za-z0-9_-)
// or "nodes:ID[,ID...]" (ID: 1-64 of A-Za-z0-9_.-).
bool IsScope(std::string_view scope) {
  if (scope == "global") return true;
  for (const std::string_view prefix : {"region:", "group:"}) {
    if (scope.starts_with(prefix)) {
      return IsToken(scope.substr(prefix.size()), kMaxScopeName, IsScopeNameChar);
    }
  }
  constexpr std::string_view kNodes = "nodes:";
  if (!scope.starts_with(kNodes)) return false;
  std::string_view ids = scope.substr(kNodes.size());
  while (true) {
    const size_t comma = ids.find(',');
    if (!IsToken(ids.substr(0, comma), kMaxNodeId, IsNodeIdChar)) return false;
    if (comma == std::string_view::npos) return true;
    ids.remove_prefix(comma + 1);
  }
}

// --- Value access, for the two forms a record is checked in: a JSON tree
// (what a person typed, a drop's row) and msgpack read in place (what the hub
// receives), so that one Checker serves both. ---

using Packed = msgpack::object;

bool IsString(const json& v) { return v.is_string(); }
bool IsString(const Packed& v) { return v.type == msgpack::type::STR; }
// REQUIRES: IsString(v).
std::string_view Str(const json& v) { return v.get_ref<const std::string&>(); }
std::string_view Str(const Packed& v) { return MsgpackJson::TextOf(v); }

// Whether `text` is a number too large for a double (1e400).
bool OutOfRange(std::string_view text) {
  double value = 0;
  const char* const end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc::result_out_of_range && p == end;
}

// "1,5" for 1.5 (a national export in a comma-decimal locale): the same
// text with a point, or "" when it is not digits, one comma, digits.
std::string WithDecimalPoint(std::string_view text) {
  const size_t comma = text.find(',');
  if (comma == std::string_view::npos || comma == 0 || comma + 1 == text.size()) return "";
  for (size_t i = 0; i < text.size(); ++i) {
    if (i != comma && (text[i] < '0' || text[i] > '9')) return "";
  }
  std::string out(text);
  out[comma] = '.';
  return out;
}
bool IsText(const json& v, std::string_view text) { return IsString(v) && Str(v) == text; }
bool IsText(const Packed& v, std::string_view text) { return IsString(v) && Str(v) == text; }
bool IsArray(const json& v) { return v.is_array(); }
bool IsArray(const Packed& v) { return v.type == msgpack::type::ARRAY; }
bool IsObject(const json& v) { return v.is_object(); }
bool IsObject(const Packed& v) { return v.type == msgpack::type::MAP; }
// REQUIRES: IsArray(v).
size_t Size(const json& v) { return v.size(); }
size_t Size(const Packed& v) { return v.via.array.size; }
const json& At(const json& v, size_t i) { return v[i]; }
const Packed& At(const Packed& v, size_t i) { return v.via.array.ptr[i]; }

// The member `key` of an object (of a repeated key the last, as in the JSON
// tree), or nullptr. REQUIRES: IsObject(v).
const json* Member(const json& v, std::string_view key) {
  const auto it = v.find(std::string(key));
  return it == v.end() ? nullptr : &*it;
}
const Packed* Member(const Packed& v, std::string_view key) {
  for (uint32_t i = v.via.map.size; i-- > 0;) {
    const auto& kv = v.via.map.ptr[i];
    if (IsString(kv.key) && Str(kv.key) == key) return &kv.val;
  }
  return nullptr;
}

// Calls f(key, value) for each member of an object, once per key (of a
// repeated key the last value), in the order of the JSON tree: keys sorted as
// std::string sorts them. So errors come in the same order whatever order
// the bytes put the keys in. REQUIRES: IsObject(v).
template <typename F>
void ForEachMember(const json& v, F f) {
  for (const auto& [key, item] : v.items()) f(std::string_view(key), item);
}
template <typename F>
void ForEachMember(const Packed& v, F f) {
  for (const auto& [key, item] : MsgpackMap::Members(v)) f(key, *item);
}

// A JSON integer as int64_t (values beyond it saturate, which every range
// check here refuses), or nullopt for anything else, 4.0 included.
std::optional<int64_t> AsInteger(const json& value) {
  if (value.is_number_unsigned()) {
    // Beyond int64 is no integer a record may hold (PROTOCOL.md section 4):
    // refused as out of range, never clamped or wrapped.
    const auto u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<int64_t>();
  return std::nullopt;
}

std::optional<int64_t> AsInteger(const Packed& value) {
  if (value.type == msgpack::type::POSITIVE_INTEGER) {
    if (value.via.u64 > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return std::nullopt;
    return static_cast<int64_t>(value.via.u64);
  }
  if (value.type == msgpack::type::NEGATIVE_INTEGER) return value.via.i64;
  return std::nullopt;
}

// A finite JSON number, integer or not.
std::optional<double> AsNumber(const json& value) {
  if (!value.is_number()) return std::nullopt;
  const auto number = value.get<double>();
  if (!std::isfinite(number)) return std::nullopt;
  return number;
}
std::optional<double> AsNumber(const Packed& value) {
  double number = 0;
  switch (value.type) {
    case msgpack::type::POSITIVE_INTEGER:
      number = static_cast<double>(value.via.u64);
      break;
    case msgpack::type::NEGATIVE_INTEGER:
      number = static_cast<double>(value.via.i64);
      break;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      number = value.via.f64;
      break;
    default:
      return std::nullopt;
  }
  if (!std::isfinite(number)) return std::nullopt;
  return number;
}

// True when every string and key inside `value` is valid UTF-8.
bool AllTextIsUtf8(const json& value) {
  if (value.is_string()) return Utf8::IsValid(value.get_ref<const std::string&>());
  if (value.is_array()) {
    return std::all_of(value.begin(), value.end(),
                       [](const json& item) { return AllTextIsUtf8(item); });
  }
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      if (!Utf8::IsValid(key) || !AllTextIsUtf8(item)) return false;
    }
  }
  return true;
}
bool AllTextIsUtf8(const Packed& value) {
  if (IsString(value)) return Utf8::IsValid(Str(value));
  if (IsArray(value)) {
    for (uint32_t i = 0; i < value.via.array.size; ++i)
      if (!AllTextIsUtf8(value.via.array.ptr[i])) return false;
  }
  bool valid = true;
  if (IsObject(value)) {  // the members the JSON tree keeps, as it keeps them
    ForEachMember(value, [&](std::string_view key, const Packed& item) {
      valid = valid && Utf8::IsValid(key) && AllTextIsUtf8(item);
    });
  }
  return valid;
}

std::string Indexed(const std::string& field, size_t index) {
  return field + "[" + std::to_string(index) + "]";
}

enum class Kind { kSeizure, kAlert, kReceipt, kDecision };

// The state of one Validate() call on a record of value type V (json or
// Packed). It never changes the record: what it fills in or rewrites goes to
// `edits`.
template <typename V>
class Checker {
 public:
  Checker(const V& record, RecordEdits* edits, KeyPolicy policy, int64_t latest_day,
          std::string today)
      : record_(record),
        edits_(edits),
        policy_(policy),
        latest_day_(latest_day),
        today_(std::move(today)) {
    if constexpr (std::is_same_v<V, Packed>) {
      if (IsObject(record_)) keys_.emplace(record_);
    }
  }

  std::vector<FieldError> Run() && {
    if (!IsObject(record_)) return {{"(record)", "must be a JSON object"}};
    const std::optional<Kind> kind = CheckKind();
    CheckEnvelope();
    // Without a kind, which keys belong to the record is unknown: its fields
    // are left unchecked until the kind is right.
    if (kind == Kind::kSeizure) CheckSeizure();
    if (kind == Kind::kAlert) CheckAlert();
    if (kind == Kind::kReceipt) CheckReceipt();
    if (kind == Kind::kDecision) CheckDecision();
    if (kind) CheckUnknownKeys(*kind);
    // What the hub writes on an NCP's record: a node never sets it.
    for (const std::string_view name : RecordFields::Names(FieldGroup::kValidation)) {
      if (Find(name) != nullptr) Fail(std::string(name), N_("set by the hub; leave it out"));
    }
    return std::move(errors_);
  }

 private:
  // `msgid` (a message of the catalogue, its "{}" filled by `args`) is the
  // reason: in English in the error, and in the reader's language through
  // FieldError::Localized().
  // "1,5" says 1.5; "1,500" may be 1500 written with a thousands separator.
  void DecimalComma(const char* field, std::string_view text, const std::string& point) {
    if (text.size() - text.find(',') - 1 == 3) {
      std::string digits(text);
      digits.erase(digits.find(','), 1);
      Fail(field,
           N_("'{}' is not a number: write {} (no thousands separator) or {} (a decimal point)"),
           text, digits, point);
    } else {
      Fail(field, N_("'{}' has a decimal comma: write {}"), text, point);
    }
  }

  template <typename... Args>
  void Fail(std::string field, const char* msgid, const Args&... args) {
    errors_.push_back({std::move(field),
                       fmt::format(fmt::runtime(msgid), args...),
                       msgid,
                       {fmt::format("{}", args)...}});
  }

  // The top-level value of `name`, or nullptr when the record has none.
  const V* Find(std::string_view name) {
    if constexpr (std::is_same_v<V, Packed>) {
      return keys_ ? keys_->Find(name) : nullptr;
    } else {
      return Member(record_, name);
    }
  }

  // Whether a top-level key is in none of the groups `known` (RecordFields::
  // Bit()s): a look through the keys as they come, without sorting them.
  bool AnyKeyBeyond(uint32_t known) {
    bool beyond = false;
    auto check = [&](std::string_view key) {
      beyond = beyond || (RecordFields::GroupsOf(key) & known) == 0;
    };
    if constexpr (std::is_same_v<V, Packed>) {
      for (uint32_t i = 0; i < record_.via.map.size && !beyond; ++i) {
        const Packed& key = record_.via.map.ptr[i].key;
        if (key.type == msgpack::type::STR) check(Str(key));
      }
    } else {
      for (const auto& item : record_.items()) check(item.key());
    }
    return beyond;
  }

  // A value filled in or rewritten at the top level.
  void Set(std::string_view name, RecordEdits::Value value) {
    edits_->fields.emplace_back(std::string(name), std::move(value));
  }

  const V* Required(std::string_view name) {
    const V* value = Find(name);
    if (value == nullptr) Fail(std::string(name), N_("required"));
    return value;
  }

  // `name` must be present when `partner` is ("both or neither").
  void Pair(std::string_view name, std::string_view partner) {
    if (Find(name) == nullptr && Find(partner) != nullptr) {
      Fail(std::string(name), N_("required when {} is given"), partner);
    }
  }

  // --- Checks of one value; each reports at most one error for it. ---

  bool Text(const std::string& field, const V& value, size_t min, size_t max) {
    if (!IsString(value)) {
      Fail(field, N_("must be a string"));
      return false;
    }
    const std::optional<size_t> length = Utf8::CountCodePoints(Str(value));
    if (!length) {
      Fail(field, N_("must be valid UTF-8"));
    } else if (*length < min) {
      Fail(field, N_("must not be empty"));
    } else if (*length > max) {
      Fail(field, N_("must be at most {} characters (has {})"), max, *length);
    } else {
      return true;
    }
    return false;
  }

  bool OneOf(const std::string& field, const V& value, std::span<const std::string_view> allowed) {
    if (IsString(value) && Contains(allowed, Str(value))) return true;
    Fail(field, N_("must be one of {}"), Join(allowed));
    return false;
  }

  void CountryCode(const std::string& field, const V& value) {
    if (IsString(value)) {
      const std::string_view code = Str(value);
      if (CodeLists::IsCountry(code)) return;
      std::string upper(code);
      for (char& c : upper) {
        if (Utf8::IsAsciiLower(c)) c = static_cast<char>(c - 'a' + 'A');
      }
      if (CodeLists::IsCountry(upper)) {
        Fail(field, N_("must be upper case: {}"), upper);
        return;
      }
    }
    Fail(field, N_("must be an ISO 3166-1 alpha-2 country code, like FR"));
  }

  void Uuid(const std::string& field, const V& value) {
    if (IsString(value) && Uuid7::IsCanonical(Str(value))) return;
    Fail(field, N_("must be a UUID in canonical lower-case form (8-4-4-4-12 hex digits)"));
  }

  void Container(const std::string& field, const V& value) {
    if (IsString(value)) {
      const std::string_view text = Str(value);
      if (CheckDigits::IsValidIso6346(text)) return;
      const bool shape_ok = text.size() == 11 &&
                            std::all_of(text.begin(), text.begin() + 4, Utf8::IsAsciiUpper) &&
                            std::all_of(text.begin() + 4, text.end(), Utf8::IsAsciiDigit);
      if (shape_ok) {
        Fail(field, N_("wrong ISO 6346 check digit or category (U, J or Z) in {}"), text);
        return;
      }
    }
    Fail(field, N_("must be an ISO 6346 container number, like CSQU3054383"));
  }

  // A valid IMO number's seven digits when the value must be rewritten to
  // them; nullopt when it is already written so, or invalid (reported).
  std::optional<std::string> Imo(const std::string& field, const V& value) {
    std::optional<std::string> digits;
    if (IsString(value)) {
      digits = CheckDigits::NormalizeImo(Str(value));
    } else if (const std::optional<int64_t> number = AsInteger(value); number && *number >= 0) {
      digits = CheckDigits::NormalizeImo(std::to_string(*number));
    }
    if (digits) {
      if (IsText(value, *digits)) return std::nullopt;
      return digits;
    }
    Fail(field,
         N_("must be an IMO ship number with a valid check digit, like 9074729 or IMO 9074729"));
    return std::nullopt;
  }

  void HsCode(const std::string& field, const V& value) {
    if (!IsString(value)) {
      Fail(field, N_("must be a string of 6 to 10 digits, like 293972 (HS 2939.72 written without "
                     "its dot)"));
      return;
    }
    const std::string_view code = Str(value);
    if (code.size() < 6 || code.size() > 10 || !AllDigits(code)) {
      Fail(field, N_("must be a string of 6 to 10 digits, like 293972 (HS 2939.72 written without "
                     "its dot)"));
    } else if (!CodeLists::IsHsSubheading(std::string_view(code).substr(0, 6))) {
      Fail(field, N_("{} is not a Harmonized System subheading"), code.substr(0, 6));
    }
  }

  void IntegerIn(const std::string& field, const V& value, int64_t min, int64_t max,
                 const char* reason) {
    const std::optional<int64_t> number = AsInteger(value);
    if (!number || *number < min || *number > max) Fail(field, reason);
  }

  void NumberIn(const std::string& field, const V& value, double min, double max,
                const char* reason) {
    const std::optional<double> number = AsNumber(value);
    if (!number || *number < min || *number > max) Fail(field, reason);
  }

  // Calls check(element_field, element) for each element of an array.
  template <typename Check>
  void Each(const std::string& field, const V& value, Check check) {
    if (!IsArray(value)) {
      Fail(field, N_("must be an array"));
      return;
    }
    for (size_t i = 0; i < Size(value); ++i) check(Indexed(field, i), At(value, i));
  }

  // --- The record, field by field. ---

  std::optional<Kind> CheckKind() {
    const V* kind = Required("kind");
    if (kind == nullptr) return std::nullopt;
    if (IsText(*kind, "seizure")) return Kind::kSeizure;
    if (IsText(*kind, "alert")) return Kind::kAlert;
    if (IsText(*kind, "receipt")) {
      if (policy_ == KeyPolicy::kKeepUnknown) return Kind::kReceipt;
      Fail("kind",
           N_("receipts are written by the node itself (cen-node ack); hand in seizure or alert"));
      return std::nullopt;
    }
    if (IsText(*kind, "decision")) {
      if (policy_ == KeyPolicy::kKeepUnknown) return Kind::kDecision;
      Fail("kind",
           N_("decisions are made at the RILO's node (cen-node accept, cen-node return); hand in "
              "seizure or alert"));
      return std::nullopt;
    }
    Fail("kind", N_("must be seizure or alert"));
    return std::nullopt;
  }

  void CheckEnvelope() {
    if (const V* ref = Required("ref"); ref != nullptr && Text("ref", *ref, 1, kMaxRef)) {
      const std::string_view text = Str(*ref);
      if (std::any_of(text.begin(), text.end(), IsControl)) {
        Fail("ref", N_("must not contain control characters"));
      }
    }

    if (policy_ == KeyPolicy::kKeepUnknown) {
      if (const V* uuid = Required("uuid")) Uuid("uuid", *uuid);
      if (const V* version = Required("version")) {
        IntegerIn("version", *version, 1, std::numeric_limits<int64_t>::max(),
                  N_("must be an integer, 1 or more"));
      }
      // origin, gseq and received_at: the hub overwrites them.
    } else {
      if (const V* uuid = Find("uuid")) Uuid("uuid", *uuid);
      if (Find("version") != nullptr) Fail("version", N_("assigned by the node; leave it out"));
      for (const std::string_view name : {"origin", "gseq", "received_at"}) {
        if (Find(name) != nullptr) Fail(std::string(name), N_("set by the hub; leave it out"));
      }
    }

    if (const V* scope = Find("scope")) {
      if (!IsString(*scope) || !IsScope(Str(*scope))) {
        Fail("scope", N_("must be global, region:CODE or group:NAME (1-32 of A-Z a-z 0-9 _ -), or "
                         "nodes:ID[,ID...] (1-64 of A-Z a-z 0-9 _ . -)"));
      }
    } else {
      Set("scope", "global");
    }

    bool h3 = false;
    if (const V* handling = Find("handling")) {
      h3 = OneOf("handling", *handling, kHandlingCodes) && IsText(*handling, "H3");
    } else {
      Set("handling", "H0");
    }
    const V* note = Find("handling_note");
    if (note != nullptr) Text("handling_note", *note, 0, kMaxHandlingNote);
    if (h3 && (note == nullptr || IsText(*note, ""))) {
      Fail("handling_note", N_("required, not empty, when handling is H3"));
    }

    if (const V* source_eval = Find("source_eval")) {
      OneOf("source_eval", *source_eval, kSourceEvals);
    } else {
      Set("source_eval", "X");
    }

    if (const V* info_eval = Find("info_eval")) {
      IntegerIn("info_eval", *info_eval, 1, 4, N_("must be an integer from 1 to 4"));
    } else {
      Set("info_eval", int64_t{4});
    }

    if (const V* lang = Find("lang")) {
      if (!IsString(*lang) || !CodeLists::IsLanguage(Str(*lang))) {
        Fail("lang", N_("must be an ISO 639-1 language code in lower case, like en"));
      }
    } else {
      Set("lang", "en");
    }
  }

  void CheckSeizure() {
    if (const V* date = Required("seizure_date")) {
      const std::optional<int64_t> day = IsString(*date) ? ParseDate(Str(*date)) : std::nullopt;
      if (!day) {
        Fail("seizure_date", N_("must be a calendar date written YYYY-MM-DD, like 2026-11-28"));
      } else if (*day < kFirstDay) {
        Fail("seizure_date", N_("must not be before 1900-01-01"));
      } else if (*day > latest_day_) {
        Fail("seizure_date", N_("must not be after tomorrow (today is {} UTC)"), today_);
      }
    }
    if (const V* country = Required("reporting_country")) {
      CountryCode("reporting_country", *country);
    }
    if (const V* commodity = Required("commodity")) {
      OneOf("commodity", *commodity, CodeLists::Commodities());
    }
    if (const V* description = Required("description")) {
      Text("description", *description, 1, kMaxDescription);
    }
    if (const V* quantity = Required("quantity")) {
      const std::optional<double> number = AsNumber(*quantity);
      if (const std::string point = IsString(*quantity) ? WithDecimalPoint(Str(*quantity)) : "";
          !point.empty()) {
        DecimalComma("quantity", Str(*quantity), point);
      } else if (!number && IsString(*quantity) && Str(*quantity).starts_with('+')) {
        // A trial read "must be a number" of +3 and of 1e400 alike.
        Fail("quantity", N_("is written without a '+' sign"));
      } else if (!number && IsString(*quantity) && OutOfRange(Str(*quantity))) {
        Fail("quantity", N_("is beyond the range of a number"));
      } else if (!number || *number <= 0) {
        Fail("quantity", N_("must be a number greater than 0"));
      }
    }
    if (const V* unit = Required("unit")) {
      if (!IsString(*unit) || !CodeLists::IsUnit(Str(*unit))) {
        Fail("unit", N_("must be one of {} (UN/ECE Rec 20)"), Join(CodeLists::Units()));
      }
    }

    if (const V* hs_code = Find("hs_code")) HsCode("hs_code", *hs_code);
    if (const V* location = Find("location")) Text("location", *location, 0, kMaxLocation);
    if (const V* locode = Find("locode")) CheckLocode(*locode);
    if (const V* lat = Find("lat")) {
      NumberIn("lat", *lat, -90, 90, N_("must be a number from -90 to 90"));
    }
    Pair("lat", "lon");
    if (const V* lon = Find("lon")) {
      NumberIn("lon", *lon, -180, 180, N_("must be a number from -180 to 180"));
    }
    Pair("lon", "lat");
    if (const V* type = Find("location_type")) {
      OneOf("location_type", *type, CodeLists::LocationTypes());
    }
    if (const V* direction = Find("direction")) {
      OneOf("direction", *direction, CodeLists::Directions());
    }
    if (const V* detection = Find("detection")) {
      OneOf("detection", *detection, CodeLists::DetectionMethods());
    }
    if (const V* concealment = Find("concealment")) {
      Text("concealment", *concealment, 0, kMaxConcealment);
    }
    if (const V* mode = Find("transport_mode")) {
      IntegerIn("transport_mode", *mode, 0, 9,
                N_("must be an integer from 0 to 9 (UN/ECE Rec 19 mode of transport)"));
    }
    if (const V* conveyance = Find("conveyance")) {
      Text("conveyance", *conveyance, 0, kMaxConveyance);
    }
    if (const V* containers = Find("containers")) {
      Each("containers", *containers,
           [this](const std::string& field, const V& v) { Container(field, v); });
    }
    if (const V* imo = Find("vessel_imo")) {
      if (auto digits = Imo("vessel_imo", *imo)) Set("vessel_imo", std::move(*digits));
    }
    if (const V* departure = Find("departure")) CountryCode("departure", *departure);
    if (const V* destination = Find("destination")) CountryCode("destination", *destination);
    if (const V* transit = Find("transit")) {
      Each("transit", *transit,
           [this](const std::string& field, const V& v) { CountryCode(field, v); });
    }
    if (const V* value = Find("value")) {
      const std::optional<double> number = AsNumber(*value);
      if (const std::string point = IsString(*value) ? WithDecimalPoint(Str(*value)) : "";
          !point.empty()) {
        DecimalComma("value", Str(*value), point);
      } else if (!number || *number < 0) {
        Fail("value", N_("must be a number, 0 or more"));
      }
    }
    Pair("value", "currency");
    if (const V* currency = Find("currency")) {
      if (!IsString(*currency) || !CodeLists::IsCurrency(Str(*currency))) {
        Fail("currency", N_("must be an ISO 4217 currency code, like EUR"));
      }
    }
    Pair("currency", "value");
    if (const V* offenders = Find("offenders")) {
      Each("offenders", *offenders,
           [this](const std::string& field, const V& v) { CheckOffender(field, v); });
    }
  }

  // UN/LOCODE: an ISO 3166-1 country and three of A-Z, 2-9 ("NLRTM").
  void CheckLocode(const V& value) {
    if (IsString(value)) {
      const std::string_view code = Str(value);
      const auto is_place_char = [](char c) {
        return Utf8::IsAsciiUpper(c) || (c >= '2' && c <= '9');
      };
      if (code.size() == 5 && std::all_of(code.begin() + 2, code.end(), is_place_char)) {
        if (CodeLists::IsCountry(std::string_view(code).substr(0, 2))) return;
        Fail("locode", N_("{} is not an ISO 3166-1 country"), code.substr(0, 2));
        return;
      }
    }
    Fail("locode", N_("must be a UN/LOCODE: country code and 3 of A-Z 2-9, like NLRTM"));
  }

  // Offenders are non-nominal: nationality, gender and age, nothing that names
  // or identifies a person, whatever the key policy.
  void CheckOffender(const std::string& field, const V& offender) {
    if (!IsObject(offender)) {
      Fail(field, N_("must be an object with nationality, gender and/or age"));
      return;
    }
    if (const V* it = Member(offender, "nationality"); it != nullptr) {
      CountryCode(field + ".nationality", *it);
    }
    if (const V* it = Member(offender, "gender"); it != nullptr) {
      OneOf(field + ".gender", *it, kGenders);
    }
    if (const V* it = Member(offender, "age"); it != nullptr) {
      IntegerIn(field + ".age", *it, 0, 120, N_("must be an integer from 0 to 120"));
    }
    if (const V* it = Member(offender, "nominal");
        it != nullptr && policy_ == KeyPolicy::kRefuseUnknown) {
      CheckNominal(field + ".nominal", *it);
    }
    ForEachMember(offender, [&](std::string_view key, const V&) {
      if (key == "nominal" && policy_ == KeyPolicy::kRefuseUnknown) return;
      if (!Contains(kOffenderFields, key)) {
        Fail(field + "." + Utf8::Printable(key),
             N_("not allowed: shared records carry no names or other personal details "
                "(non-nominal data only: nationality, gender, age)"));
      }
    });
  }

  // Nominal details a user may give for an offender of one of the node's own
  // records: kept in the node's local table, stripped before anything is
  // sent (node/store/nominal_details.h). Never accepted on the wire.
  void CheckNominal(const std::string& field, const V& nominal) {
    if (!IsObject(nominal)) {
      Fail(field, N_("must be an object with name, document_number and/or birth_date"));
      return;
    }
    ForEachMember(nominal, [&](std::string_view key, const V& value) {
      if (key == "name") {
        Text(field + ".name", value, 1, kMaxNominalName);
      } else if (key == "document_number") {
        Text(field + ".document_number", value, 1, kMaxDocumentNumber);
      } else if (key == "birth_date") {
        if (!IsString(value) || !ParseDate(Str(value)))
          Fail(field + ".birth_date", N_("must be a calendar date written YYYY-MM-DD"));
      } else {
        Fail(field + "." + Utf8::Printable(key),
             N_("unknown; nominal details are name, document_number and birth_date"));
      }
    });
  }

  void CheckAlert() {
    if (const V* title = Required("title")) Text("title", *title, 1, kMaxTitle);
    if (const V* body = Required("body")) Text("body", *body, 1, kMaxBody);
    if (const V* priority = Required("priority")) {
      OneOf("priority", *priority, CodeLists::Priorities());
    }

    std::string msg_type = "alert";
    if (const V* type = Find("msg_type")) {
      if (OneOf("msg_type", *type, CodeLists::MsgTypes())) {
        msg_type = std::string(Str(*type));
      }
    } else {
      Set("msg_type", "alert");
    }
    if (const V* references = Find("references")) {
      if (!IsArray(*references) || Size(*references) == 0) {
        Fail("references", N_("must be a non-empty array of record uuids"));
      } else {
        Each("references", *references,
             [this](const std::string& field, const V& v) { Uuid(field, v); });
      }
    } else if (msg_type != "alert") {
      Fail("references", N_("required when msg_type is {}"), msg_type);
    }
    // Set by the sending node (PROTOCOL.md §4.1): the version of each alert
    // an update or cancel was written against. Not for a person to type.
    if (const V* versions = Find("alert_versions");
        versions != nullptr && policy_ == KeyPolicy::kKeepUnknown) {
      CheckAlertVersions(*versions, msg_type);
    }

    const std::optional<Instant> issued = Timestamp("issued_at");
    const std::optional<Instant> expires = Timestamp("expires_at");
    if (issued && expires && *expires <= *issued) Fail("expires_at", N_("must be after issued_at"));

    if (const V* commodity = Find("commodity")) {
      OneOf("commodity", *commodity, CodeLists::Commodities());
    }
    if (const V* indicators = Find("indicators")) CheckIndicators(*indicators);
  }

  void CheckAlertVersions(const V& versions, const std::string& msg_type) {
    if (msg_type == "alert" || !IsObject(versions)) {
      Fail("alert_versions", N_("must be a map from alert uuids in references to versions, in an "
                                "update or cancel"));
      return;
    }
    const V* references = Find("references");
    ForEachMember(versions, [&](std::string_view uuid, const V& version) {
      const std::string field = "alert_versions." + Utf8::Printable(uuid);
      bool named = false;
      if (references != nullptr && IsArray(*references)) {
        for (size_t i = 0; i < Size(*references); ++i) {
          const V& ref = At(*references, i);
          if (IsString(ref) && Str(ref) == uuid) named = true;
        }
      }
      if (!named) Fail(field, N_("names an alert references does not"));
      IntegerIn(field, version, 1, std::numeric_limits<int64_t>::max(),
                N_("must be an integer, 1 or more"));
    });
  }

  // A receipt (PROTOCOL.md §4.2) only ever comes from a node: the hub checks
  // here its shape, and in the journal what it names (Journal::Append).
  void CheckReceipt() {
    if (const V* alert = Required("alert")) Uuid("alert", *alert);
    const V* action = Required("action");
    const bool hit =
        action != nullptr && OneOf("action", *action, kReceiptActions) && IsText(*action, "hit");
    if (Required("at") != nullptr) Timestamp("at");
    if (const V* by = Find("by")) Text("by", *by, 1, kMaxReceiptBy);
    if (const V* note = Find("note")) Text("note", *note, 0, kMaxReceiptNote);
    const V* details = Find("hit");
    if (hit && details == nullptr) Fail("hit", N_("required when action is hit"));
    if (!hit && details != nullptr) Fail("hit", N_("only with action hit"));
    if (!hit || details == nullptr) return;
    if (!IsObject(*details)) {
      Fail("hit", N_("must be an object with record, indicator and value"));
      return;
    }
    const V* record = Member(*details, "record");
    if (record == nullptr) {
      Fail("hit.record", N_("required"));
    } else {
      Uuid("hit.record", *record);
    }
    const V* indicator = Member(*details, "indicator");
    if (indicator == nullptr) {
      Fail("hit.indicator", N_("required"));
    } else {
      OneOf("hit.indicator", *indicator, RecordFields::Names(FieldGroup::kIndicator));
    }
    const V* value = Member(*details, "value");
    if (value == nullptr) {
      Fail("hit.value", N_("required"));
    } else {
      Text("hit.value", *value, 1, kMaxHitValue);
    }
    ForEachMember(*details, [&](std::string_view key, const V&) {
      if (!Contains(kHitFields, key)) Fail("hit." + Utf8::Printable(key), N_("unknown field"));
    });
  }

  // A RILO's decision on an NCP's record (PROTOCOL.md §4.3): its shape here,
  // whether this node may decide in the journal (Journal::Append).
  void CheckDecision() {
    const V* decision = Required("decision");
    const bool giving_back = decision != nullptr && OneOf("decision", *decision, kDecisions) &&
                             IsText(*decision, "return");
    if (const V* record = Required("record")) Uuid("record", *record);
    if (const V* version = Required("record_version")) {
      IntegerIn("record_version", *version, 1, std::numeric_limits<int64_t>::max(),
                N_("must be an integer, 1 or more"));
    }
    const V* reason = Find("reason");
    if (reason != nullptr && decision != nullptr && IsText(*decision, "accept")) {
      // An acceptance reaches the record's whole scope: no note rides on it.
      Fail("reason", N_("only with decision return"));
    } else if (reason != nullptr) {
      Text("reason", *reason, giving_back ? 1 : 0, kMaxReason);
    } else if (giving_back) {
      Fail("reason", N_("required when decision is return: tell the NCP what to correct"));
    }
    if (Find("accepted") != nullptr) Fail("accepted", N_("set by the hub; leave it out"));
    Timestamp("decided_at");
  }

  // The instant of an optional timestamp field, nullopt when absent or wrong.
  std::optional<Instant> Timestamp(std::string_view name) {
    const V* value = Find(name);
    if (value == nullptr) return std::nullopt;
    std::optional<Instant> instant;
    if (IsString(*value)) instant = ParseRfc3339(Str(*value));
    if (!instant) {
      Fail(std::string(name),
           N_("must be an RFC 3339 timestamp with a time zone, like 2026-11-28T10:00:00Z"));
    }
    return instant;
  }

  void CheckIndicators(const V& indicators) {
    if (!IsObject(indicators)) {
      Fail("indicators", N_("must be an object"));
      return;
    }
    if (const V* it = Member(indicators, "containers"); it != nullptr) {
      Each("indicators.containers", *it,
           [this](const std::string& field, const V& v) { Container(field, v); });
    }
    if (const V* it = Member(indicators, "vessel_imo"); it != nullptr) {
      if (!IsArray(*it)) {
        Fail("indicators.vessel_imo", N_("must be an array"));
      } else {
        for (size_t i = 0; i < Size(*it); ++i) {
          if (auto digits = Imo(Indexed("indicators.vessel_imo", i), At(*it, i)))
            edits_->indicator_imos.emplace_back(i, std::move(*digits));
        }
      }
    }
    if (const V* it = Member(indicators, "companies"); it != nullptr) {
      Each("indicators.companies", *it,
           [this](const std::string& field, const V& v) { Text(field, v, 1, kMaxCompany); });
    }
    if (const V* it = Member(indicators, "routes"); it != nullptr) {
      Each("indicators.routes", *it, [this](const std::string& field, const V& route) {
        if (!IsArray(route) || Size(route) < 2) {
          Fail(field, N_("must be an array of at least 2 ISO 3166-1 alpha-2 countries"));
          return;
        }
        Each(field, route, [this](const std::string& f, const V& v) { CountryCode(f, v); });
      });
    }
    if (const V* it = Member(indicators, "hs_codes"); it != nullptr) {
      Each("indicators.hs_codes", *it,
           [this](const std::string& field, const V& v) { HsCode(field, v); });
    }
    if (policy_ == KeyPolicy::kRefuseUnknown) {
      ForEachMember(indicators, [&](std::string_view key, const V&) {
        if ((RecordFields::GroupsOf(key) & RecordFields::Bit(FieldGroup::kIndicator)) == 0) {
          Fail("indicators." + Utf8::Printable(key), N_("unknown field"));
        }
      });
    }
  }

  void CheckUnknownKeys(Kind kind) {
    using G = FieldGroup;
    const auto bit = RecordFields::Bit;
    const G own = kind == Kind::kSeizure   ? G::kSeizure
                  : kind == Kind::kAlert   ? G::kAlert
                  : kind == Kind::kReceipt ? G::kReceipt
                                           : G::kDecision;
    const uint32_t other = bit(kind == Kind::kSeizure ? G::kAlert : G::kSeizure);
    // The hub-set ones are refused on their own (Run()), with what sets them.
    const uint32_t known = bit(G::kEnvelope) | bit(own) | bit(G::kValidation);
    const auto is_known = [&](std::string_view key) {
      return (RecordFields::GroupsOf(key) & known) != 0;
    };
    // Nearly every record has none: the keys are sorted (the JSON tree's
    // order, which the errors follow) only for one that has.
    if (!AnyKeyBeyond(known)) return;
    if (policy_ == KeyPolicy::kKeepUnknown) {
      // Kept and relayed to every replica in scope, which stores records as
      // JSON: text JSON cannot carry is refused here, naming the key.
      ForEachMember(record_, [&](std::string_view key, const V& value) {
        if (is_known(key)) return;
        if (!AllTextIsUtf8(value)) Fail(Utf8::Printable(key), N_("must be valid UTF-8"));
      });
      return;
    }
    ForEachMember(record_, [&](std::string_view key, const V&) {
      if (is_known(key)) return;
      if ((RecordFields::GroupsOf(key) & other) != 0) {
        Fail(std::string(key), kind == Kind::kSeizure ? N_("unknown field for a seizure")
                                                      : N_("unknown field for an alert"));
      } else {
        Fail(Utf8::Printable(key), N_("unknown field"));
      }
    });
  }

  const V& record_;
  // A packed record's top-level keys, hashed once (of a repeated key the
  // last, as Member() reads it): Find() is one hash and one comparison.
  std::optional<MsgpackKeyIndex> keys_;
  RecordEdits* edits_;
  const KeyPolicy policy_;
  const int64_t latest_day_;  // the last seizure_date accepted, in days since 1970-01-01
  const std::string today_;
  std::vector<FieldError> errors_;
};

}  // namespace

RecordValidator::RecordValidator(KeyPolicy policy, std::string today)
    : policy_(policy), today_(std::move(today)) {
  assert(today_.empty() || ParseDate(today_).has_value());
}

int64_t RecordValidator::LatestDay(std::string* today) const {
  // An empty `today_` is read from the clock on every call, so a validator
  // that lives for days in a daemon does not freeze its idea of "today".
  *today = today_.empty() ? Clock::TodayUtc() : today_;
  std::optional<int64_t> day = ParseDate(*today);
  if (!day) {  // a malformed `today` in a release build: fall back to the clock
    *today = Clock::TodayUtc();
    day = ParseDate(*today);
  }
  return day.value_or(std::numeric_limits<int64_t>::max() - 1) + 1;
}

std::vector<FieldError> RecordValidator::Validate(nlohmann::json& record) const {
  std::string today;
  const int64_t latest_day = LatestDay(&today);
  RecordEdits edits;
  auto errors = Checker<json>(record, &edits, policy_, latest_day, std::move(today)).Run();
  edits.ApplyTo(record);
  return errors;
}

std::vector<FieldError> RecordValidator::Validate(const msgpack::object& record,
                                                  RecordEdits* edits) const {
  std::string today;
  const int64_t latest_day = LatestDay(&today);
  edits->fields.clear();
  edits->indicator_imos.clear();
  return Checker<Packed>(record, edits, policy_, latest_day, std::move(today)).Run();
}

std::vector<FieldError> RecordValidator::Validate(Record& record) const {
  msgpack::zone zone;
  RecordEdits edits;
  auto errors = Validate(RecordCodec::View(record, zone), &edits);
  if (errors.empty()) edits.ApplyTo(record);
  return errors;
}

std::optional<int64_t> RecordValidator::TimestampMillis(std::string_view text) {
  const std::optional<Instant> instant = ParseRfc3339(text);
  if (!instant) return std::nullopt;
  return instant->seconds * 1000 + instant->nanos / 1'000'000;
}

std::string FieldError::Localized() const {
  return msgid != nullptr ? Messages::FormatList(msgid, args) : reason;
}

}  // namespace cen::common
