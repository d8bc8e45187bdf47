// Runs the office's hook commands (`cen-node run --on-alert CMD`, `--on-hit
// CMD`) for each newly applied alert or new indicator hit, without ever
// blocking the agent's loop.
//
// The code that applies a record queues the event in node.db (hook_events)
// inside its own transaction, so the record and its event commit together.
// Poll() runs `/bin/sh -c CMD` for it with:
//   - stdin: the event as one line of JSON, then EOF (written without blocking,
//     over as many Poll() calls as the hook takes to read it);
//   - stdout, stderr: the agent's own (hook output lands in the agent's log);
//   - environment: the agent's, plus CEN_HOOK=alert or CEN_HOOK=hit;
//   - its own process group, default signal dispositions, and no descriptor
//     of the agent other than 0, 1 and 2.
//
//   // node schema: NodeSchema::kHookEventsSql. Applying a record, in its transaction:
//   if (hooks.Wants(HookRunner::kAlert))
//     CEN_RETURN_IF_ERROR(HookRunner::Enqueue(db, HookRunner::kAlert, alert));
//   // the agent:
//   HookRunner hooks(&db, {config.on_alert, config.on_hit}, {});
//   ... every loop turn: Guard(hooks.Poll(std::chrono::steady_clock::now()));
//
// A hook attempt fails when the command exits non-zero, dies of a signal,
// cannot be started, or outlives Options::timeout (its process group is then
// SIGKILLed). Each failure is logged and retried after a backoff doubling from
// first_backoff up to max_backoff; after max_attempts the event is logged as
// given up and kept with state 'failed' for an operator, who can run it again
// with `UPDATE hook_events SET state='pending', attempts=0 WHERE id=...`.
//
// Delivery is at least once: an event whose hook was running when the agent
// stopped or died (or whose outcome node.db could not record) is pending again
// and runs again, with the same payload. Hooks must tolerate a repeat.
// Events of a hook that has no command configured stay pending, unrun.
//
// Not thread-safe: owned by the agent's thread, with its node.db connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/sqlite_db.h"
#include "common/status.h"

namespace cen::node {

class HookRunner {
 public:
  using Clock = std::chrono::steady_clock;

  // The hook names stored in hook_events.hook.
  static constexpr std::string_view kAlert = "alert";
  static constexpr std::string_view kHit = "hit";

  // The durable queue is NodeSchema::kHookEventsSql (node/store/node_schema.h).

  struct Commands {
    std::string on_alert;  // empty: alerts run no hook
    std::string on_hit;    // empty: hits run no hook
  };

  struct Options {
    int max_attempts = 5;                           // then the event is 'failed'
    std::chrono::milliseconds timeout{30000};       // per attempt, then SIGKILL
    std::chrono::milliseconds first_backoff{1000};  // before the 2nd attempt
    std::chrono::milliseconds max_backoff{60000};   // the doubling stops here
    int max_running = 2;  // hooks running at once; with 2 or more, hits never take the last
  };

  // Queues `event` for `hook` (kAlert or kHit; kInvalidInput otherwise). One
  // INSERT: call it inside the transaction that applies the record, and only
  // when Wants(hook). Text that is not valid UTF-8 is replaced by U+FFFD, so
  // the hook always gets valid JSON.
  static common::Status Enqueue(common::Database& db, std::string_view hook,
                                const nlohmann::json& event);

  // REQUIRES: `db` outlives the runner and holds NodeSchema::kHookEventsSql; max_attempts >= 1,
  // max_running >= 1.
  HookRunner(common::Database* db, Commands commands, Options options);
  // Kills the running hooks (SIGKILL to their groups) and reaps them; their
  // events stay pending and run again under the next runner.
  ~HookRunner();
  HookRunner(const HookRunner&) = delete;
  HookRunner& operator=(const HookRunner&) = delete;

  // A command is configured for `hook`.
  bool Wants(std::string_view hook) const;

  // Never blocks: feeds the hooks' stdin as far as their pipes take it, reaps
  // the hooks that finished (waitpid WNOHANG, by pid: other children of the
  // process are left alone), kills those past the timeout (reaped by a later
  // Poll), records outcomes, then starts due events in id order up to
  // max_running. `now` times the attempts; backoffs are stored as wall-clock
  // unix ms so that they survive a restart. A node.db error is returned, the
  // outcomes it kept from being recorded are tried again at the next Poll.
  // Writes to a hook's stdin never raise SIGPIPE (blocked for the write, then
  // discarded): the process's SIGPIPE disposition does not matter.
  common::Status Poll(Clock::time_point now);

  // Hooks started and not reaped yet.
  size_t Running() const;
  // Events in state 'pending', running ones included.
  common::Result<int64_t> Pending() const;

 private:
  class OwnedFd;
  struct Child;
  struct Outcome;
  struct DueEvent {
    int64_t id;
    std::string hook;
    std::string payload;
    int attempts;
  };

  const std::string& CommandOf(std::string_view hook) const;
  bool Busy(int64_t id) const;
  void ReapChildren(Clock::time_point now);
  // Notes the outcome of attempt number `attempt` (1-based) and logs a failure.
  void Finish(int64_t id, const std::string& hook, int attempt, std::optional<std::string> error);
  common::Status Settle();
  common::Status StartDue(Clock::time_point now);
  common::Status Start(const DueEvent& event, Clock::time_point now);
  common::Status WarnAboutUnconfigured();
  common::Result<common::Statement*> Cached(std::optional<common::Statement>& slot,
                                            std::string_view sql);

  common::Database* db_;  // not owned
  Commands commands_;
  Options options_;
  std::vector<Child> children_;
  std::vector<Outcome> unsettled_;  // outcomes not yet written to hook_events
  std::optional<common::Statement> select_alerts_;
  std::optional<common::Statement> select_hits_;
  std::optional<common::Statement> update_;
  bool warned_unconfigured_ = false;
};

}  // namespace cen::node
