#include "node/agent/hook_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <utility>

#include "common/clock.h"

extern char** environ;  // NOLINT: POSIX declares it nowhere else

namespace cen::node {
namespace {

// One hook's due events in id order: alerts through hook_events_alerts
// (a backlog of pending hits is not read past to find them), hits through
// hook_events_pending.
constexpr std::string_view kSelectDueAlerts =
    "SELECT id, hook, payload, attempts FROM hook_events"
    " WHERE state = 'pending' AND hook = 'alert' AND next_at <= ?1 ORDER BY id LIMIT ?2";
constexpr std::string_view kSelectDueHits =
    "SELECT id, hook, payload, attempts FROM hook_events"
    " WHERE state = 'pending' AND hook = 'hit' AND next_at <= ?1 ORDER BY id LIMIT ?2";
constexpr std::string_view kUpdate =
    "UPDATE hook_events SET attempts = ?1, state = ?2, next_at = ?3,"
    " last_error = COALESCE(?4, last_error) WHERE id = ?5";

// Owns posix_spawn's attributes and file actions.
class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  ~SpawnSetup() {
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
  }

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
};

common::Status Errno(std::string_view what, int error) {
  return common::Unavailable(std::string(what) + ": " + std::strerror(error));
}

// Starts `/bin/sh -c command` in a process group of its own, `stdin_fd` as its
// stdin, default dispositions for the signals a daemon tends to ignore or
// catch, nothing blocked, CEN_HOOK=hook in its environment.
common::Result<pid_t> SpawnShell(const std::string& command, std::string_view hook, int stdin_fd) {
  SpawnSetup setup;
  int rc = posix_spawn_file_actions_adddup2(&setup.actions, stdin_fd, STDIN_FILENO);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  // A long-running hook must not hold the agent's sockets or node.db open.
  if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&setup.actions, STDERR_FILENO + 1);
#endif
  sigset_t no_signals;
  sigemptyset(&no_signals);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (const int sig : {SIGPIPE, SIGCHLD, SIGHUP, SIGINT, SIGQUIT, SIGTERM})
    sigaddset(&defaults, sig);
  if (rc == 0) rc = posix_spawnattr_setpgroup(&setup.attr, 0);
  if (rc == 0) rc = posix_spawnattr_setsigmask(&setup.attr, &no_signals);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(&setup.attr, &defaults);
  if (rc == 0) {
    rc = posix_spawnattr_setflags(
        &setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  if (rc != 0) return Errno("posix_spawn set-up", rc);

  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::string_view(*e).substr(0, 9) != "CEN_HOOK=") env.emplace_back(*e);
  }
  env.push_back("CEN_HOOK=" + std::string(hook));
  std::vector<char*> envp;
  for (auto& var : env) envp.push_back(var.data());
  envp.push_back(nullptr);
  std::string arg0 = "sh";
  std::string arg1 = "-c";
  std::string arg2 = command;
  char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};

  pid_t pid = 0;
  rc = posix_spawn(&pid, "/bin/sh", &setup.actions, &setup.attr, argv, envp.data());
  if (rc != 0) return Errno("cannot run /bin/sh", rc);
  return pid;
}

// write() that cannot raise SIGPIPE, whatever the process's disposition:
// SIGPIPE is blocked for the write and one it raised is taken off the pending
// set before it is unblocked. The signal goes to the writing thread, so the
// thread's mask is enough.
ssize_t WriteWithoutSigpipe(int fd, const char* data, size_t size) {
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigset_t old_mask;
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
  sigset_t pending;
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  const ssize_t n = ::write(fd, data, size);
  const int error = errno;
  if (n < 0 && error == EPIPE && !was_pending) {
    const timespec zero{};
    while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  errno = error;
  return n;
}

std::string DescribeWait(int wstatus) {
  if (WIFEXITED(wstatus)) {
    const int code = WEXITSTATUS(wstatus);
    std::string text = "exit status " + std::to_string(code);
    if (code == 126) text += " (command not executable)";
    if (code == 127) text += " (command not found)";
    return text;
  }
  if (WIFSIGNALED(wstatus)) {
    const int sig = WTERMSIG(wstatus);
    return "killed by signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")";
  }
  return "wait status " + std::to_string(wstatus);
}

}  // namespace

// Owns a file descriptor.
class HookRunner::OwnedFd {
 public:
  explicit OwnedFd(int fd = -1) : fd_(fd) {}
  OwnedFd(OwnedFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  OwnedFd& operator=(OwnedFd&& other) noexcept {
    if (this != &other) {
      Close();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  ~OwnedFd() { Close(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

struct HookRunner::Child {
  int64_t id;
  std::string hook;
  int attempts;  // finished before this one
  pid_t pid;
  OwnedFd stdin_fd;
  std::string input;  // payload + "\n"
  size_t written = 0;
  Clock::time_point deadline;
  bool killed = false;  // SIGKILLed at the timeout, not reaped yet

  // Writes what the pipe takes now; closes it once all is written or the
  // hook closed its end.
  void FeedStdin() {
    if (!stdin_fd.valid()) return;
    while (written < input.size()) {
      const ssize_t n =
          WriteWithoutSigpipe(stdin_fd.get(), input.data() + written, input.size() - written);
      if (n > 0) {
        written += static_cast<size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return;  // the pipe is full: the rest at the next Poll
      } else {
        break;  // EPIPE: the hook does not want the rest
      }
    }
    stdin_fd.Close();  // EOF
  }
};

struct HookRunner::Outcome {
  int64_t id;
  int attempts;
  std::string state;
  int64_t next_at;
  std::optional<std::string> error;
};

common::Status HookRunner::Enqueue(common::Database& db, std::string_view hook,
                                   const nlohmann::json& event) {
  if (hook != kAlert && hook != kHit)
    return common::InvalidInput("unknown hook '" + std::string(hook) + "' (alert or hit)");
  if (!event.is_object()) return common::InvalidInput("a hook event must be a JSON object");
  auto insert = db.Prepare("INSERT INTO hook_events(hook, payload) VALUES (?1, ?2)");
  if (!insert.ok()) return insert.status();
  // dump() without indent writes one line: newlines inside strings are escaped.
  const std::string payload = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return insert->Bind(1, hook).Bind(2, payload).Run();
}

HookRunner::HookRunner(common::Database* db, Commands commands, Options options)
    : db_(db), commands_(std::move(commands)), options_(options) {
  assert(db_ != nullptr);
  assert(options_.max_attempts >= 1);
  assert(options_.max_running >= 1);
}

HookRunner::~HookRunner() {
  for (const auto& c : children_) ::kill(-c.pid, SIGKILL);
  for (const auto& c : children_) {
    while (::waitpid(c.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  if (!children_.empty())
    spdlog::info("hooks: {} running hook(s) killed; their events will run again", children_.size());
  const common::Status settled = Settle();
  if (!settled.ok()) {
    spdlog::warn("hooks: {} outcome(s) not recorded ({}); those events will run again",
                 unsettled_.size(), settled.ToString());
  }
}

bool HookRunner::Wants(std::string_view hook) const { return !CommandOf(hook).empty(); }

size_t HookRunner::Running() const { return children_.size(); }

common::Result<int64_t> HookRunner::Pending() const {
  auto count = db_->QueryInt("SELECT count(*) FROM hook_events WHERE state = 'pending'");
  if (!count.ok()) return count.status();
  return count->value_or(0);
}

const std::string& HookRunner::CommandOf(std::string_view hook) const {
  static const std::string kNone;
  if (hook == kAlert) return commands_.on_alert;
  if (hook == kHit) return commands_.on_hit;
  return kNone;
}

bool HookRunner::Busy(int64_t id) const {
  return std::any_of(children_.begin(), children_.end(),
                     [id](const Child& c) { return c.id == id; }) ||
         std::any_of(unsettled_.begin(), unsettled_.end(),
                     [id](const Outcome& o) { return o.id == id; });
}

common::Status HookRunner::Poll(Clock::time_point now) {
  for (auto& c : children_) c.FeedStdin();
  ReapChildren(now);
  CEN_RETURN_IF_ERROR(Settle());
  if (!warned_unconfigured_) CEN_RETURN_IF_ERROR(WarnAboutUnconfigured());
  return StartDue(now);
}

void HookRunner::ReapChildren(Clock::time_point now) {
  for (auto it = children_.begin(); it != children_.end();) {
    int wstatus = 0;
    const pid_t reaped = ::waitpid(it->pid, &wstatus, WNOHANG);
    if (reaped == 0 || (reaped < 0 && errno == EINTR)) {
      if (!it->killed && now >= it->deadline) {
        // The whole group: `sh -c` may have started children of its own.
        ::kill(-it->pid, SIGKILL);
        it->killed = true;
      }
      ++it;
      continue;
    }
    std::optional<std::string> error;
    if (reaped < 0) {
      // ECHILD: someone reaped it for us (SIGCHLD ignored); the outcome is unknown.
      error = std::string("outcome unknown: waitpid: ") + std::strerror(errno);
    } else if (it->killed) {
      error = "timed out after " + std::to_string(options_.timeout.count()) + " ms, killed";
    } else if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
      error = DescribeWait(wstatus);
    }
    Finish(it->id, it->hook, it->attempts + 1, std::move(error));
    it = children_.erase(it);
  }
}

void HookRunner::Finish(int64_t id, const std::string& hook, int attempt,
                        std::optional<std::string> error) {
  Outcome outcome{id, attempt, "done", 0, std::move(error)};
  if (!outcome.error) {
    if (attempt > 1) {
      spdlog::info("hook {} for event {}: attempt {} succeeded", hook, id, attempt);
    } else {
      spdlog::debug("hook {} for event {}: done", hook, id);
    }
  } else if (attempt >= options_.max_attempts) {
    outcome.state = "failed";
    spdlog::error(
        "hook {} for event {}: attempt {} of {} failed: {}; giving up (kept as failed in "
        "hook_events)",
        hook, id, attempt, options_.max_attempts, *outcome.error);
  } else {
    std::chrono::milliseconds backoff = options_.first_backoff;
    for (int i = 1; i < attempt && backoff < options_.max_backoff; ++i) backoff *= 2;
    backoff = std::min(backoff, options_.max_backoff);
    outcome.state = "pending";
    outcome.next_at = static_cast<int64_t>(common::Clock::NowMillis()) + backoff.count();
    spdlog::warn("hook {} for event {}: attempt {} of {} failed: {}; next attempt in {} ms", hook,
                 id, attempt, options_.max_attempts, *outcome.error, backoff.count());
  }
  unsettled_.push_back(std::move(outcome));
}

common::Status HookRunner::Settle() {
  if (unsettled_.empty()) return common::Status::Ok();
  auto update = Cached(update_, kUpdate);
  if (!update.ok()) return update.status();
  common::Status status;
  size_t settled = 0;
  for (; settled < unsettled_.size(); ++settled) {
    const Outcome& o = unsettled_[settled];
    (*update)->Bind(1, o.attempts).Bind(2, o.state).Bind(3, o.next_at).Bind(5, o.id);
    if (o.error) {
      (*update)->Bind(4, *o.error);
    } else {
      (*update)->BindNull(4);
    }
    status = (*update)->Run();
    if (!status.ok()) break;
  }
  unsettled_.erase(unsettled_.begin(), unsettled_.begin() + static_cast<ptrdiff_t>(settled));
  return status;
}

common::Status HookRunner::WarnAboutUnconfigured() {
  auto stmt =
      db_->Prepare("SELECT hook, count(*) FROM hook_events WHERE state = 'pending' GROUP BY hook");
  if (!stmt.ok()) return stmt.status();
  for (;;) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const std::string hook = stmt->ColumnText(0);
    if (!Wants(hook)) {
      spdlog::warn("hooks: {} event(s) for hook '{}' wait in hook_events: no command is configured",
                   stmt->ColumnInt(1), hook);
    }
  }
  warned_unconfigured_ = true;
  return common::Status::Ok();
}

common::Status HookRunner::StartDue(Clock::time_point now) {
  const auto max_running = static_cast<size_t>(options_.max_running);
  // Alerts first, and hits never take the last slot (with two or more): a
  // hanging --on-hit command (up to `timeout` an attempt, retried) does not
  // keep an alert's hook waiting.
  const auto hits_running = [&] {
    return static_cast<size_t>(std::count_if(children_.begin(), children_.end(),
                                             [](const Child& c) { return c.hook == kHit; }));
  };
  const auto may_start = [&](std::string_view hook) {
    if (children_.size() >= max_running) return false;
    return hook == kAlert || max_running == 1 || hits_running() + 1 < max_running;
  };
  for (const std::string_view hook : {kAlert, kHit}) {
    if (CommandOf(hook).empty() || !may_start(hook)) continue;
    std::optional<common::Statement>& slot = hook == kAlert ? select_alerts_ : select_hits_;
    auto select = Cached(slot, hook == kAlert ? kSelectDueAlerts : kSelectDueHits);
    if (!select.ok()) return select.status();
    common::Statement& s = **select;
    // Events running or with an outcome not yet recorded are still pending:
    // ask for enough rows to find max_running others.
    s.Bind(1, static_cast<int64_t>(common::Clock::NowMillis()))
        .Bind(2, static_cast<int64_t>(max_running + unsettled_.size()));
    std::vector<DueEvent> due;
    for (;;) {
      auto row = s.Step();
      if (!row.ok()) {
        s.Reset();
        return row.status();
      }
      if (!*row) break;
      const int64_t id = s.ColumnInt(0);
      if (Busy(id)) continue;
      due.push_back(
          DueEvent{id, s.ColumnText(1), s.ColumnText(2), static_cast<int>(s.ColumnInt(3))});
    }
    s.Reset();
    for (const auto& event : due) {
      if (!may_start(event.hook)) break;
      const common::Status started = Start(event, now);
      if (!started.ok()) Finish(event.id, event.hook, event.attempts + 1, started.message());
    }
  }
  return common::Status::Ok();
}

common::Status HookRunner::Start(const DueEvent& event, Clock::time_point now) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Errno("pipe", errno);
  OwnedFd read_end(fds[0]);
  OwnedFd write_end(fds[1]);
  if (::fcntl(write_end.get(), F_SETFL, O_NONBLOCK) != 0) return Errno("fcntl", errno);
  auto pid = SpawnShell(CommandOf(event.hook), event.hook, read_end.get());
  if (!pid.ok()) return pid.status();
  spdlog::debug("hook {} for event {}: started (pid {})", event.hook, event.id, *pid);
  children_.push_back(Child{.id = event.id,
                            .hook = event.hook,
                            .attempts = event.attempts,
                            .pid = *pid,
                            .stdin_fd = std::move(write_end),
                            .input = event.payload + "\n",
                            .deadline = now + options_.timeout});
  children_.back().FeedStdin();
  return common::Status::Ok();
}

common::Result<common::Statement*> HookRunner::Cached(std::optional<common::Statement>& slot,
                                                      std::string_view sql) {
  if (!slot) {
    auto stmt = db_->Prepare(sql);
    if (!stmt.ok()) return stmt.status();
    slot.emplace(std::move(*stmt));
  }
  return &*slot;
}

}  // namespace cen::node
