// Matches a --text query (FTS5 syntax) against the searched fields of one
// record, as a query over the replica's full-text index would: a watch list
// checks each record as it is applied, before text.db has it
// (node/store/text_db.h). The record is held in an FTS5 table of an
// in-memory database of its own, with the replica's columns and tokenizer.
//
//   auto matcher = RecordTextMatcher::Open();
//   CEN_RETURN_IF_ERROR(matcher->Load(record));
//   auto hit = matcher->Matches("cocaine bananas");
//
// Not thread-safe.
#pragma once

#include <string>

#include "common/msgpack_map.h"
#include "common/sqlite_db.h"

namespace cen::node {

class RecordTextMatcher {
 public:
  static common::Result<RecordTextMatcher> Open();

  // Holds `record`'s searched fields (those that are strings) in place of
  // the last record's.
  common::Status Load(const common::MsgpackMap& record);
  // Whether the record held matches `query`; a syntax error is an error.
  common::Result<bool> Matches(const std::string& query);

 private:
  RecordTextMatcher(common::Database db, common::Statement clear, common::Statement insert,
                    common::Statement match)
      : db_(std::move(db)),
        clear_(std::move(clear)),
        insert_(std::move(insert)),
        match_(std::move(match)) {}
  common::Database db_;
  // Prepared once (Load runs for every record applied while a watch has
  // --text).
  common::Statement clear_;
  common::Statement insert_;
  common::Statement match_;
};

}  // namespace cen::node
