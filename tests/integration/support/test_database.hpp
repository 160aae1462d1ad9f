// TestDatabase: a fresh, empty database of the backend under test (test_backend()), owned by one
// Env or one test. SQLite: a file path in a directory the caller owns (the server creates the
// file). PostgreSQL: a new database "it_<pid>_<n>" on the test cluster (test_postgres_url()),
// dropped again on destruction, so parallel test processes never share one.
//
//   TestDatabase db(env.dir(), "other.db");
//   vars CIAMD_DATABASE_URL = db.location().url();
#pragma once

#include <filesystem>
#include <string>

#include "integration/support/db_reader.hpp"

namespace it {

class TestDatabase {
 public:
  // `sqlite_file`: the file name inside `dir` when the backend is SQLite. Throws
  // std::runtime_error when PostgreSQL is selected but no cluster is known or reachable.
  TestDatabase(const std::filesystem::path& dir, const std::string& sqlite_file);
  // A PostgreSQL database on the cluster at `postgres_server_url` (a maintenance database's URL,
  // as pg-cluster.sh prints it), whatever test_backend() says: for tests that run a cluster of
  // their own (see PgCluster).
  explicit TestDatabase(const std::string& postgres_server_url);
  // Drops the PostgreSQL database, disconnecting whoever still uses it; stop the server first.
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const DbLocation& location() const { return location_; }

 private:
  std::string cluster_url_;  // PostgreSQL only: the maintenance database, for CREATE and DROP
  std::string pg_name_;      // PostgreSQL only
  DbLocation location_;
};

}  // namespace it
