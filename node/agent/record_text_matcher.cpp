#include "node/agent/record_text_matcher.h"

#include "common/record_fields.h"
#include "node/store/fts_text.h"
#include "node/store/text_db.h"
#include "node/store/text_query.h"

namespace cen::node {

common::Result<RecordTextMatcher> RecordTextMatcher::Open() {
  auto db = common::Database::Open(":memory:", common::Database::Mode::kReadWriteCreate);
  if (!db.ok()) return db.status();
  // With its content, unlike text.db's: a plain DELETE empties it.
  CEN_RETURN_IF_ERROR(db->Exec("CREATE VIRTUAL TABLE one_text USING fts5(" + TextDb::FtsColumns() +
                               ", " + TextDb::kTokenize + ")"));
  std::string values;
  for (size_t i = 0; i < common::RecordFields::Searched().size(); ++i) values += ", ?";
  auto clear = db->Prepare("DELETE FROM one_text");
  if (!clear.ok()) return clear.status();
  auto insert = db->Prepare("INSERT INTO one_text(rowid, " + TextDb::FtsColumns() + ") VALUES (1" +
                            values + ")");
  if (!insert.ok()) return insert.status();
  auto match = db->Prepare("SELECT 1 FROM one_text WHERE one_text MATCH ?");
  if (!match.ok()) return match.status();
  return RecordTextMatcher(std::move(*db), std::move(*clear), std::move(*insert),
                           std::move(*match));
}

common::Status RecordTextMatcher::Load(const common::MsgpackMap& record) {
  CEN_RETURN_IF_ERROR(clear_.Run());
  int column = 1;
  for (const std::string_view field : common::RecordFields::Searched())
    FtsText::Bind(insert_, column++, record.Text(field));
  return insert_.Run();
}

common::Result<bool> RecordTextMatcher::Matches(const std::string& query) {
  match_.Bind(1, TextQuery::ToMatch(query));
  auto row = match_.Step();
  match_.Reset();
  return row;
}

}  // namespace cen::node
