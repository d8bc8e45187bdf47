// The searched fields of a record's document (node.db `documents.doc`, the
// JSON text the replica writes), read in one pass without a tree: what the
// full-text indexer (TextIndexer) puts into text.db.
//
// Until 2026-12-05 the indexer asked SQLite for them, two JSON functions a
// field (json_type, json_extract), and that was more than half of the
// index's CPU (2.3 of 4.3 us a record); simdjson parses the document once,
// with the SIMD instructions this CPU has (chosen at run time).
//
//   SearchedText text;
//   auto fields = text.Read(doc);   // one per RecordFields::Searched()
//   if (fields.ok() && (*fields)[0]) ... (*fields)[0] is the description
//
// A view stays valid until the next Read. Not thread-safe (one per thread).
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cen::node {

class SearchedText {
 public:
  using Fields = std::vector<std::optional<std::string_view>>;

  SearchedText();

  // The value of each searched field, in RecordFields::Searched() order, with
  // JSON escapes decoded; nullopt for a field that is absent or not a string
  // (as SQLite's json_type would have left it out). An error for text that
  // is not a JSON object.
  common::Result<Fields> Read(std::string_view doc);

 private:
  simdjson::dom::parser parser_;
  std::string padded_;  // the document, copied with simdjson's padding after it
  Fields fields_;
};

}  // namespace cen::node
