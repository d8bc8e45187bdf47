#include "common/toml_field.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <sstream>
#include <utility>

#include "common/tcp_endpoint.h"

namespace cen::common {

namespace {

// The value as the file gives it, for the error: "abc", 70000, true.
std::string Shown(const toml::node& node) {
  std::ostringstream out;
  node.visit([&](const auto& v) {
    if constexpr (toml::is_string<decltype(v)>) {
      out << '"' << v.get() << '"';
    } else {
      out << v;
    }
  });
  return out.str();
}

}  // namespace

Result<int64_t> TomlField::Int(const toml::table& table, std::string_view key, int64_t fallback,
                               int64_t min, int64_t max) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return fallback;
  const auto* value = node->as_integer();
  if (value == nullptr || value->get() < min || value->get() > max) {
    const bool any =
        min <= -std::numeric_limits<int64_t>::max() && max == std::numeric_limits<int64_t>::max();
    return InvalidInput(std::string(key) + ": must be an integer" +
                        (any ? "" : " from " + std::to_string(min) + " to " + std::to_string(max)) +
                        " (it is " + Shown(*node) + ")");
  }
  return value->get();
}

Result<std::string> TomlField::Text(const toml::table& table, std::string_view key,
                                    std::string fallback) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return fallback;
  const auto* value = node->as_string();
  if (value == nullptr)
    return InvalidInput(std::string(key) + ": must be text in quotes (it is " + Shown(*node) + ")");
  return value->get();
}

Status TomlField::Read(const toml::table& table, std::string_view key, std::string& field) {
  auto value = Text(table, key, field);
  if (!value.ok()) return value.status();
  field = std::move(*value);
  return Status::Ok();
}

Status TomlField::Read(const toml::table& table, std::string_view key, bool& field) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return Status::Ok();
  const auto* value = node->as_boolean();
  if (value == nullptr)
    return InvalidInput(std::string(key) + ": must be true or false (it is " + Shown(*node) + ")");
  field = value->get();
  return Status::Ok();
}

Status TomlField::CheckKnown(const toml::table& table,
                             std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : table) {
    if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
    std::string settings;
    for (const std::string_view k : known) {
      if (!settings.empty()) settings += ", ";
      settings += k;
    }
    return InvalidInput(std::string(key.str()) + ": not a setting (the settings here: " + settings +
                        ")");
  }
  return Status::Ok();
}

Status TomlField::CheckEndpoint(std::string_view what, std::string_view endpoint) {
  if (IsTcpEndpoint(endpoint)) return Status::Ok();
  return InvalidInput(std::string(what) +
                      ": must be tcp://HOST:PORT with a port from 1 to 65535 (it is '" +
                      std::string(endpoint) + "')");
}

Status TomlField::ParseError(const std::string& path, const toml::parse_error& error) {
  const auto line_no = static_cast<size_t>(error.source().begin.line);
  std::string message =
      path + ":" + std::to_string(line_no) + ": " + std::string(error.description());
  std::ifstream in(path);
  std::string line;
  for (size_t n = 1; n <= line_no && std::getline(in, line); ++n) {
  }
  const size_t eq = line.find('=');
  if (eq != std::string::npos) {
    const size_t at = line.find_first_not_of(" \t", eq + 1);
    const std::string_view value =
        at == std::string::npos ? std::string_view() : std::string_view(line).substr(at);
    const bool bare_text = !value.empty() && std::isalpha(static_cast<unsigned char>(value[0])) &&
                           !value.starts_with("true") && !value.starts_with("false") &&
                           !value.starts_with("inf") && !value.starts_with("nan");
    if (bare_text) {
      std::string key(line.substr(0, eq));
      key.erase(key.find_last_not_of(" \t") + 1);
      key.erase(0, key.find_first_not_of(" \t"));
      message += " (a text value needs double quotes: " + key + " = \"...\")";
    }
  }
  return InvalidInput(message);
}

}  // namespace cen::common
