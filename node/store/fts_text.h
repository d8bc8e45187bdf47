// Text as the full-text index holds it. FTS5's unicode61 tokenizer splits
// words at blanks and punctuation; Chinese and Japanese write none between
// words, so a run of ideographs (集装箱内藏有香烟走私) was one token and a
// word inside it (香烟) was never found, by --text or by a watch list. Here
// each ideograph and kana becomes a word of its own, in the text indexed and
// in the query (TextQuery makes 香烟 the phrase "香 烟": the two characters,
// next to each other). German's ß (and ẞ) becomes ss, as a German writes it
// without the letter (Straße, Strasse). Other text passes unchanged.
//
//   FtsText::Split("LED灯 x")         // "LED 灯  x"
//   FtsText::Split("cocaine")         // nullopt: nothing to split
//   FtsText::Register(db);            // SQL: cen_fts_text(text)
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/sqlite_db.h"

namespace cen::node {

class FtsText {
 public:
  // The definition of the index this code writes and reads (text.db's
  // PRAGMA user_version): 1, ideographs split; 2, ß as ss too. An index of
  // another definition is built again.
  static constexpr int kDefinition = 2;

  // `text` with a space before and after each CJK ideograph or kana, and ss
  // for ß; nullopt when it has none (the text is indexed as it is).
  static std::optional<std::string> Split(std::string_view text);
  // Binds `text` as the index holds it to `column` of `statement`: Split's
  // copy, or a view of `text` itself (which must outlive the statement's
  // run); NULL for nullopt.
  static void Bind(common::Statement& statement, int column, std::optional<std::string_view> text);
  // Registers cen_fts_text(text) on `db`: Split's result, or the text
  // itself (NULL stays NULL).
  static common::Status Register(common::Database& db);
};

}  // namespace cen::node
