// The searched fields of a record's document (node.db `documents.doc`, the
// JSON text the replica writes), read in one parse: what the full-text
// indexer (TextIndexer) puts into text.db.
//
// Until 2026-12-05 the indexer asked SQLite for them, two JSON functions a
// field (json_type, json_extract), and that was more than half of the
// index's CPU (2.3 of 4.3 us a record); simdjson parses the document once,
// with the SIMD instructions this CPU has (chosen at run time).
//
//   SearchedText text;
//   auto fields = text.Read(doc);   // one per RecordFields::Searched()
//   if (fields.ok() && (**fields)[0]) ... (**fields)[0] is the description
//
// The fields and their views stay valid until the next Read. Not
// thread-safe (one per thread).
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cen::node {

class SearchedText {
 public:
  using Fields = std::vector<std::optional<std::string_view>>;

  SearchedText();
  ~SearchedText();
  SearchedText(const SearchedText&) = delete;
  SearchedText& operator=(const SearchedText&) = delete;

  // The value of each searched field, in RecordFields::Searched() order, with
  // JSON escapes decoded; nullopt for a field that is absent or not a string
  // (as SQLite's json_type would have left it out; of a key written twice,
  // the first, as json_extract reads it). An error for text that is not one
  // JSON object.
  common::Result<const Fields*> Read(std::string_view doc);

 private:
  class Parser;  // simdjson's, kept out of this header
  std::unique_ptr<Parser> parser_;
  Fields fields_;
};

}  // namespace cen::node
