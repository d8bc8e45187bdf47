#include "node/drops/drop_template.h"

#include <string>
#include <vector>

#include "common/csv_writer.h"
#include "common/record_fields.h"

namespace cen::node {

common::Status DropTemplate::Write(std::string_view kind, std::ostream& out) {
  using common::FieldGroup;
  using common::FieldSpec;
  using common::RecordFields;
  const bool seizure = kind == "seizure";
  if (!seizure && kind != "alert") return common::UsageError("--template: seizure or alert");
  std::vector<std::string> header;
  std::vector<std::string> example;
  auto add = [&](FieldGroup group) {
    for (const FieldSpec& f : RecordFields::Of(group)) {
      if (f.example == nullptr) continue;
      header.push_back(RecordFields::CsvColumn(f));
      example.emplace_back(f.example);
    }
  };
  add(FieldGroup::kEnvelope);
  example[0] = std::string(kind);  // kind, then ref
  example[1] = seizure ? "FR-2026-0001" : "RILO-WE-A-2026-001";
  add(seizure ? FieldGroup::kSeizure : FieldGroup::kAlert);
  if (!seizure) add(FieldGroup::kIndicator);
  common::CsvWriter::WriteRow(out, header);
  common::CsvWriter::WriteRow(out, example);
  return common::Status::Ok();
}

}  // namespace cen::node
