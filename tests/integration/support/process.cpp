#include "integration/support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace it {
namespace {

using Clock = std::chrono::steady_clock;

// Crash guard: destructors do not run when a test binary crashes or is interrupted, and the
// servers it started would live on, orphaned, holding ports and temp dirs. Live children sit in
// lock-free slots that a signal handler can read safely; it kills them, then lets the signal do
// what it would have done.
constexpr std::size_t kMaxChildren = 64;
std::atomic<pid_t> g_children[kMaxChildren];
static_assert(std::atomic<pid_t>::is_always_lock_free);

extern "C" void kill_children_and_reraise(int sig) {
  for (auto& slot : g_children) {
    const pid_t pid = slot.load();
    if (pid > 0) ::kill(pid, SIGKILL);
  }
  ::raise(sig);  // the handler was installed with SA_RESETHAND: this runs the default action
}

void install_crash_guard() {
  static const bool installed = [] {
    struct sigaction sa {};
    sa.sa_handler = kill_children_and_reraise;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGINT, SIGTERM, SIGHUP}) {
      ::sigaction(sig, &sa, nullptr);
    }
    return true;
  }();
  (void)installed;
}

void track(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void untrack(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t p = pid;
    if (slot.compare_exchange_strong(p, 0)) return;
  }
}

std::vector<std::string> child_environment(const EnvVars& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view kv(*e);
    if (kv.starts_with("CIAMD_")) continue;
    bool overridden = false;
    for (const auto& [k, v] : extra) {
      if (kv.size() > k.size() && kv.starts_with(k) && kv[k.size()] == '=') overridden = true;
    }
    if (!overridden) env.emplace_back(kv);
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string tail(const std::filesystem::path& p, std::size_t max_bytes) {
  std::string s = read_file(p);
  if (s.size() > max_bytes) s = "..." + s.substr(s.size() - max_bytes);
  return s;
}

}  // namespace

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::filesystem::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string describe(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    if (a.find_first_of(" \t\"'") != std::string::npos || a.empty()) {
      s += "'" + a + "'";
    } else {
      s += a;
    }
  }
  return s;
}

Process::Process(std::vector<std::string> argv, const std::filesystem::path& log_dir,
                 std::string name, const EnvVars& env)
    : name_(std::move(name)), out_(log_dir / (name_ + ".out")), err_(log_dir / (name_ + ".err")) {
  install_crash_guard();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> envs = child_environment(env);
  std::vector<char*> c_argv = c_strings(argv);
  std::vector<char*> c_env = c_strings(envs);
  const int rc = ::posix_spawn(&pid_, c_argv[0], &actions, nullptr, c_argv.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw std::runtime_error("posix_spawn(" + describe(argv) + "): " + std::strerror(rc));
  }
  track(pid_);
}

Process::~Process() {
  stop();
}

void Process::reap(int status) {
  untrack(pid_);
  exit_code_ = decode_status(status);
  pid_ = -1;
}

bool Process::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reap(status);
    return false;
  }
  return r == 0;
}

int Process::stop(std::chrono::milliseconds grace) {
  if (!running()) return exit_code_.value_or(-1);
  ::kill(pid_, SIGTERM);
  const auto deadline = Clock::now() + grace;
  while (Clock::now() < deadline) {
    if (!running()) return exit_code_.value_or(-1);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reap(status);
  return exit_code_.value_or(-1);
}

int Process::kill() {
  if (!running()) return exit_code_.value_or(-1);
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reap(status);
  return exit_code_.value_or(-1);
}

std::string Process::log_tail(std::size_t max_bytes) const {
  return "--- " + name_ + " stdout (" + out_.string() + ") ---\n" + tail(out_, max_bytes) +
         "\n--- " + name_ + " stderr (" + err_.string() + ") ---\n" + tail(err_, max_bytes) + "\n";
}

RunResult run_to_completion(const std::vector<std::string>& argv,
                            const std::filesystem::path& log_dir, std::chrono::milliseconds timeout,
                            const EnvVars& env) {
  // A per-process counter keeps the output files of successive CLI calls apart.
  static std::atomic<int> counter{0};
  const std::string name = "cli-" + std::to_string(++counter);
  Process p(argv, log_dir, name, env);
  const auto deadline = Clock::now() + timeout;
  while (p.running()) {
    if (Clock::now() >= deadline) {
      p.stop(std::chrono::milliseconds(500));
      throw std::runtime_error("timed out: " + describe(argv) + "\n" + p.log_tail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  RunResult r;
  r.exit_code = p.exit_code().value_or(-1);
  r.out = read_file(p.stdout_path());
  r.err = read_file(p.stderr_path());
  return r;
}

boost::json::object wait_for_ready_file(const std::filesystem::path& path, Process& owner,
                                        std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
      // The writers rename into place, but a partial read costs nothing to retry.
      boost::system::error_code jec;
      boost::json::value v = boost::json::parse(read_file(path), jec);
      if (!jec && v.is_object()) return v.as_object();
    }
    if (!owner.running()) {
      throw std::runtime_error(owner.name() + " exited (code " +
                               std::to_string(owner.exit_code().value_or(-1)) +
                               ") before writing " + path.string() + "\n" + owner.log_tail());
    }
    if (Clock::now() >= deadline) {
      throw std::runtime_error("no ready file " + path.string() + " from " + owner.name() +
                               " within the deadline\n" + owner.log_tail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace it
