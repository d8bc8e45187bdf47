#include "node/store/text_query.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "common/messages.h"
#include "common/record_fields.h"
#include "node/store/fts_text.h"

namespace cen::node {
namespace {

bool Blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// A character FTS5 takes as part of a bareword: ASCII letters and digits,
// '_', the substitute character, and every byte of a non-ASCII character.
bool Bareword(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '\x1a';
}

// Whether `word` (with its ':') is a column filter: `col:` (whatever col),
// `col:term` or `-col:term` of a searched column, or `b}:` ending a set.
bool ColumnFilter(std::string_view word) {
  const size_t colon = word.find(':');
  // `col: term`, an unknown column included (FTS5 names it).
  if (colon + 1 == word.size()) return true;
  std::string_view head = word.substr(0, colon);
  if (head.starts_with('-')) head.remove_prefix(1);
  if (head.starts_with('{') || head.ends_with('}') || head.empty()) return true;
  const auto& searched = common::RecordFields::Searched();
  return std::find(searched.begin(), searched.end(), head) != searched.end();
}

// `-word` as a search engine reads it: without that word. Not a column
// filter (-col:term, -{a b}:) and not a number (-20).
bool Excluded(std::string_view word) {
  if (word.size() < 2 || word[0] != '-' || word[1] == '-' || word[1] == '{') return false;
  if (word.find(':') != std::string_view::npos && ColumnFilter(word)) return false;
  const char next = word[1];
  return Bareword(next) && !(next >= '0' && next <= '9');
}

bool Operator(std::string_view word) {
  return word == "AND" || word == "OR" || word == "NOT" || word == "NEAR" || word == "+";
}

// Whether the query so far ends with an operator (an excluded word there
// would leave it without its right side).
bool AfterOperator(std::string_view out) {
  while (!out.empty() && Blank(out.back())) out.remove_suffix(1);
  size_t start = out.size();
  while (start > 0 && !Blank(out[start - 1]) && out[start - 1] != '(' && out[start - 1] != ')')
    --start;
  return Operator(out.substr(start));
}

// Whether the word after typed[end] is an operator (it would lose its left side).
bool BeforeOperator(std::string_view typed, size_t end) {
  while (end < typed.size() && Blank(typed[end])) ++end;
  size_t stop = end;
  while (stop < typed.size() && !Blank(typed[stop]) && typed[stop] != '(' && typed[stop] != ')' &&
         typed[stop] != '"')
    ++stop;
  return Operator(typed.substr(end, stop - end));
}

}  // namespace

std::string TextQuery::Word(std::string_view word) {
  // Operators, phrase joins and column filters are the analyst's syntax.
  if (word == "AND" || word == "OR" || word == "NOT" || word == "NEAR" || word == "+") {
    return std::string(word);
  }
  if (const size_t colon = word.find(':'); colon != std::string_view::npos && ColumnFilter(word)) {
    // The term after `col:` is a word like any other.
    const std::string_view term = word.substr(colon + 1);
    return std::string(word.substr(0, colon + 1)) + (term.empty() ? "" : Word(term));
  }
  // A column set: {title body}: or -{title body}:
  if (word.starts_with('{') || word.starts_with("-{")) return std::string(word);
  std::string_view core = word;
  const bool initial = core.starts_with('^');  // ^word: the column's first token
  if (initial) core.remove_prefix(1);
  const bool prefix = core.ends_with('*');
  if (prefix) core.remove_suffix(1);
  // Chinese or Japanese: the phrase of its characters, as text.db holds
  // them (FtsText), so a word inside a longer run is found.
  if (std::optional<std::string> split = FtsText::Split(core)) {
    return std::string(initial ? "^" : "") + '"' + *split + '"' + (prefix ? "*" : "");
  }
  // Words as FTS5 reads them, and punctuation alone (no word to search for:
  // FTS5's refusal, with its hint, says more than a phrase of nothing).
  if (std::all_of(core.begin(), core.end(), Bareword) ||
      std::none_of(core.begin(), core.end(), Bareword)) {
    return std::string(word);
  }
  return std::string(initial ? "^" : "") + '"' + std::string(core) + '"' + (prefix ? "*" : "");
}

std::string TextQuery::ToMatch(std::string_view typed) {
  std::string out;
  out.reserve(typed.size() + 8);
  // For each open parenthesis, whether it opened a NEAR group, where a comma
  // comes before the distance.
  std::vector<bool> groups;
  bool after_near = false;
  // A search engine's -word at the top level: FTS5 would search for the
  // word itself. It binds looser than the words around it (FTS5 reads
  // "a NOT b c" as a NOT (b AND c)), so the excluded words go last:
  // (the rest) NOT b NOT c.
  std::vector<std::string> excluded;
  std::string as_typed;  // the same words, searched as written, if nothing else is
  size_t i = 0;
  while (i < typed.size()) {
    const char c = typed[i];
    const bool in_near = !groups.empty() && groups.back();
    if (c == '"') {
      // A phrase as typed, "" standing for a quote inside it; one left
      // open is FTS5's to refuse.
      size_t end = i + 1;
      while (end < typed.size()) {
        if (typed[end] == '"') {
          if (end + 1 < typed.size() && typed[end + 1] == '"') {
            end += 2;
            continue;
          }
          ++end;
          break;
        }
        ++end;
      }
      if (!out.empty() && out.back() == '"') out += ' ';  // "a""b" would be one phrase
      const std::string_view phrase = typed.substr(i, end - i);
      out.append(FtsText::Split(phrase).value_or(std::string(phrase)));
      i = end;
      after_near = false;
      continue;
    }
    if (Blank(c) || c == '(' || c == ')' || (c == ',' && in_near)) {
      if (c == '(') groups.push_back(after_near);
      if (c == ')' && !groups.empty()) groups.pop_back();
      out += c;
      ++i;
      if (!Blank(c)) after_near = false;
      continue;
    }
    size_t end = i;
    while (end < typed.size() && !Blank(typed[end]) && typed[end] != '(' && typed[end] != ')' &&
           typed[end] != '"' && !(typed[end] == ',' && in_near)) {
      ++end;
    }
    const std::string_view word = typed.substr(i, end - i);
    if (word == "*" && !out.empty() && out.back() == '"') {
      out += '*';  // a prefix phrase: "a b"*
    } else if (groups.empty() && Excluded(word) && !AfterOperator(out) &&
               !BeforeOperator(typed, end)) {
      excluded.push_back(Word(word.substr(1)));
      as_typed += (as_typed.empty() ? "" : " ") + Word(word);
    } else {
      if (!out.empty() && out.back() == '"') out += ' ';  // "a b"x-ray: two terms
      out += Word(word);
    }
    after_near = word == "NEAR";
    i = end;
  }
  if (excluded.empty()) return out;
  while (!out.empty() && Blank(out.back())) out.pop_back();
  while (!out.empty() && Blank(out.front())) out.erase(0, 1);
  if (out.empty()) return as_typed;  // nothing to exclude from
  out = "(" + out + ")";
  for (const std::string& word : excluded) out += " NOT " + word;
  return out;
}

std::string TextQuery::Explain(std::string_view reason) {
  using common::Messages;
  // Between the quotes of `prefix"X"`, when `reason` is that.
  const auto quoted = [&](std::string_view prefix) -> std::optional<std::string> {
    if (!reason.starts_with(prefix) || !reason.ends_with('"')) return std::nullopt;
    return std::string(reason.substr(prefix.size(), reason.size() - prefix.size() - 1));
  };
  if (const auto near = quoted("fts5: syntax error near \"")) {
    if (near->empty())
      return Messages::Tr(
          "it ends too early: an OR, NOT, AND, a bracket or a field: needs what follows it");
    return Messages::Format("cannot read it at {}: OR, NOT and AND go between two words", *near);
  }
  if (reason == "unterminated string") return Messages::Tr("a quotation mark is not closed");
  if (reason.starts_with("no such column: ")) {
    std::string fields;
    for (const std::string_view field : common::RecordFields::Searched()) {
      if (!fields.empty()) fields += ", ";
      fields += field;
    }
    return Messages::Format("{}: no such field to search in (field: word, with one of {})",
                            reason.substr(16), fields);
  }
  if (const auto got = quoted("expected integer, got \""))
    return Messages::Format("NEAR(...)'s distance is a number of words, not {}", *got);
  if (reason.starts_with("unknown special query"))
    return Messages::Tr("a * needs the start of a word before it, as in tobacc*");
  if (reason.starts_with("fts5: ")) return std::string(reason.substr(6));
  return std::string(reason);
}

}  // namespace cen::node
