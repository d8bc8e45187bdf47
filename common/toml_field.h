// One setting of hub.toml or node.toml, read strictly: its default when the
// key is absent, an error naming the key when it holds another type or a
// number out of range. (toml++'s value_or() gave the default for a quoted
// number and let 70000 wrap into a 16-bit port: a hub listened on 4464.)
//
//   auto port = TomlField::Int(table, "ingest_port", 7701, 1, 65535);
//   if (!port.ok()) return InvalidInput(path + ": " + port.status().message());
//   // "ingest_port: must be an integer from 1 to 65535 (it is "abc")"
//   Status read = TomlField::Read(table, "ingest_port", config.ingest_port, 1, 65535);
//   Status known = TomlField::CheckKnown(table, {"hub_id", "bind", "ingest_port"});
//   // "bogus_key: not a setting (the settings here: hub_id, bind, ingest_port)"
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/status.h"

namespace cen::common {

class TomlField {
 public:
  static Result<int64_t> Int(const toml::table& table, std::string_view key, int64_t fallback,
                             int64_t min, int64_t max);
  static Result<std::string> Text(const toml::table& table, std::string_view key,
                                  std::string fallback);
  // Int() and Text() into `field`, whose value is the default: a setting a call.
  template <typename T>
  static Status Read(const toml::table& table, std::string_view key, T& field, int64_t min,
                     int64_t max) {
    auto value = Int(table, key, field, min, max);
    if (!value.ok()) return value.status();
    field = static_cast<T>(*value);
    return Status::Ok();
  }
  static Status Read(const toml::table& table, std::string_view key, std::string& field);
  static Status Read(const toml::table& table, std::string_view key, bool& field);
  // A key of `table` that is not in `known`: a misspelled setting would be
  // ignored (a failover list left out, silently).
  static Status CheckKnown(const toml::table& table, std::initializer_list<std::string_view> known);
  // A ZeroMQ TCP endpoint, tcp://HOST:PORT with a port from 1 to 65535
  // (`what` names it in the error: "hub", "--hub").
  static Status CheckEndpoint(std::string_view what, std::string_view endpoint);
  // toml++'s refusal of the file at `path` as "PATH:LINE: what", with a hint
  // when that line's value is text without quotes (`hub = tcp://...` read
  // as a misspelled boolean: "expected 'true', saw 'tc'").
  static Status ParseError(const std::string& path, const toml::parse_error& error);
};

}  // namespace cen::common
