#include "node/query/query_audit.h"

#include <nlohmann/json.hpp>
#include <ostream>

#include "common/clock.h"
#include "common/csv_writer.h"
#include "common/messages.h"
#include "common/os_user.h"
#include "common/text_table.h"
#include "node/store/node_schema.h"

namespace cen::node {

using common::TextTable;
namespace {

using nlohmann::json;

constexpr int64_t kDefaultEntries = 50;

}  // namespace

common::Result<int64_t> QueryAudit::Begin(const std::string& data_dir, const std::string& command,
                                          const std::vector<std::string>& arguments) {
  auto db = NodeSchema::Open(data_dir, common::Database::Mode::kReadWrite);
  if (!db.ok()) return db.status();
  auto stmt = db->Prepare(
      "INSERT INTO query_audit(at, os_user, command, arguments, results, restricted) "
      "VALUES (?, ?, ?, ?, -1, 0)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, common::Clock::NowRfc3339()).Bind(2, common::OsUser::Name()).Bind(3, command);
  stmt->Bind(4, json(arguments).dump(-1, ' ', false, json::error_handler_t::replace));
  CEN_RETURN_IF_ERROR(stmt->Run());
  return db->LastInsertRowId();
}

common::Status QueryAudit::Finish(const std::string& data_dir, int64_t id,
                                  const QueryOutcome& outcome) {
  auto db = NodeSchema::Open(data_dir, common::Database::Mode::kReadWrite);
  if (!db.ok()) return db.status();
  auto stmt = db->Prepare("UPDATE query_audit SET results=?, restricted=? WHERE id=?");
  if (!stmt.ok()) return stmt.status();
  return stmt->Bind(1, outcome.results).Bind(2, outcome.restricted).Bind(3, id).Run();
}

common::Result<QueryOutcome> QueryAudit::List(common::Database& db, const QueryOptions& o,
                                              std::ostream& out, int64_t before_id) {
  int64_t limit = o.limit < 0 ? kDefaultEntries : o.limit;
  auto stmt = db.Prepare(
      "SELECT id, at, os_user, command, arguments, results, restricted FROM query_audit "
      "WHERE id < ? ORDER BY id DESC LIMIT ? OFFSET ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, before_id).Bind(2, limit == 0 ? int64_t{-1} : limit).Bind(3, o.offset);
  TextTable t({{N_("ID"), 10, TextTable::Align::kRight},
               {N_("AT"), 25},
               {N_("USER"), 16},
               {N_("COMMAND"), 7},
               {N_("RESULTS"), 9, TextTable::Align::kRight},
               {N_("RESTRICTED"), 10, TextTable::Align::kRight},
               {N_("ARGUMENTS"), 0}});
  if (o.format == "csv")
    common::CsvWriter::WriteRow(
        out, std::vector<std::string>{"id", "at", "os_user", "command", "results", "restricted",
                                      "arguments"});
  QueryOutcome outcome;
  bool unfinished = false;  // a table row shows "-" for results -1
  while (true) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ++outcome.results;
    const json args = json::parse(stmt->ColumnText(4), nullptr, false);
    std::string joined;
    if (args.is_array()) {
      for (const json& a : args) {
        if (!a.is_string()) continue;
        const std::string s = a.get<std::string>();
        const bool quote = s.empty() || s.find_first_of(" \t\"'") != std::string::npos;
        joined += (joined.empty() ? "" : " ") + (quote ? json(s).dump() : s);
      }
    }
    if (o.format == "json") {
      out << json{{"id", stmt->ColumnInt(0)},
                  {"at", stmt->ColumnText(1)},
                  {"os_user", stmt->ColumnText(2)},
                  {"command", stmt->ColumnText(3)},
                  {"arguments", args},
                  {"results", stmt->ColumnInt(5)},
                  {"restricted", stmt->ColumnInt(6)}}
                 .dump(-1, ' ', false, json::error_handler_t::replace)
          << "\n";
    } else if (o.format == "csv") {
      common::CsvWriter::WriteRow(
          out, std::vector<std::string>{stmt->ColumnText(0), stmt->ColumnText(1),
                                        stmt->ColumnText(2), stmt->ColumnText(3),
                                        stmt->ColumnText(5), stmt->ColumnText(6), joined});
    } else {
      // -1: written before the query ran and never completed (a trial read
      // "-1 results").
      const bool ran = stmt->ColumnInt(5) >= 0;
      unfinished = unfinished || !ran;
      t.AddRow({stmt->ColumnText(0), stmt->ColumnText(1), stmt->ColumnText(2), stmt->ColumnText(3),
                ran ? stmt->ColumnText(5) : "-", stmt->ColumnText(6), joined});
    }
  }
  if (o.format == "table") {
    t.Print(out, o.width);
    out << Messages::Format("{} entry(ies)", outcome.results) << "\n";
    if (unfinished)
      out << Messages::Tr(
                 "RESULTS -: the query stopped before it showed anything (refused, failed or "
                 "interrupted), or had not finished when this was read")
          << "\n";
  }
  return outcome;
}

}  // namespace cen::node
