// Each distinct string once: Intern() returns the one copy of a text, at an
// address that stays put for the pool's life (also when the pool is moved),
// so that many rows naming the same few values (countries, commodities,
// dates) hold a pointer each instead of a string each.
//
//   StringPool pool;
//   const std::string* nl = pool.Intern("NL");  // pool.Intern("NL") == nl
//
// Not thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace cen::node {

class StringPool {
 public:
  StringPool() = default;
  // A copy's strings would be other strings than those pointed at.
  StringPool(const StringPool&) = delete;
  StringPool& operator=(const StringPool&) = delete;
  StringPool(StringPool&&) noexcept = default;
  StringPool& operator=(StringPool&&) noexcept = default;

  const std::string* Intern(std::string_view text) {
    auto found = strings_.find(text);
    if (found == strings_.end()) found = strings_.emplace(text).first;
    return &*found;
  }
  // Distinct strings held.
  size_t size() const { return strings_.size(); }

 private:
  // Looked up by string_view without building a string.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // unordered_set's nodes never move: the addresses handed out stay valid.
  std::unordered_set<std::string, Hash, std::equal_to<>> strings_;
};

}  // namespace cen::node
