#include "tests/e2e/process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include "tests/test_support/files.h"

extern char** environ;

namespace cen::e2e {
namespace {

// An fd closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

int OpenOrThrow(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw std::runtime_error("open " + path.string() + ": " + std::strerror(errno));
  }
  return fd;
}

std::optional<int> DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return std::nullopt;
}

// Runs in the forked child: only async-signal-safe calls until exec.
[[noreturn]] void ExecChild(pid_t parent, int stdin_fd, int stdout_fd, int stderr_fd,
                            int error_pipe, char* const* argv) {
  // Die with the test executable, whatever kills it.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  // Signal dispositions set to "ignore" and the mask survive exec: reset them.
  struct sigaction dfl = {};
  dfl.sa_handler = SIG_DFL;
  for (const int signo : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD}) {
    ::sigaction(signo, &dfl, nullptr);
  }
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (::dup2(stdin_fd, STDIN_FILENO) < 0 || ::dup2(stdout_fd, STDOUT_FILENO) < 0 ||
      ::dup2(stderr_fd, STDERR_FILENO) < 0) {
    const int err = errno;
    [[maybe_unused]] const auto n = ::write(error_pipe, &err, sizeof err);
    ::_exit(127);
  }
  ::execve(argv[0], argv, environ);
  const int err = errno;
  [[maybe_unused]] const auto n = ::write(error_pipe, &err, sizeof err);
  ::_exit(127);
}

}  // namespace

Process::Process(std::string name, std::vector<std::string> argv,
                 const std::filesystem::path& log_dir,
                 std::optional<std::filesystem::path> stdin_path)
    : name_(std::move(name)),
      argv_(std::move(argv)),
      stdout_path_(log_dir / (name_ + ".out")),
      stderr_path_(log_dir / (name_ + ".err")) {
  if (argv_.empty()) throw std::invalid_argument("Process: empty argv");
  std::filesystem::create_directories(log_dir);

  // Everything the child needs is prepared before fork(): it must not allocate.
  std::vector<char*> c_argv;
  c_argv.reserve(argv_.size() + 1);
  for (auto& arg : argv_) c_argv.push_back(arg.data());
  c_argv.push_back(nullptr);

  const Fd stdin_fd(OpenOrThrow(stdin_path.value_or("/dev/null"), O_RDONLY));
  const Fd stdout_fd(OpenOrThrow(stdout_path_, O_WRONLY | O_CREAT | O_APPEND));
  const Fd stderr_fd(OpenOrThrow(stderr_path_, O_WRONLY | O_CREAT | O_APPEND));
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  }
  Fd error_read(pipe_fds[0]);
  Fd error_write(pipe_fds[1]);

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ExecChild(parent, stdin_fd.get(), stdout_fd.get(), stderr_fd.get(), error_write.get(),
              c_argv.data());
  }
  pid_ = pid;
  error_write.Close();

  // The pipe closes on a successful exec; otherwise it carries errno.
  int child_errno = 0;
  ssize_t got;
  do {
    got = ::read(error_read.get(), &child_errno, sizeof child_errno);
  } while (got < 0 && errno == EINTR);
  if (got > 0) {
    ReapBlocking();
    throw std::runtime_error("cannot start " + argv_[0] + ": " + std::strerror(child_errno));
  }
}

Process::~Process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ReapBlocking();
  }
}

Process::Process(Process&& other) noexcept
    : name_(std::move(other.name_)),
      argv_(std::move(other.argv_)),
      stdout_path_(std::move(other.stdout_path_)),
      stderr_path_(std::move(other.stderr_path_)),
      pid_(std::exchange(other.pid_, -1)),
      exit_code_(other.exit_code_) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ReapBlocking();
    }
    name_ = std::move(other.name_);
    argv_ = std::move(other.argv_);
    stdout_path_ = std::move(other.stdout_path_);
    stderr_path_ = std::move(other.stderr_path_);
    pid_ = std::exchange(other.pid_, -1);
    exit_code_ = other.exit_code_;
  }
  return *this;
}

void Process::ReapBlocking() {
  int status = 0;
  pid_t got;
  do {
    got = ::waitpid(pid_, &status, 0);
  } while (got < 0 && errno == EINTR);
  if (got == pid_) exit_code_ = DecodeWaitStatus(status);
  pid_ = -1;
}

bool Process::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t got = ::waitpid(pid_, &status, WNOHANG);
  if (got == 0) return true;
  if (got == pid_) exit_code_ = DecodeWaitStatus(status);
  pid_ = -1;
  return false;
}

void Process::Signal(int signo) {
  if (pid_ > 0) ::kill(pid_, signo);
}

std::optional<int> Process::Wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // A pidfd turns readable the moment the child exits, so the wait ends then
  // rather than at the next tick of a polling loop: cen_alert_bench times
  // `submit`'s exit with it (5 ms ticks made its idle median look half as long).
  Fd pidfd(pid_ > 0 ? static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)) : -1);
  while (Running()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;
    if (pidfd.get() < 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    // Each poll is bounded all the same: some older kernels could miss the
    // wake-up (a race between a pidfd's poll and the exit).
    pollfd exited{pidfd.get(), POLLIN, 0};
    (void)::poll(&exited, 1, static_cast<int>(std::min<int64_t>(left, 10)));
  }
  return exit_code_;
}

std::optional<int> Process::Kill() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ReapBlocking();
  }
  return exit_code_;
}

std::string Process::StdoutText() const { return cen::test::ReadFile(stdout_path_); }
std::string Process::StderrText() const { return cen::test::ReadFile(stderr_path_); }

std::string Process::Tail(std::size_t lines) const {
  std::ostringstream text;
  text << "--- " << name_ << " (" << CommandLine() << ")\n";
  text << "--- " << stdout_path_.string() << " (last " << lines << " lines)\n"
       << LastLines(StdoutText(), lines);
  text << "--- " << stderr_path_.string() << " (last " << lines << " lines)\n"
       << LastLines(StderrText(), lines);
  return text.str();
}

std::string Process::CommandLine() const {
  std::string line;
  for (const auto& arg : argv_) {
    if (!line.empty()) line += ' ';
    line += arg;
  }
  return line;
}

RunResult RunToCompletion(const std::vector<std::string>& argv, std::string_view stdin_text,
                          std::chrono::milliseconds timeout,
                          const std::filesystem::path& scratch_dir) {
  static std::atomic<int> counter{0};
  const std::string label = (argv.size() > 1 ? argv[1] : std::string("run")) + "-" +
                            std::to_string(counter.fetch_add(1) + 1);
  std::filesystem::create_directories(scratch_dir);
  const auto stdin_path = scratch_dir / (label + ".in");
  {
    std::ofstream in(stdin_path, std::ios::binary);
    in << stdin_text;
    if (!in) throw std::runtime_error("cannot write " + stdin_path.string());
  }
  Process process(label, argv, scratch_dir, stdin_path);
  RunResult result;
  result.command = process.CommandLine();
  result.exit_code = process.Wait(timeout);
  result.ended_at = std::chrono::steady_clock::now();
  if (!result.exit_code) process.Kill();
  result.out = process.StdoutText();
  result.err = process.StderrText();
  return result;
}

std::string LastLines(std::string_view text, std::size_t lines) {
  std::size_t start = text.size();
  if (start > 0 && text[start - 1] == '\n') --start;
  std::size_t seen = 0;
  while (start > 0) {
    if (text[start - 1] == '\n' && ++seen == lines) break;
    --start;
  }
  std::string tail(text.substr(start));
  if (!tail.empty() && tail.back() != '\n') tail += '\n';
  return tail;
}

}  // namespace cen::e2e
