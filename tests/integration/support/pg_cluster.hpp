// PgCluster: a PostgreSQL cluster of one test's own (scripts/pg-cluster.sh), for tests that take
// the database away: the shared cluster of ctest's `postgres` fixture serves other tests in
// parallel and must never go down. Started in a temp dir by the constructor, removed with all its
// data by the destructor.
//
//   PgCluster cluster;
//   Env env({.postgres_server_url = cluster.url()});
//   cluster.restart();             // pg_ctl restart -m fast: every connection is cut
//   cluster.halt();                // down until resume(), on the same port
//   cluster.resume();
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "integration/support/temp_dir.hpp"

namespace it {

class PgCluster {
 public:
  // Throws std::runtime_error (with the script's output) when the cluster does not start.
  PgCluster();
  // Stops the server and removes its data; never throws.
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // postgresql://postgres@127.0.0.1:PORT/postgres: the maintenance database (see TestDatabase).
  const std::string& url() const { return url_; }
  // Each throws std::runtime_error when the script fails.
  void restart();
  void halt();
  void resume();

  // The end of the server's log, for failure messages.
  std::string log_tail(std::size_t max_bytes = 4000) const;
  // Keep the script's output after the run (the cluster itself is removed regardless: a server
  // left running would hold a port and memory).
  void keep() { dir_.keep(); }

 private:
  std::string run(const std::string& command);

  // The script's outputs; the cluster lives in the subdirectory dir_/cluster, which the script
  // creates and removes itself (`start` refuses a non-empty directory it did not make).
  TempDir dir_;
  std::filesystem::path cluster_dir_;
  std::string url_;
};

}  // namespace it
