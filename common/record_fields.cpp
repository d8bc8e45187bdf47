#include "common/record_fields.h"

#include <array>

namespace cen::common {
namespace {

constexpr size_t kGroups = 7;

struct Index {
  std::array<std::vector<FieldSpec>, kGroups> rows;
  std::array<std::vector<std::string_view>, kGroups> names;
  std::vector<std::string_view> searched;
  Index() {
    for (const FieldSpec& f : RecordFields::All()) {
      const auto g = static_cast<size_t>(f.group);
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

std::string RecordFields::CsvColumn(const FieldSpec& field) {
  if (field.group == FieldGroup::kIndicator) return "indicators." + std::string(field.name);
  return std::string(field.name);
}

std::span<const std::string_view> RecordFields::Searched() { return TheIndex().searched; }

}  // namespace cen::common
