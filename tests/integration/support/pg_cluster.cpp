#include "integration/support/pg_cluster.hpp"

#include <iostream>
#include <stdexcept>

#include "integration/support/process.hpp"

namespace it {

PgCluster::PgCluster() : dir_("ciamd-pg-"), cluster_dir_(dir_.path() / "cluster") {
  // Run as root, the script hands the cluster to an unprivileged user, which must be able to
  // reach the cluster directory through this one (mkdtemp makes it 0700).
  std::filesystem::permissions(
      dir_.path(),
      std::filesystem::perms::group_read | std::filesystem::perms::group_exec |
          std::filesystem::perms::others_read | std::filesystem::perms::others_exec,
      std::filesystem::perm_options::add);
  try {
    url_ = run("start");
    while (!url_.empty() && (url_.back() == '\n' || url_.back() == '\r')) url_.pop_back();
    if (url_.empty()) throw std::runtime_error("pg-cluster.sh start printed no URL");
  } catch (...) {
    // The script stops what it half-started itself; the outputs explain the failure.
    dir_.keep();
    throw;
  }
}

PgCluster::~PgCluster() {
  try {
    const RunResult r = run_to_completion({CIAMD_PG_CLUSTER_SCRIPT, "stop", cluster_dir_.string()},
                                          dir_.path(), std::chrono::seconds(120));
    if (r.exit_code != 0) {
      std::cerr << "[it] pg-cluster.sh stop " << cluster_dir_.string() << " exited " << r.exit_code
                << ": " << r.err << r.out << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "[it] cannot stop the cluster in " << cluster_dir_.string() << ": " << e.what()
              << "\n";
  }
}

void PgCluster::restart() {
  run("restart");
}

void PgCluster::halt() {
  run("halt");
}

void PgCluster::resume() {
  run("resume");
}

std::string PgCluster::log_tail(std::size_t max_bytes) const {
  std::string log = read_file(cluster_dir_ / "postgres.log");
  if (log.size() > max_bytes) log = "..." + log.substr(log.size() - max_bytes);
  return "--- postgres.log ---\n" + log + "\n";
}

std::string PgCluster::run(const std::string& command) {
  const std::vector<std::string> argv{CIAMD_PG_CLUSTER_SCRIPT, command, cluster_dir_.string()};
  // initdb and a server start take seconds; a restart waits for the shutdown first.
  const RunResult r = run_to_completion(argv, dir_.path(), std::chrono::seconds(120));
  if (r.exit_code != 0) {
    throw std::runtime_error("`" + describe(argv) + "` exited " + std::to_string(r.exit_code) +
                             ": " + r.err + r.out);
  }
  return r.out;
}

}  // namespace it
