// The URL of the PostgreSQL cluster tests may use: CIAMD_TEST_POSTGRES_URL if set, else the first
// line of the file CIAMD_TEST_POSTGRES_URL_FILE names. CTest's `postgres` fixture starts a
// throwaway cluster (scripts/pg-cluster.sh) and names its url file in the second variable: the
// port is picked when the cluster starts, so the URL itself cannot be written into the test's
// environment at configure time. The first variable points a test at a cluster of one's own.
// Header-only, for unit and integration tests alike.
//
//   const std::optional<std::string> url = ciamd::test_support::test_postgres_url();
//   if (!url) GTEST_SKIP() << "no PostgreSQL cluster (run through ctest)";
#pragma once

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

namespace ciamd::test_support {

// std::nullopt when neither variable is set or the file is missing or empty.
inline std::optional<std::string> test_postgres_url() {
  const char* url = std::getenv("CIAMD_TEST_POSTGRES_URL");
  if (url != nullptr && *url != '\0') return std::string(url);
  const char* file = std::getenv("CIAMD_TEST_POSTGRES_URL_FILE");
  if (file == nullptr || *file == '\0') return std::nullopt;
  std::ifstream in(file);
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.pop_back();
  }
  if (line.empty()) return std::nullopt;
  return line;
}

}  // namespace ciamd::test_support
