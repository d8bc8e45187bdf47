#include "node/query/watch_list.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>

#include "common/clock.h"
#include "common/csv_writer.h"
#include "common/messages.h"
#include "common/os_user.h"
#include "common/text_table.h"
#include "node/query/query_audit.h"
#include "node/store/node_schema.h"

namespace cen::node {

using common::Messages;

using common::TextTable;
namespace {

constexpr size_t kMaxName = 64;

bool ValidName(const std::string& name) {
  return !name.empty() && name.size() <= kMaxName &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
         });
}

}  // namespace

common::Status WatchList::Add(const std::string& data_dir, const std::string& name,
                              const QueryFilter& filter, std::ostream& out) {
  if (!ValidName(name)) {
    return common::UsageError(Messages::Tr("watch add: NAME must be 1-64 of A-Z a-z 0-9 _ . -"));
  }
  const nlohmann::json flags = filter.ToJson();
  if (flags.empty()) {
    return common::UsageError(Messages::Tr(
        "watch add: give at least one filter (--commodity, --country, --hs, --text, ...)"));
  }
  auto db = NodeSchema::Open(data_dir, common::Database::Mode::kReadWrite);
  if (!db.ok()) return db.status();
  auto insert = db->Prepare(
      "INSERT INTO watches(name, filter, created_at, created_by) VALUES (?, ?, ?, ?) "
      "ON CONFLICT(name) DO NOTHING");
  if (!insert.ok()) return insert.status();
  CEN_RETURN_IF_ERROR(insert->Bind(1, name)
                          .Bind(2, flags.dump())
                          .Bind(3, common::Clock::NowRfc3339())
                          .Bind(4, common::OsUser::Name())
                          .Run());
  if (db->Changes() == 0) {
    // The analyst's input (exit 2), as any other bad value (a trial: exit 1).
    return common::InvalidInput("watch " + name +
                                " exists; remove it first (cen-query watch remove " + name + ")");
  }
  out << "watch " << name << " added: every record applied from now on that matches "
      << flags.dump() << " is a hit (cen-query hits)\n";
  return common::Status::Ok();
}

common::Result<QueryOutcome> WatchList::List(common::Database& db, const QueryOptions& o,
                                             std::ostream& out) {
  auto stmt = db.Prepare(
      "SELECT w.name, w.created_at, w.created_by, w.filter, "
      "(SELECT count(*) FROM hits h WHERE h.source = 'watch:' || w.name) "
      "FROM watches w ORDER BY w.name");
  if (!stmt.ok()) return stmt.status();
  TextTable table({{N_("NAME"), 24},
                   {N_("CREATED"), 24},
                   {N_("BY"), 12},
                   {N_("HITS"), 6, TextTable::Align::kRight},
                   {N_("FILTER"), 0}});
  if (o.format == "csv") {
    common::CsvWriter::WriteRow(
        out, std::vector<std::string>{"name", "created_at", "created_by", "hits", "filter"});
  }
  QueryOutcome outcome;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ++outcome.results;
    const std::vector<std::string> cells = {stmt->ColumnText(0), stmt->ColumnText(1),
                                            stmt->ColumnText(2), std::to_string(stmt->ColumnInt(4)),
                                            stmt->ColumnText(3)};
    if (o.format == "csv") {
      common::CsvWriter::WriteRow(out, cells);
    } else if (o.format == "json") {
      out << nlohmann::json{{"name", cells[0]},
                            {"created_at", cells[1]},
                            {"created_by", cells[2]},
                            {"hits", stmt->ColumnInt(4)},
                            {"filter", nlohmann::json::parse(cells[4], nullptr, false)}}
                 .dump()
          << "\n";
    } else {
      table.AddRow(cells);
    }
  }
  if (o.format == "table") {
    if (table.rows() == 0) {
      out << "no watch lists (add one: cen-query --data DIR watch add NAME --hs 2939.72)\n";
    } else {
      table.Print(out, o.width);
    }
  }
  return outcome;
}

common::Status WatchList::Remove(const std::string& data_dir, const std::string& name,
                                 std::ostream& out) {
  auto db = NodeSchema::Open(data_dir, common::Database::Mode::kReadWrite);
  if (!db.ok()) return db.status();
  auto del = db->Prepare("DELETE FROM watches WHERE name = ?");
  if (!del.ok()) return del.status();
  CEN_RETURN_IF_ERROR(del->Bind(1, name).Run());
  if (db->Changes() == 0) return common::NotFound(Messages::Format("no watch named {}", name));
  out << "watch " << name << " removed (its hits stay)\n";
  return common::Status::Ok();
}

}  // namespace cen::node
