#include "integration/support/test_database.hpp"

#include <algorithm>
#include <iostream>
#include <stdexcept>

#include "integration/support/env.hpp"
#include "integration/support/pg_client.hpp"
#include "support/postgres_url.hpp"

namespace it {
namespace {

// A new database on the cluster at `url`.
DbLocation make_pg_location(const std::string& url, std::string& cluster_url,
                            std::string& pg_name) {
  cluster_url = url;
  // Underscores: unquoted-identifier safe, so the name reads the same in psql.
  pg_name = unique_name("it");
  std::replace(pg_name.begin(), pg_name.end(), '-', '_');
  const pg::Conn conn = pg::connect(cluster_url);
  // template0 rather than the default template1: CREATE DATABASE fails while anyone else is
  // connected to its template, and parallel tests create databases at the same moment; template0
  // accepts no connections at all.
  pg::exec(conn.get(), "CREATE DATABASE " + pg::ident(pg_name) + " TEMPLATE template0");
  return DbLocation::postgres(pg::with_database(cluster_url, pg_name));
}

DbLocation make_location(const std::filesystem::path& dir, const std::string& sqlite_file,
                         std::string& cluster_url, std::string& pg_name) {
  if (test_backend() == Backend::kSqlite) return DbLocation::sqlite(dir / sqlite_file);
  const std::optional<std::string> url = ciamd::test_support::test_postgres_url();
  if (!url) {
    throw std::runtime_error(
        "CIAMD_TEST_DATABASE=postgres, but neither CIAMD_TEST_POSTGRES_URL nor "
        "CIAMD_TEST_POSTGRES_URL_FILE names a cluster (ctest's postgres fixture sets the latter)");
  }
  return make_pg_location(*url, cluster_url, pg_name);
}

}  // namespace

TestDatabase::TestDatabase(const std::filesystem::path& dir, const std::string& sqlite_file)
    : location_(make_location(dir, sqlite_file, cluster_url_, pg_name_)) {}

TestDatabase::TestDatabase(const std::string& postgres_server_url)
    : location_(make_pg_location(postgres_server_url, cluster_url_, pg_name_)) {}

TestDatabase::~TestDatabase() {
  if (pg_name_.empty()) return;
  try {
    const pg::Conn conn = pg::connect(cluster_url_);
    // FORCE: a server that was killed rather than stopped may leave connections behind.
    pg::exec(conn.get(), "DROP DATABASE IF EXISTS " + pg::ident(pg_name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    // A destructor must not throw; the fixture's cleanup removes the whole cluster anyway.
    std::cerr << "[it] cannot drop database " << pg_name_ << ": " << e.what() << "\n";
  }
}

}  // namespace it
