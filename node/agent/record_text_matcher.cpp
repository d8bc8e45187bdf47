#include "node/agent/record_text_matcher.h"

#include "common/record_fields.h"
#include "node/store/text_db.h"

namespace cen::node {

common::Result<RecordTextMatcher> RecordTextMatcher::Open() {
  auto db = common::Database::Open(":memory:", common::Database::Mode::kReadWriteCreate);
  if (!db.ok()) return db.status();
  // With its content, unlike text.db's: a plain DELETE empties it.
  CEN_RETURN_IF_ERROR(db->Exec("CREATE VIRTUAL TABLE one_text USING fts5(" + TextDb::FtsColumns() +
                               ", " + TextDb::kTokenize + ")"));
  return RecordTextMatcher(std::move(*db));
}

common::Status RecordTextMatcher::Load(const common::MsgpackMap& record) {
  auto clear = db_.Cached("DELETE FROM one_text");
  if (!clear.ok()) return clear.status();
  CEN_RETURN_IF_ERROR((*clear)->Run());
  std::string values;
  for (size_t i = 0; i < common::RecordFields::Searched().size(); ++i) values += ", ?";
  auto insert = db_.Cached("INSERT INTO one_text(rowid, " + TextDb::FtsColumns() + ") VALUES (1" +
                           values + ")");
  if (!insert.ok()) return insert.status();
  int column = 1;
  for (const std::string_view field : common::RecordFields::Searched())
    (*insert)->BindViewOrNull(column++, record.Text(field));
  return (*insert)->Run();
}

common::Result<bool> RecordTextMatcher::Matches(const std::string& query) {
  auto match = db_.Cached("SELECT 1 FROM one_text WHERE one_text MATCH ?");
  if (!match.ok()) return match.status();
  (*match)->Bind(1, query);
  auto row = (*match)->Step();
  (*match)->Reset();
  return row;
}

}  // namespace cen::node
