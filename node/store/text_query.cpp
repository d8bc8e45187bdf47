#include "node/store/text_query.h"

#include <algorithm>

namespace cen::node {
namespace {

bool Blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Ends a word: FTS5 reads these as syntax on their own (the comma of
// NEAR(a b, 5)).
bool Boundary(char c) { return Blank(c) || c == '(' || c == ')' || c == '"' || c == ','; }

// A character FTS5 takes as part of a bareword: ASCII letters and digits,
// '_', the substitute character, and every byte of a non-ASCII character.
bool Bareword(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '\x1a';
}

}  // namespace

std::string TextQuery::Word(std::string_view word) {
  // Operators, phrase joins and column filters are the analyst's syntax.
  if (word == "AND" || word == "OR" || word == "NOT" || word == "NEAR" || word == "+" ||
      word.find_first_of(":{}") != std::string_view::npos) {
    return std::string(word);
  }
  std::string_view core = word;
  const bool initial = core.starts_with('^');  // ^word: the column's first token
  if (initial) core.remove_prefix(1);
  const bool prefix = core.ends_with('*');
  if (prefix) core.remove_suffix(1);
  if (core.empty() || std::all_of(core.begin(), core.end(), Bareword)) return std::string(word);
  return std::string(initial ? "^" : "") + '"' + std::string(core) + '"' + (prefix ? "*" : "");
}

std::string TextQuery::ToMatch(std::string_view typed) {
  std::string out;
  out.reserve(typed.size() + 8);
  size_t i = 0;
  while (i < typed.size()) {
    const char c = typed[i];
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
      // A prefix star right after the phrase belongs to it.
      out.append(typed.substr(i, end - i));
      i = end;
      continue;
    }
    if (Boundary(c)) {
      out += c;
      ++i;
      continue;
    }
    size_t end = i;
    while (end < typed.size() && !Boundary(typed[end])) ++end;
    const std::string_view word = typed.substr(i, end - i);
    // A star after a phrase ("a b"*) is not a word.
    if (word == "*" && !out.empty() && out.back() == '"') {
      out += '*';
    } else {
      out += Word(word);
    }
    i = end;
  }
  return out;
}

}  // namespace cen::node
