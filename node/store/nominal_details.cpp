#include "node/store/nominal_details.h"

#include <algorithm>
#include <msgpack.hpp>

#include "common/msgpack_json.h"

namespace cen::node {

using nlohmann::json;

json NominalDetails::Strip(common::Record& record) {
  json out = json::array();
  if (!record.seizure || !record.seizure->offenders) return out;
  std::vector<common::Offender>& offenders = *record.seizure->offenders;
  for (size_t i = 0; i < offenders.size(); ++i) {
    common::RawFields& others = offenders[i].others;
    const auto nominal = std::find_if(others.begin(), others.end(), [](const common::RawField& f) {
      return f.name == "nominal";
    });
    if (nominal == others.end()) continue;
    const msgpack::object_handle handle =
        msgpack::unpack(nominal->msgpack.data(), nominal->msgpack.size());
    json entry = handle->type == msgpack::type::MAP ? common::MsgpackJson::ToJson(handle.get())
                                                    : json::object();
    entry["offender"] = i;
    out.push_back(std::move(entry));
    others.erase(nominal);
  }
  return out;
}

common::Status NominalDetails::Save(common::Database& db, const std::string& uuid, int64_t version,
                                    const json& details) {
  if (details.empty()) return common::Status::Ok();
  auto stmt = db.Prepare(
      "INSERT OR REPLACE INTO offender_nominal(uuid, version, offender, name, document_number, "
      "birth_date) VALUES (?, ?, ?, ?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  for (const json& d : details) {
    stmt->Bind(1, uuid).Bind(2, version).Bind(3, d.value("offender", int64_t{0}));
    int column = 4;
    for (const char* key : {"name", "document_number", "birth_date"}) {
      auto it = d.find(key);
      if (it != d.end() && it->is_string()) {
        stmt->Bind(column, it->get<std::string>());
      } else {
        stmt->BindNull(column);
      }
      ++column;
    }
    CEN_RETURN_IF_ERROR(stmt->Run());
  }
  return common::Status::Ok();
}

common::Result<json> NominalDetails::Load(common::Database& db, const std::string& uuid) {
  auto stmt = db.Prepare(
      "SELECT offender, name, document_number, birth_date FROM offender_nominal "
      "WHERE uuid = ?1 AND version = (SELECT max(version) FROM offender_nominal WHERE uuid = ?1) "
      "ORDER BY offender");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, uuid);
  json out = json::array();
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    json entry = {{"offender", stmt->ColumnInt(0)}};
    const char* keys[] = {"name", "document_number", "birth_date"};
    for (int i = 0; i < 3; ++i) {
      if (!stmt->ColumnIsNull(i + 1)) entry[keys[i]] = stmt->ColumnText(i + 1);
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace cen::node
