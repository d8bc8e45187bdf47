#include "common/record_codec.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <type_traits>

#include "common/json_text.h"
#include "common/json_to_msgpack.h"
#include "common/msgpack_json.h"
#include "common/msgpack_map.h"
#include "common/record_fields.h"

namespace cen::common {
namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;
using Indicated = std::optional<Indicators>;

template <typename S>
using FieldMember = std::variant<Text S::*, Integer S::*, OptionalNumber S::*, TextList S::*,
                                 RouteList S::*, OffenderList S::*, Indicated S::*>;

template <typename S>
struct Slot {
  std::string_view name;
  FieldMember<S> member;
};

// The members, in the order of their rows in RecordFields (checked below).
constexpr Slot<Envelope> kEnvelopeSlots[] = {
    {"kind", &Envelope::kind},
    {"ref", &Envelope::ref},
    {"uuid", &Envelope::uuid},
    {"version", &Envelope::version},
    {"origin", &Envelope::origin},
    {"gseq", &Envelope::gseq},
    {"received_at", &Envelope::received_at},
    {"scope", &Envelope::scope},
    {"handling", &Envelope::handling},
    {"handling_note", &Envelope::handling_note},
    {"source_eval", &Envelope::source_eval},
    {"info_eval", &Envelope::info_eval},
    {"lang", &Envelope::lang},
};
constexpr Slot<Seizure> kSeizureSlots[] = {
    {"seizure_date", &Seizure::seizure_date},
    {"reporting_country", &Seizure::reporting_country},
    {"commodity", &Seizure::commodity},
    {"description", &Seizure::description},
    {"quantity", &Seizure::quantity},
    {"unit", &Seizure::unit},
    {"hs_code", &Seizure::hs_code},
    {"location", &Seizure::location},
    {"locode", &Seizure::locode},
    {"lat", &Seizure::lat},
    {"lon", &Seizure::lon},
    {"location_type", &Seizure::location_type},
    {"direction", &Seizure::direction},
    {"detection", &Seizure::detection},
    {"concealment", &Seizure::concealment},
    {"transport_mode", &Seizure::transport_mode},
    {"conveyance", &Seizure::conveyance},
    {"containers", &Seizure::containers},
    {"vessel_imo", &Seizure::vessel_imo},
    {"departure", &Seizure::departure},
    {"destination", &Seizure::destination},
    {"transit", &Seizure::transit},
    {"value", &Seizure::value},
    {"currency", &Seizure::currency},
    {"offenders", &Seizure::offenders},
};
constexpr Slot<Alert> kAlertSlots[] = {
    {"title", &Alert::title},           {"body", &Alert::body},
    {"priority", &Alert::priority},     {"msg_type", &Alert::msg_type},
    {"references", &Alert::references}, {"issued_at", &Alert::issued_at},
    {"expires_at", &Alert::expires_at}, {"commodity", &Alert::commodity},
    {"indicators", &Alert::indicators},
};
constexpr Slot<Indicators> kIndicatorSlots[] = {
    {"containers", &Indicators::containers}, {"vessel_imo", &Indicators::vessel_imo},
    {"companies", &Indicators::companies},   {"routes", &Indicators::routes},
    {"hs_codes", &Indicators::hs_codes},
};
// Nested in an offender; the validator keeps their checks (not table rows).
constexpr Slot<Offender> kOffenderSlots[] = {
    {"nationality", &Offender::nationality},
    {"gender", &Offender::gender},
    {"age", &Offender::age},
};

// True when `slots` name exactly the rows of `group`, in order: the table is
// the one list of fields, and the members follow it.
template <typename S, size_t N>
constexpr bool FollowsTable(const Slot<S> (&slots)[N], FieldGroup group) {
  size_t i = 0;
  for (const FieldSpec& f : record_fields_detail::kTable) {
    if (f.group != group) continue;
    if (i >= N || slots[i].name != f.name) return false;
    ++i;
  }
  return i == N;
}

void PackStr(Packer& pk, std::string_view text) { MsgpackJson::PackStr(pk, text); }

// `o` as it was given, to keep raw: every float as float64 (msgpack-c would
// write 4.0 as 4, which the validator must still see as no integer), maps
// in their order. Encode() writes it canonical (MsgpackJson::PackCanonical).
void PackExact(msgpack::sbuffer& buf, const msgpack::object& o) {
  Packer pk(buf);
  switch (o.type) {
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      MsgpackJson::PackFloat64(buf, o.via.f64);
      break;
    case msgpack::type::ARRAY:
      pk.pack_array(o.via.array.size);
      for (uint32_t i = 0; i < o.via.array.size; ++i) PackExact(buf, o.via.array.ptr[i]);
      break;
    case msgpack::type::MAP:
      pk.pack_map(o.via.map.size);
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        PackExact(buf, o.via.map.ptr[i].key);
        PackExact(buf, o.via.map.ptr[i].val);
      }
      break;
    default:
      pk.pack(o);  // nil, booleans, integers (smallest form), strings
  }
}

std::string Exact(const msgpack::object& o) {
  msgpack::sbuffer buf(64);
  PackExact(buf, o);
  return std::string(buf.data(), buf.size());
}

// True when the raw bytes are already canonical: a scalar that is no float.
bool IsCanonicalScalar(const std::string& raw) {
  const auto first = static_cast<unsigned char>(raw.empty() ? 0xc1 : raw[0]);
  const bool container = (first >= 0x80 && first <= 0x9f) || first == 0xdc || first == 0xdd ||
                         first == 0xde || first == 0xdf;
  return !container && first != 0xca && first != 0xcb;
}

// Each struct's one slot table, and the field table's group its slots
// follow (checked here at compile time); none for an offender, whose three
// slots are not table rows.
template <typename S, const auto& kSlots, FieldGroup... kGroup>
struct SlotTable {
  static_assert(sizeof...(kGroup) <= 1);
  static_assert((FollowsTable(kSlots, kGroup) && ...));
  static constexpr std::span<const Slot<S>> table{kSlots};
  static constexpr std::optional<FieldGroup> group{kGroup...};
};
template <typename S>
struct SlotsOf;
template <>
struct SlotsOf<Envelope> : SlotTable<Envelope, kEnvelopeSlots, FieldGroup::kEnvelope> {};
template <>
struct SlotsOf<Seizure> : SlotTable<Seizure, kSeizureSlots, FieldGroup::kSeizure> {};
template <>
struct SlotsOf<Alert> : SlotTable<Alert, kAlertSlots, FieldGroup::kAlert> {};
template <>
struct SlotsOf<Indicators> : SlotTable<Indicators, kIndicatorSlots, FieldGroup::kIndicator> {};
template <>
struct SlotsOf<Offender> : SlotTable<Offender, kOffenderSlots> {};

// One struct's slot table in key order: built once per struct. A record's
// members were written sorted by a stable sort of every pair (most of its
// encoding).
template <typename S>
class SlotOrder {
 public:
  SlotOrder() {
    for (const Slot<S>& slot : SlotsOf<S>::table) sorted_.push_back(&slot);
    std::stable_sort(sorted_.begin(), sorted_.end(), [](const Slot<S>* a, const Slot<S>* b) {
      return JsonText::KeyLess(a->name, b->name);
    });
  }
  std::span<const Slot<S>* const> sorted() const { return sorted_; }

 private:
  std::vector<const Slot<S>*> sorted_;
};

template <typename S>
const SlotOrder<S>& OrderOf() {
  static const SlotOrder<S> order;
  return order;
}

// The slot of S named `name`, or nullptr: by the field table's one lookup
// (RecordFields::PositionIn) where the slots follow the table. A search
// through the envelope's, then the kind's names was a fifth of a drop row's
// decode.
template <typename S>
const Slot<S>* FindSlot(std::string_view name) {
  constexpr std::span<const Slot<S>> slots = SlotsOf<S>::table;
  if constexpr (SlotsOf<S>::group.has_value()) {
    const std::optional<size_t> at = RecordFields::PositionIn(*SlotsOf<S>::group, name);
    return at && *at < slots.size() ? &slots[*at] : nullptr;
  } else {
    for (const Slot<S>& slot : slots) {
      if (slot.name == name) return &slot;
    }
    return nullptr;
  }
}

// Whether no name is in both tables: a record's typed members are one run
// in key order only if the envelope's names and a kind's never meet.
template <typename A, typename B>
constexpr bool Disjoint(std::span<const Slot<A>> a, std::span<const Slot<B>> b) {
  for (const Slot<A>& x : a) {
    for (const Slot<B>& y : b) {
      if (x.name == y.name) return false;
    }
  }
  return true;
}
static_assert(Disjoint<Envelope, Seizure>(kEnvelopeSlots, kSeizureSlots));
static_assert(Disjoint<Envelope, Alert>(kEnvelopeSlots, kAlertSlots));

// A record's typed members in key order: the envelope's merged with its
// kind's, so that its pairs come as one sorted run (no merge of runs).
class TypedOrder {
 public:
  struct Entry {
    std::string_view name;
    FieldGroup group;  // kEnvelope, kSeizure or kAlert
    size_t index;      // in that group's slots
  };
  // The order for a record with a seizure, with an alert, or with neither
  // (never both: the callers write both as runs of their own).
  static std::span<const Entry> Of(bool seizure, bool alert) {
    static const TypedOrder kNeither(false, false), kSeizure(true, false), kAlert(false, true);
    return (seizure ? kSeizure : alert ? kAlert : kNeither).entries_;
  }
  // Calls f(name, member) for each entry's member of `record` (Record or
  // const Record).
  template <typename R, typename F>
  static void Visit(R& record, const Entry& e, F f) {
    switch (e.group) {
      case FieldGroup::kSeizure:
        return Call(*record.seizure, kSeizureSlots[e.index], f);
      case FieldGroup::kAlert:
        return Call(*record.alert, kAlertSlots[e.index], f);
      default:
        return Call(record.envelope, kEnvelopeSlots[e.index], f);
    }
  }

 private:
  TypedOrder(bool seizure, bool alert) {
    for (size_t i = 0; i < std::size(kEnvelopeSlots); ++i)
      entries_.push_back({kEnvelopeSlots[i].name, FieldGroup::kEnvelope, i});
    if (seizure) {
      for (size_t i = 0; i < std::size(kSeizureSlots); ++i)
        entries_.push_back({kSeizureSlots[i].name, FieldGroup::kSeizure, i});
    }
    if (alert) {
      for (size_t i = 0; i < std::size(kAlertSlots); ++i)
        entries_.push_back({kAlertSlots[i].name, FieldGroup::kAlert, i});
    }
    std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
      return JsonText::KeyLess(a.name, b.name);
    });
  }
  template <typename S, typename F>
  static void Call(S& s, const Slot<std::remove_const_t<S>>& slot, F& f) {
    std::visit([&](auto member) { f(slot.name, s.*member); }, slot.member);
  }

  std::vector<Entry> entries_;
};

constexpr size_t kMaxRuns = 8;

// Sorts the pairs from `start` on by name, keeping the order of equal names
// (raw fields are kept sorted already: Decode() and Set() leave them so).
template <typename Pair>
void SortRun(std::vector<Pair>& pairs, size_t start) {
  const auto less = [](const Pair& a, const Pair& b) {
    return JsonText::KeyLess(a.first, b.first);
  };
  const auto from = pairs.begin() + static_cast<std::ptrdiff_t>(start);
  if (!std::is_sorted(from, pairs.end(), less)) std::stable_sort(from, pairs.end(), less);
}

// Where each run of a map's pairs begins. A writer starts at most six runs
// (an empty typed run and the three structs' of a record holding a seizure
// and an alert, its raw fields, the room left); past kMaxRuns the pairs join
// the last run, which is then sorted as one (stably: a repeated name's last
// pair still wins).
class RunStarts {
 public:
  void Start(size_t at) {
    if (count_ < kMaxRuns) {
      starts_[count_++] = at;
    } else {
      folded_ = true;
    }
  }
  void Clear() {
    count_ = 0;
    folded_ = false;
  }
  // Where the run under way begins.
  size_t last() const { return starts_[count_ - 1]; }
  // The runs, each sorted, for MergeRuns.
  template <typename Pair>
  std::span<const size_t> Sorted(std::vector<Pair>& pairs) {
    if (folded_) SortRun(pairs, last());
    return std::span(starts_.data(), count_);
  }

 private:
  std::array<size_t, kMaxRuns> starts_{};
  size_t count_ = 0;
  bool folded_ = false;
};

// Merges runs of (name, value) pairs, each sorted by name, into `order` (the
// pairs' indices): sorted by name as std::string orders them, one pair per
// name, of a repeated name the one gathered last (the last run's, the last
// in its run). `starts` are the runs' first indices, ascending.
template <typename Pair>
void MergeRuns(std::span<const Pair> pairs, std::span<const size_t> starts,
               std::vector<size_t>& order) {
  std::array<size_t, kMaxRuns> head{};
  std::array<size_t, kMaxRuns> end{};
  size_t runs = 0;                                              // those that hold pairs
  for (size_t r = 0; r < starts.size() && r < kMaxRuns; ++r) {  // never more (RunStarts)
    const size_t stop = r + 1 < starts.size() ? starts[r + 1] : pairs.size();
    if (starts[r] == stop) continue;
    head[runs] = starts[r];
    end[runs++] = stop;
  }
  order.clear();
  if (runs == 1) {  // the common case: typed members alone
    for (size_t i = head[0]; i < end[0]; ++i) {
      if (i + 1 < end[0] && pairs[i + 1].first == pairs[i].first) continue;
      order.push_back(i);
    }
    return;
  }
  while (true) {
    size_t least = kMaxRuns;
    for (size_t r = 0; r < runs; ++r) {
      if (head[r] < end[r] &&
          (least == kMaxRuns || JsonText::KeyLess(pairs[head[r]].first, pairs[head[least]].first)))
        least = r;
    }
    if (least == kMaxRuns) return;
    const std::string_view key = pairs[head[least]].first;
    size_t chosen = 0;
    for (size_t r = least; r < runs; ++r) {
      while (head[r] < end[r] && pairs[head[r]].first == key) chosen = head[r]++;
    }
    order.push_back(chosen);
  }
}

// ---- msgpack -> members. Each Read() leaves `out` unset and answers false
// when the value has another type (the caller then keeps it raw).

template <typename S>
void ReadStruct(const msgpack::object& map, S& out, RawFields& others);

bool Read(const msgpack::object& o, Text& out) {
  if (o.type != msgpack::type::STR) return false;
  out.emplace(MsgpackJson::TextOf(o));
  return true;
}

bool IsInt64(const msgpack::object& o) {
  return o.type == msgpack::type::NEGATIVE_INTEGER ||
         (o.type == msgpack::type::POSITIVE_INTEGER &&
          o.via.u64 <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
}

bool Read(const msgpack::object& o, Integer& out) {
  if (!IsInt64(o)) return false;
  out = o.type == msgpack::type::NEGATIVE_INTEGER ? o.via.i64 : static_cast<int64_t>(o.via.u64);
  return true;
}

bool Read(const msgpack::object& o, OptionalNumber& out) {
  if (o.type == msgpack::type::FLOAT32 || o.type == msgpack::type::FLOAT64) {
    out = Number{o.via.f64};
    return true;
  }
  Integer i;
  if (!Read(o, i)) return false;
  out = Number{*i};
  return true;
}

bool AllText(const msgpack::object& o) {
  if (o.type != msgpack::type::ARRAY) return false;
  for (uint32_t i = 0; i < o.via.array.size; ++i) {
    if (o.via.array.ptr[i].type != msgpack::type::STR) return false;
  }
  return true;
}

std::vector<std::string> Texts(const msgpack::object& o) {
  std::vector<std::string> out;
  out.reserve(o.via.array.size);
  for (uint32_t i = 0; i < o.via.array.size; ++i)
    out.emplace_back(MsgpackJson::TextOf(o.via.array.ptr[i]));
  return out;
}

bool Read(const msgpack::object& o, TextList& out) {
  if (!AllText(o)) return false;
  out = Texts(o);
  return true;
}

bool Read(const msgpack::object& o, RouteList& out) {
  if (o.type != msgpack::type::ARRAY) return false;
  for (uint32_t i = 0; i < o.via.array.size; ++i) {
    if (!AllText(o.via.array.ptr[i])) return false;
  }
  out.emplace();
  for (uint32_t i = 0; i < o.via.array.size; ++i) out->push_back(Texts(o.via.array.ptr[i]));
  return true;
}

bool Read(const msgpack::object& o, OffenderList& out) {
  if (o.type != msgpack::type::ARRAY) return false;
  for (uint32_t i = 0; i < o.via.array.size; ++i) {
    if (o.via.array.ptr[i].type != msgpack::type::MAP) return false;
  }
  out.emplace(o.via.array.size);
  for (uint32_t i = 0; i < o.via.array.size; ++i) {
    Offender& offender = (*out)[i];
    ReadStruct<Offender>(o.via.array.ptr[i], offender, offender.others);
  }
  return true;
}

bool Read(const msgpack::object& o, Indicated& out) {
  if (o.type != msgpack::type::MAP) return false;
  out.emplace();
  ReadStruct<Indicators>(o, *out, out->others);
  return true;
}

template <typename S>
bool ReadSlot(const msgpack::object& value, const Slot<S>& slot, S& out) {
  return std::visit([&](auto member) { return Read(value, out.*member); }, slot.member);
}

template <typename S>
void ReadStruct(const msgpack::object& map, S& out, RawFields& others) {
  for (const auto& [key, value] : MsgpackMap::Members(map)) {
    const Slot<S>* slot = FindSlot<S>(key);
    if (slot == nullptr || !ReadSlot(*value, *slot, out)) {
      others.push_back({std::string(key), Exact(*value)});
    }
  }
}

// ---- members -> msgpack, written to a buffer

using Buffer = msgpack::sbuffer;

void Write(Buffer& buf, const std::string& text) {
  Packer pk(buf);
  PackStr(pk, text);
}
void Write(Buffer& buf, int64_t value) { Packer(buf).pack_int64(value); }
void Write(Buffer& buf, const Number& n) {
  if (const auto* i = std::get_if<int64_t>(&n.value)) {
    Packer(buf).pack_int64(*i);
  } else {
    MsgpackJson::PackDouble(buf, std::get<double>(n.value));
  }
}
void Write(Buffer& buf, const std::vector<std::string>& texts) {
  Packer pk(buf);
  pk.pack_array(static_cast<uint32_t>(texts.size()));
  for (const std::string& t : texts) PackStr(pk, t);
}
void Write(Buffer& buf, const std::vector<std::vector<std::string>>& routes) {
  Packer(buf).pack_array(static_cast<uint32_t>(routes.size()));
  for (const auto& route : routes) Write(buf, route);
}
void Write(Buffer& buf, const std::vector<Offender>& offenders);
void Write(Buffer& buf, const Indicators& indicators);

// The pairs of one map, gathered in runs sorted by key (each struct's slots
// in key order, then its raw fields, then the pairs left), then written in
// key order (a repeated key's last pair kept) by merging the runs.
class MapWriter {
 public:
  MapWriter() {
    pairs_.reserve(48);
    order_.reserve(48);
  }
  // Empty again, its buffers kept.
  void Clear() {
    values_.clear();
    pairs_.clear();
    runs_.Clear();
    order_.clear();
  }
  template <typename S>
  void Add(const S& s) {
    StartRun();
    for (const Slot<S>* slot : OrderOf<S>().sorted()) {
      std::visit(
          [&](auto member) {
            const auto& field = s.*member;
            if (!field) return;
            const size_t at = values_.size();
            Write(values_, *field);
            pairs_.push_back({slot->name, Part{at, values_.size() - at, nullptr}});
          },
          slot->member);
    }
  }
  // The envelope's and the kind's set members: one run.
  void AddTyped(const Record& record) {
    StartRun();
    if (record.seizure && record.alert) {  // never made by Decode(): both as runs
      Add<Envelope>(record.envelope);
      Add<Seizure>(*record.seizure);
      Add<Alert>(*record.alert);
      return;
    }
    for (const TypedOrder::Entry& e :
         TypedOrder::Of(record.seizure.has_value(), record.alert.has_value())) {
      TypedOrder::Visit(record, e, [&](std::string_view name, const auto& field) {
        if (!field) return;
        const size_t at = values_.size();
        Write(values_, *field);
        pairs_.push_back({name, Part{at, values_.size() - at, nullptr}});
      });
    }
  }
  void Add(const RawFields& raw) {
    StartRun();
    for (const RawField& f : raw) {
      if (IsCanonicalScalar(f.msgpack)) {
        pairs_.push_back({f.name, Part{0, 0, &f.msgpack}});
        continue;
      }
      const msgpack::object_handle handle = msgpack::unpack(f.msgpack.data(), f.msgpack.size());
      const size_t at = values_.size();
      MsgpackJson::PackCanonical(values_, handle.get());
      pairs_.push_back({f.name, Part{at, values_.size() - at, nullptr}});
    }
    SortRun(pairs_, runs_.last());
  }
  // Counts a pair for each of `names` in the header and writes nothing for
  // them.
  void Leave(std::span<const std::string_view> names) {
    StartRun();
    for (const std::string_view name : names) pairs_.push_back({name, Part{0, 0, nullptr, true}});
    SortRun(pairs_, runs_.last());
  }

  // Writes the map to `out`; the offset in `out` of each pair left (in the
  // order of `left`) goes to `at`.
  void WriteTo(Buffer& out, std::span<const std::string_view> left = {},
               std::vector<size_t>* at = nullptr) {
    MergeRuns<std::pair<std::string_view, Part>>(pairs_, runs_.Sorted(pairs_), order_);
    Packer pk(out);
    pk.pack_map(static_cast<uint32_t>(order_.size()));
    if (at != nullptr) at->assign(left.size(), 0);
    for (const size_t i : order_) {
      const auto& [name, part] = pairs_[i];
      if (part.room) {
        const size_t gap = std::find(left.begin(), left.end(), name) - left.begin();
        if (at != nullptr && gap < left.size()) (*at)[gap] = out.size();
        continue;
      }
      PackStr(pk, name);
      if (part.raw != nullptr) {
        out.write(part.raw->data(), part.raw->size());
      } else {
        out.write(values_.data() + part.at, part.size);
      }
    }
  }

 private:
  struct Part {
    size_t at = 0;
    size_t size = 0;
    const std::string* raw = nullptr;
    bool room = false;
  };
  void StartRun() { runs_.Start(pairs_.size()); }

  Buffer values_{512};
  std::vector<std::pair<std::string_view, Part>> pairs_;
  RunStarts runs_;
  std::vector<size_t> order_;  // WriteTo's merge
};

void Write(Buffer& buf, const std::vector<Offender>& offenders) {
  Packer(buf).pack_array(static_cast<uint32_t>(offenders.size()));
  for (const Offender& o : offenders) {
    MapWriter map;
    map.Add<Offender>(o);
    map.Add(o.others);
    map.WriteTo(buf);
  }
}

void Write(Buffer& buf, const Indicators& indicators) {
  MapWriter map;
  map.Add<Indicators>(indicators);
  map.Add(indicators.others);
  map.WriteTo(buf);
}

// The thread's output buffer, emptied, its capacity kept.
Buffer& Output() {
  thread_local Buffer out(4096);
  out.clear();
  return out;
}

// A record's map, in a writer the thread keeps (its buffers are reused:
// a drop encodes a million records). Valid until the thread's next call.
MapWriter& TopLevel(const Record& record) {
  thread_local MapWriter map;
  map.Clear();
  map.AddTyped(record);
  map.Add(record.others);
  return map;
}

// ---- members -> a msgpack::object view of them (strings point into the
// record; lists, maps and raw values live in a zone).

class Viewer {
 public:
  explicit Viewer(msgpack::zone& zone) : zone_(zone) {}

  msgpack::object Of(const std::string& text) const { return MsgpackJson::StrView(text); }
  msgpack::object Of(int64_t value) const { return msgpack::object(value); }
  msgpack::object Of(const Number& n) const {
    if (const auto* i = std::get_if<int64_t>(&n.value)) return msgpack::object(*i);
    return msgpack::object(std::get<double>(n.value));
  }
  template <typename Item>
  msgpack::object Of(const std::vector<Item>& items) const {
    msgpack::object o;
    o.type = msgpack::type::ARRAY;
    o.via.array.size = static_cast<uint32_t>(items.size());
    o.via.array.ptr = Allocate<msgpack::object>(items.size());
    for (size_t i = 0; i < items.size(); ++i) o.via.array.ptr[i] = Of(items[i]);
    return o;
  }
  msgpack::object Of(const Offender& offender) const {
    return Map(offender.others, [&](auto& add) { AddSlots<Offender>(offender, add); });
  }
  msgpack::object Of(const Indicators& indicators) const {
    return Map(indicators.others, [&](auto& add) { AddSlots<Indicators>(indicators, add); });
  }
  msgpack::object Of(const Record& record) const {
    return Map(record.others, [&](auto& add) {
      if (record.seizure && record.alert) {  // never made by Decode(): both as runs
        AddSlots<Envelope>(record.envelope, add);
        AddSlots<Seizure>(*record.seizure, add);
        AddSlots<Alert>(*record.alert, add);
        return;
      }
      add.Run();
      for (const TypedOrder::Entry& e :
           TypedOrder::Of(record.seizure.has_value(), record.alert.has_value())) {
        TypedOrder::Visit(record, e, [&](std::string_view name, const auto& field) {
          if (field) add(name, Of(*field));
        });
      }
    });
  }

 private:
  template <typename T>
  T* Allocate(size_t n) const {
    return static_cast<T*>(zone_.allocate_align(sizeof(T) * std::max<size_t>(n, 1), alignof(T)));
  }

  // Adds the set members of `s` in key order: one sorted run.
  template <typename S, typename Add>
  void AddSlots(const S& s, Add& add) const {
    add.Run();
    for (const Slot<S>* slot : OrderOf<S>().sorted()) {
      std::visit(
          [&](auto member) {
            if (const auto& field = s.*member) add(slot->name, Of(*field));
          },
          slot->member);
    }
  }

  // Gathers a map's pairs in runs sorted by key.
  class Pairs {
   public:
    void Run() { runs_.Start(pairs.size()); }
    void operator()(std::string_view name, msgpack::object value) {
      pairs.emplace_back(name, value);
    }
    size_t last() const { return runs_.last(); }
    std::span<const size_t> Sorted() { return runs_.Sorted(pairs); }

    std::vector<std::pair<std::string_view, msgpack::object>> pairs;

   private:
    RunStarts runs_;
  };

  // A map of the typed pairs `typed` adds, then the raw ones, in key order
  // (the validator then reads it without sorting it: MsgpackMap::Members).
  template <typename Typed>
  msgpack::object Map(const RawFields& raw, Typed typed) const {
    Pairs add;
    std::vector<std::pair<std::string_view, msgpack::object>>& pairs = add.pairs;
    pairs.reserve(48);
    typed(add);
    add.Run();
    for (const RawField& f : raw) {
      std::size_t offset = 0;
      add(f.name, msgpack::unpack(zone_, f.msgpack.data(), f.msgpack.size(), offset));
    }
    SortRun(pairs, add.last());
    std::vector<size_t> order;
    order.reserve(pairs.size());
    MergeRuns<std::pair<std::string_view, msgpack::object>>(pairs, add.Sorted(), order);
    msgpack::object o;
    o.type = msgpack::type::MAP;
    o.via.map.size = static_cast<uint32_t>(order.size());
    o.via.map.ptr = Allocate<msgpack::object_kv>(order.size());
    for (size_t i = 0; i < order.size(); ++i) {
      o.via.map.ptr[i] = {MsgpackJson::StrView(pairs[order[i]].first), pairs[order[i]].second};
    }
    return o;
  }

  msgpack::zone& zone_;
};

// Calls f(s, slot) with the member named `name` among the record's
// envelope and its kind's fields (Record or const Record); false when it
// has none, as for a key of another kind or an unknown key.
template <typename R, typename F>
bool OnMember(R& record, std::string_view name, F f) {
  if (const auto* slot = FindSlot<Envelope>(name)) {
    f(record.envelope, *slot);
    return true;
  }
  if (record.seizure) {
    if (const auto* slot = FindSlot<Seizure>(name)) {
      f(*record.seizure, *slot);
      return true;
    }
  }
  if (record.alert) {
    if (const auto* slot = FindSlot<Alert>(name)) {
      f(*record.alert, *slot);
      return true;
    }
  }
  return false;
}

template <typename S>
void Clear(S& s, const Slot<S>& slot) {
  std::visit([&](auto member) { (s.*member).reset(); }, slot.member);
}

}  // namespace

Record RecordCodec::Decode(const msgpack::object& map) {
  Record record;
  const auto members = MsgpackMap::Members(map);
  std::string_view kind;
  for (const auto& [key, value] : members) {
    if (key == "kind" && value->type == msgpack::type::STR) kind = MsgpackJson::TextOf(*value);
  }
  if (kind == "seizure") record.seizure.emplace();
  if (kind == "alert") record.alert.emplace();
  for (const auto& member : members) {
    const msgpack::object& value = *member.second;  // (a lambda may not capture a binding)
    bool typed = false;
    OnMember(record, member.first,
             [&](auto& s, const auto& slot) { typed = ReadSlot(value, slot, s); });
    if (!typed) record.others.push_back({std::string(member.first), Exact(value)});
  }
  return record;
}

std::string RecordCodec::Encode(const Record& record) {
  Buffer& out = Output();
  TopLevel(record).WriteTo(out);
  return std::string(out.data(), out.size());
}

msgpack::object RecordCodec::View(const Record& record, msgpack::zone& zone) {
  return Viewer(zone).Of(record);
}

std::string RecordCodec::EncodeLeavingRoom(const Record& record,
                                           std::span<const std::string_view> gaps,
                                           std::vector<size_t>& at) {
  MapWriter& map = TopLevel(record);
  map.Leave(gaps);
  Buffer& out = Output();
  map.WriteTo(out, gaps, &at);
  return std::string(out.data(), out.size());
}

void RecordCodec::Erase(Record& record, std::string_view name) {
  OnMember(record, name, [](auto& s, const auto& slot) { Clear(s, slot); });
  std::erase_if(record.others, [&](const RawField& f) { return f.name == name; });
}

void RecordCodec::Set(Record& record, std::string_view name, const msgpack::object& value) {
  if (name == "kind") {
    // Which members hold the other fields depends on the kind: read the
    // record again under its new kind.
    Erase(record, name);
    record.others.push_back({std::string(name), Exact(value)});
    Buffer bytes(1024);
    TopLevel(record).WriteTo(bytes);
    const msgpack::object_handle handle = msgpack::unpack(bytes.data(), bytes.size());
    record = Decode(handle.get());
    return;
  }
  std::erase_if(record.others, [&](const RawField& f) { return f.name == name; });
  bool fits = false;
  OnMember(record, name, [&](auto& s, const auto& slot) {
    Clear(s, slot);
    fits = ReadSlot(value, slot, s);
  });
  if (!fits) {
    record.others.push_back({std::string(name), Exact(value)});
    std::stable_sort(record.others.begin(), record.others.end(),
                     [](const RawField& a, const RawField& b) { return a.name < b.name; });
  }
}

bool RecordCodec::Has(const Record& record, std::string_view name) {
  bool set = false;
  OnMember(record, name, [&](const auto& s, const auto& slot) {
    set = std::visit([&](auto member) { return (s.*member).has_value(); }, slot.member);
  });
  return set || std::any_of(record.others.begin(), record.others.end(),
                            [&](const RawField& f) { return f.name == name; });
}

namespace {

// The first key an object (a MAP, at any depth below `o`) names twice: a
// JSON tree keeps the last value, silently (a trial's export said
// "quantity":3,"quantity":30 and 30 was stored).
std::optional<std::string_view> RepeatedKey(const msgpack::object& o) {
  if (o.type == msgpack::type::ARRAY) {
    for (uint32_t i = 0; i < o.via.array.size; ++i) {
      if (auto key = RepeatedKey(o.via.array.ptr[i])) return key;
    }
    return std::nullopt;
  }
  if (o.type != msgpack::type::MAP) return std::nullopt;
  std::vector<std::string_view> keys;
  keys.reserve(o.via.map.size);
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const msgpack::object_kv& kv = o.via.map.ptr[i];
    if (kv.key.type == msgpack::type::STR) keys.push_back(MsgpackJson::TextOf(kv.key));
    if (auto key = RepeatedKey(kv.val)) return key;
  }
  std::sort(keys.begin(), keys.end());
  if (auto it = std::adjacent_find(keys.begin(), keys.end()); it != keys.end()) return *it;
  return std::nullopt;
}

// Decode()s a record read from JSON text, unless an object in it names a
// key twice.
std::variant<Record, RecordCodec::JsonError> DecodeJson(const msgpack::object& map) {
  for (uint32_t i = 0; i < map.via.map.size; ++i) {
    const msgpack::object_kv& kv = map.via.map.ptr[i];
    if (auto key = RepeatedKey(kv.val)) {
      return RecordCodec::JsonError{RecordCodec::JsonProblem::kRepeatedKey,
                                    std::string(MsgpackJson::TextOf(kv.key)), std::string(*key)};
    }
  }
  if (auto key = RepeatedKey(map)) {
    return RecordCodec::JsonError{RecordCodec::JsonProblem::kRepeatedKey, std::string(*key), ""};
  }
  return RecordCodec::Decode(map);
}

}  // namespace

std::variant<Record, RecordCodec::JsonError> RecordCodec::FromJsonText(std::string_view text) {
  Buffer bytes(1024);
  if (JsonToMsgpack::BySimdjson(text, bytes)) {
    auto handle = MsgpackJson::Unpack(std::string_view(bytes.data(), bytes.size()));
    if (handle.ok()) return DecodeJson(handle->get());
    // Beyond a decoding limit: the SAX path says which.
  }
  return FromJsonTextBySax(text);
}

std::variant<Record, RecordCodec::JsonError> RecordCodec::FromJsonTextBySax(std::string_view text) {
  Buffer bytes(1024);
  const JsonToMsgpack::SaxResult read = JsonToMsgpack::BySax(text, bytes);
  if (read.beyond_int64) {
    return JsonError{JsonProblem::kBeyondInt64, read.top_key,
                     "an integer beyond the signed 64-bit range (-9223372036854775808 to "
                     "9223372036854775807)"};
  }
  if (!read.parsed) return JsonError{JsonProblem::kNotJson, "", "not valid JSON (or not UTF-8)"};
  if (bytes.size() == 0 || bytes.data()[0] != '\xdf') {
    return JsonError{JsonProblem::kNotAnObject, "", "must be a JSON object"};
  }
  auto handle = MsgpackJson::Unpack(std::string_view(bytes.data(), bytes.size()));
  if (!handle.ok()) {
    return JsonError{JsonProblem::kTooLarge, "", handle.status().message()};
  }
  return DecodeJson(handle->get());
}

std::vector<std::string_view> RecordCodec::BoundNames(FieldGroup group) {
  std::vector<std::string_view> names;
  const auto add = [&](const auto& slots) {
    for (const auto& slot : slots) names.push_back(slot.name);
  };
  switch (group) {
    case FieldGroup::kEnvelope:
      add(kEnvelopeSlots);
      break;
    case FieldGroup::kSeizure:
      add(kSeizureSlots);
      break;
    case FieldGroup::kAlert:
      add(kAlertSlots);
      break;
    case FieldGroup::kIndicator:
      add(kIndicatorSlots);
      break;
    default:
      break;
  }
  return names;
}

}  // namespace cen::common
