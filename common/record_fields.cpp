#include "common/record_fields.h"

#include <array>
#include <optional>

namespace cen::common {
namespace {

constexpr size_t kGroups = 7;

// Every field name with the groups that have it, in open addressing over
// twice as many slots as names, hashed as MsgpackKeyIndex hashes keys
// (RecordFields::NameHash): a lookup is a few loads and one
// comparison (std::unordered_map's hash and modulo took as long as the linear
// search it replaced saved).
class NameGroups {
 public:
  // `name` is row `position` of `group`.
  void Add(std::string_view name, FieldGroup group, size_t position) {
    uint32_t s = Slot(name);
    while (!names_[s].empty() && names_[s] != name) s = (s + 1) % kSlots;
    names_[s] = name;
    bits_[s] |= RecordFields::Bit(group);
    positions_[s][static_cast<size_t>(group)] = static_cast<uint8_t>(position);
  }
  uint32_t Find(std::string_view name) const {
    const uint32_t s = At(name);
    return s == kSlots ? 0 : bits_[s];
  }
  std::optional<size_t> PositionIn(FieldGroup group, std::string_view name) const {
    const uint32_t s = At(name);
    if (s == kSlots || (bits_[s] & RecordFields::Bit(group)) == 0) return std::nullopt;
    return positions_[s][static_cast<size_t>(group)];
  }

 private:
  static constexpr uint32_t kSlots = 256;
  static_assert(RecordFields::All().size() <= kSlots / 2);
  static uint32_t Slot(std::string_view name) { return RecordFields::NameHash(name) % kSlots; }
  // The slot holding `name`, or kSlots.
  uint32_t At(std::string_view name) const {
    if (name.empty()) return kSlots;
    for (uint32_t s = Slot(name); !names_[s].empty(); s = (s + 1) % kSlots) {
      if (names_[s] == name) return s;
    }
    return kSlots;
  }
  std::array<std::string_view, kSlots> names_{};
  std::array<uint32_t, kSlots> bits_{};
  std::array<std::array<uint8_t, kGroups>, kSlots> positions_{};
};

struct Index {
  std::array<std::vector<FieldSpec>, kGroups> rows;
  std::array<std::vector<std::string_view>, kGroups> names;
  std::vector<std::string_view> searched;
  NameGroups groups_of;
  Index() {
    for (const FieldSpec& f : RecordFields::All()) {
      const auto g = static_cast<size_t>(f.group);
      groups_of.Add(f.name, f.group, rows[g].size());
      rows[g].push_back(f);
      names[g].push_back(f.name);
      if (f.searched) searched.push_back(f.name);
    }
  }
};

const Index& TheIndex() {
  static const Index index;
  return index;
}

}  // namespace

std::span<const FieldSpec> RecordFields::Of(FieldGroup group) {
  return TheIndex().rows[static_cast<size_t>(group)];
}

std::span<const std::string_view> RecordFields::Names(FieldGroup group) {
  return TheIndex().names[static_cast<size_t>(group)];
}

uint32_t RecordFields::GroupsOf(std::string_view name) { return TheIndex().groups_of.Find(name); }

std::optional<size_t> RecordFields::PositionIn(FieldGroup group, std::string_view name) {
  return TheIndex().groups_of.PositionIn(group, name);
}

std::string RecordFields::CsvColumn(const FieldSpec& field) {
  if (field.group == FieldGroup::kIndicator) return "indicators." + std::string(field.name);
  return std::string(field.name);
}

std::span<const std::string_view> RecordFields::Searched() { return TheIndex().searched; }

}  // namespace cen::common
