// Process: a child started with posix_spawn, stdout and stderr going to files, stopped on
// destruction (SIGTERM, then SIGKILL after a grace period) and always reaped with waitpid.
//
//   Process sim({IDP_SIM_BIN, "--listen", "127.0.0.1:0"}, dir, "sim");
//   auto ready = wait_for_ready_file(dir / "sim.ready", sim);   // {"http_port": ...}
//   RunResult r = run_to_completion({CIAMD_BIN, "migrate", "--config", cfg}, dir);
#pragma once

#include <sys/types.h>

#include <boost/json/object.hpp>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace it {

using EnvVars = std::vector<std::pair<std::string, std::string>>;

class Process {
 public:
  // Starts argv[0] (a path) with the parent's environment minus every CIAMD_* variable (a
  // developer's shell must not leak configuration into a test), plus `env`. Output goes to
  // <log_dir>/<name>.out and <name>.err. Throws when the spawn itself fails.
  Process(std::vector<std::string> argv, const std::filesystem::path& log_dir, std::string name,
          const EnvVars& env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }
  // False once the child has exited (reaps it; exit_code() then holds its status).
  bool running();
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit code (128 + signal when killed
  // by a signal). Idempotent.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // SIGKILL at once, as a crash or the OOM killer would: no shutdown code of the child runs.
  // Returns the exit code (128 + 9), or the earlier one if it had exited. Idempotent.
  int kill();
  std::optional<int> exit_code() const { return exit_code_; }

  std::filesystem::path stdout_path() const { return out_; }
  std::filesystem::path stderr_path() const { return err_; }
  // The last `max_bytes` of both logs, labelled, for failure messages.
  std::string log_tail(std::size_t max_bytes = 4000) const;

 private:
  void reap(int status);

  std::string name_;
  std::filesystem::path out_;
  std::filesystem::path err_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs a command to its end (killing it after `timeout`) and returns its exit code and output.
// Output files live in `log_dir` under a unique name, so they stay with the test's evidence.
RunResult run_to_completion(const std::vector<std::string>& argv,
                            const std::filesystem::path& log_dir,
                            std::chrono::milliseconds timeout = std::chrono::seconds(60),
                            const EnvVars& env = {});

// Polls (10 ms step) until `path` holds a JSON object, failing early when `owner` exits.
// Throws with the owner's log tail on timeout or early exit.
boost::json::object wait_for_ready_file(
    const std::filesystem::path& path, Process& owner,
    std::chrono::milliseconds timeout = std::chrono::seconds(10));

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, std::string_view content);

// "a b 'c d'" style rendering of argv for messages.
std::string describe(const std::vector<std::string>& argv);

}  // namespace it
