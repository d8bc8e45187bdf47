#include "node/store/fts_text.h"

#include <sqlite3.h>

#include <algorithm>

#include "common/utf8.h"

namespace cen::node {
namespace {

// Han ideographs (with the extension blocks and compatibility forms),
// hiragana, katakana and half-width katakana: scripts written without
// blanks between words. Hangul is written with blanks: unicode61 splits it.
bool Ideograph(uint32_t c) {
  return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x31F0 && c <= 0x31FF) ||
         (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFF66 && c <= 0xFF9F) ||
         (c >= 0x20000 && c <= 0x3134F);
}

void SqlSplit(sqlite3_context* context, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
    sqlite3_result_value(context, argv[0]);
    return;
  }
  const auto* bytes = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const std::string_view text(bytes, static_cast<size_t>(sqlite3_value_bytes(argv[0])));
  std::optional<std::string> split = FtsText::Split(text);
  if (!split) {
    sqlite3_result_value(context, argv[0]);
    return;
  }
  sqlite3_result_text64(context, split->data(), split->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

}  // namespace

std::optional<std::string> FtsText::Split(std::string_view text) {
  size_t i = 0;
  std::string out;
  bool any = false;
  size_t copied = 0;
  const auto replace = [&](size_t at, size_t length, std::string_view with) {
    if (!any) out.reserve(text.size() + text.size() / 2);
    any = true;
    out.append(text.substr(copied, at - copied));
    out.append(with);
    copied = at + length;
  };
  while (i < text.size()) {
    // Only the bytes that may start ß (0xC3 0x9F), ẞ (0xE1 ...) or an
    // ideograph (three or four bytes from 0xE3 up) are decoded: other text
    // (English, accented Latin, Cyrillic, Arabic) stays a byte scan.
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0xC3 || (b > 0xC3 && b < 0xE1) ||
        (b == 0xC3 && (i + 1 == text.size() || static_cast<unsigned char>(text[i + 1]) != 0x9F))) {
      ++i;
      continue;
    }
    uint32_t c = 0;
    const size_t length = std::max<size_t>(common::Utf8::Decode(text, i, &c), 1);
    if (length > 1 && Ideograph(c)) {
      replace(i, length, " " + std::string(text.substr(i, length)) + " ");
    } else if (c == 0xDF || c == 0x1E9E) {
      // German writes ß as ss without the letter (Strasse); unicode61 folds
      // case and accents, not this.
      replace(i, length, "ss");
    }
    i += length;
  }
  if (!any) return std::nullopt;
  out.append(text.substr(copied));
  return out;
}

void FtsText::Bind(common::Statement& statement, int column, std::optional<std::string_view> text) {
  if (std::optional<std::string> split = text ? Split(*text) : std::nullopt) {
    statement.Bind(column, *split);  // copied
  } else {
    statement.BindViewOrNull(column, text);  // the caller's text, kept until the statement runs
  }
}

common::Status FtsText::Register(common::Database& db) {
  const int rc =
      sqlite3_create_function_v2(db.handle(), "cen_fts_text", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                 nullptr, SqlSplit, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK)
    return common::Internal(std::string("registering cen_fts_text: ") + sqlite3_errstr(rc));
  return common::Status::Ok();
}

}  // namespace cen::node
