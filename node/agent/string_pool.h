// Each distinct string once: Intern() returns the one copy of a text, at an
// address that stays put for the pool's life (also when the pool is moved),
// so that many rows naming the same few values (countries, commodities,
// dates) hold a pointer each instead of a string each. Each text also has a
// rank that orders the pool's texts as their bytes do, so rows sort by
// comparing integers instead of strings.
//
//   StringPool pool;
//   const StringPool::Text* nl = pool.Intern("NL");  // pool.Intern("NL") == nl
//   const StringPool::Text* be = pool.Intern("BE");  // be->rank < nl->rank
//
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cen::node {

class StringPool {
 public:
  struct Text {
    std::string text;
    // a->text < b->text exactly when a->rank < b->rank, for two texts of one
    // pool. A text interned later may renumber the others (order kept).
    mutable uint64_t rank = 0;
  };

  StringPool() = default;
  // A copy's texts would be other texts than those pointed at.
  StringPool(const StringPool&) = delete;
  StringPool& operator=(const StringPool&) = delete;
  StringPool(StringPool&&) noexcept = default;
  StringPool& operator=(StringPool&&) noexcept = default;

  const Text* Intern(std::string_view text);
  // Distinct texts held.
  size_t size() const { return texts_.size(); }
  // Ranks handed out from scratch since the pool began (a text fell between
  // two neighbours with no rank left between them).
  int renumbered() const { return renumbered_; }

  // Orders rows by one of their interned texts: by rank, no bytes compared.
  static int Compare(const Text* a, const Text* b) {
    return a->rank < b->rank ? -1 : a->rank > b->rank ? 1 : 0;
  }

 private:
  struct ByText {
    using is_transparent = void;
    bool operator()(const Text& a, const Text& b) const { return a.text < b.text; }
    bool operator()(const Text& a, std::string_view b) const { return a.text < b; }
    bool operator()(std::string_view a, const Text& b) const { return a < b.text; }
  };

  // Gives every text a rank again, evenly spaced, in text order.
  void Renumber();

  // std::set's nodes never move: the addresses handed out stay valid.
  std::set<Text, ByText> texts_;
  // Each text by its bytes (views into texts_): one hash per lookup instead
  // of a path of string comparisons down the set.
  std::unordered_map<std::string_view, const Text*> index_;
  int renumbered_ = 0;
};

}  // namespace cen::node
