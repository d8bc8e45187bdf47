// A child process started by an end-to-end test, owned like a file handle.
//
//   Process hub("hub", CEN_HUB_BIN, {"run", "--data", dir}, log_dir);
//   hub.Signal(SIGTERM);
//   std::optional<int> code = hub.Wait(std::chrono::seconds(10));
//
//   RunResult r = RunToCompletion({CEN_NODE_BIN, "submit", "--data", dir, "-"}, lines,
//                                 std::chrono::seconds(30), scratch_dir);
//
// stdin reads /dev/null (or the given text); stdout and stderr go to files, so
// a failing test can show their tails after the process is gone. The destructor
// kills (SIGKILL) and reaps a child that still runs, and every child gets
// PR_SET_PDEATHSIG=SIGKILL: no binary outlives the test that started it, even
// when the test executable itself is killed.
//
// Not thread-safe: one thread owns a Process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cen::e2e {

class Process {
 public:
  // Starts argv[0] (a path) with `argv`. Output goes to `log_dir`/`name`.out
  // and .err (appended); `stdin_path`, when set, is opened as stdin.
  // Throws std::runtime_error when the program cannot be started.
  Process(std::string name, std::vector<std::string> argv, const std::filesystem::path& log_dir,
          std::optional<std::filesystem::path> stdin_path = std::nullopt);
  ~Process();

  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  const std::string& name() const { return name_; }
  pid_t pid() const { return pid_; }
  // True until the child has been reaped by Wait() or Running().
  bool Running();

  // Sends `signo` to a child that has not been reaped; no-op otherwise.
  void Signal(int signo);
  // Reaps the child if it exits within `timeout`. Returns its exit code, or
  // 128 + signal number when a signal ended it; nothing on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // SIGKILL and reap. Returns the exit status as Wait() does.
  std::optional<int> Kill();
  // The exit status once reaped, as Wait() returns it.
  std::optional<int> exit_code() const { return exit_code_; }

  const std::filesystem::path& stdout_path() const { return stdout_path_; }
  const std::filesystem::path& stderr_path() const { return stderr_path_; }
  std::string StdoutText() const;
  std::string StderrText() const;
  // The last `lines` lines of stdout and stderr, labelled, for failure messages.
  std::string Tail(std::size_t lines) const;
  // The command line, for messages.
  std::string CommandLine() const;

 private:
  void ReapBlocking();

  std::string name_;
  std::vector<std::string> argv_;
  std::filesystem::path stdout_path_;
  std::filesystem::path stderr_path_;
  pid_t pid_ = -1;  // -1 once reaped (or moved from)
  std::optional<int> exit_code_;
};

struct RunResult {
  std::optional<int> exit_code;  // nothing: killed after the timeout
  std::string out;
  std::string err;
  std::string command;  // the command line, for messages
  // When the wait for the child ended: its exit, within a scheduler's wake-up.
  std::chrono::steady_clock::time_point ended_at;
};

// Runs argv to completion with `stdin_text` as its stdin. Output files are kept
// in `scratch_dir` (named after argv[1] and a counter) for post-mortems. A child
// still running after `timeout` is killed; exit_code is then empty.
RunResult RunToCompletion(const std::vector<std::string>& argv, std::string_view stdin_text,
                          std::chrono::milliseconds timeout,
                          const std::filesystem::path& scratch_dir);

// The last `lines` lines of `text`.
std::string LastLines(std::string_view text, std::size_t lines);

}  // namespace cen::e2e
