// What an analyst types after --text (or in a watch list) as the FTS5 query
// text.db and the record matcher run: FTS5's own syntax ("a phrase",
// prefix*, AND / OR / NOT, NEAR(...), parentheses, column: filters), except
// that a word FTS5 would not read as one word (x-ray, Saint-Denis,
// rip-on/rip-off, 2939.72) is searched as written, as the phrase of its
// parts, where FTS5 alone reads "x-ray" as a column filter ("no such
// column: ray") and stops at a slash or a dot. A search engine's `-word`
// after a term means NOT word (FTS5 alone searched for the word itself).
//
//   TextQuery::ToMatch("cocaine -banana")   // "cocaine NOT banana"
//   TextQuery::ToMatch("x-ray scanner*")    // "\"x-ray\" scanner*"
//   TextQuery::ToMatch("Saint-Denis*")      // "\"Saint-Denis\"*"
//   TextQuery::Explain("fts5: syntax error near \"\"")  // "it ends too early: ..."
#pragma once

#include <string>
#include <string_view>

namespace cen::node {

class TextQuery {
 public:
  static std::string ToMatch(std::string_view typed);
  // SQLite's reason for refusing a MATCH, in the analyst's words (translated);
  // a reason it does not know stays SQLite's, without its "fts5: " prefix.
  static std::string Explain(std::string_view sqlite_reason);

 private:
  // One run of text between blanks, parentheses and quoted phrases.
  static std::string Word(std::string_view word);
};

}  // namespace cen::node
