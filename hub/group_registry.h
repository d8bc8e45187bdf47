// Closed user groups for `group:NAME` scopes (an operation's members), backed
// by the `groups` and `group_members` tables of hub.db. `cen-hub group ...`
// run from another process takes effect on a running hub: Refresh() re-reads
// the tables when another connection has committed, and re-decides expiry
// when the UTC date changes.
//
//   GroupRegistry groups(&db);
//   CEN_RETURN_IF_ERROR(groups.Refresh());
//   if (groups.IsMember("OP-TIDE", "RILO-WE")) ...  // false once OP-TIDE expired
//
// A group with `expires` YYYY-MM-DD is in force through that day (UTC).
// Not thread-safe: each thread keeps its own GroupRegistry over its own Database.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/sqlite_db.h"

namespace cen::hub {

struct GroupInfo {
  std::string name;
  std::string expires;  // YYYY-MM-DD, or empty: no expiry
  std::vector<std::string> members;
  std::vector<std::string> added_at;  // when each member was added (RFC 3339), same order
};

class GroupRegistry {
 public:
  explicit GroupRegistry(common::Database* db) : db_(db) {}

  // 1-32 of A-Z a-z 0-9 _ - (the NAME of a `group:NAME` scope).
  static bool IsValidName(std::string_view name);
  // YYYY-MM-DD with a real month and day.
  static bool IsValidDate(std::string_view date);

  // kAlreadyExists when the group exists. `expires` may be empty.
  // `at` (RFC 3339) stamps it; empty: now (a cluster member passes the
  // time the leader gave). Add() likewise.
  common::Status Create(const std::string& name, const std::string& expires,
                        const std::string& at = "");
  // kNotFound when the group does not exist or the node is not registered.
  common::Status Add(const std::string& name, const std::string& node, const std::string& at = "");
  // kNotFound when the node is not a member.
  common::Status Remove(const std::string& name, const std::string& node);
  common::Result<std::vector<GroupInfo>> List();

  // Re-reads the groups when the database changed or the day did. `today`
  // (YYYY-MM-DD) decides which have expired; empty: today's UTC date. A hub
  // cluster member passes the day the leader received the entry it applies,
  // so every member decides alike whenever it applies it.
  common::Status Refresh(std::string_view today = {});
  // The next Refresh() reads the table again (after this connection itself
  // replaced the database, which PRAGMA data_version does not report).
  void Invalidate() { loaded_version_ = -1; }
  // True when a group `name` was created, expired or not.
  bool Exists(std::string_view name) const { return known_.find(name) != known_.end(); }
  // True when `node` is a member of group `name` and the group has not expired.
  bool IsMember(std::string_view name, std::string_view node) const;
  // The groups in force that `node` is a member of, by name (WELCOME and
  // PONG say them: an agent added to a group fetches what it holds).
  std::vector<std::string> GroupsOf(std::string_view node) const;
  // When `node` was added to each of GroupsOf(node), in the same order: a
  // node taken out of a group and added again between two PONGs learns it
  // joined again (records the group got meanwhile were withheld from it).
  std::vector<std::string> GroupsSince(std::string_view node) const;

 private:
  common::Status RequireGroup(const std::string& name);

  common::Database* db_;  // not owned
  int64_t loaded_version_ = -1;
  std::string loaded_date_;
  std::set<std::string, std::less<>> known_;  // every group's name
  // Groups in force only: name -> member -> when it was added.
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> active_;
};

}  // namespace cen::hub
