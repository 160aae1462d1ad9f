// version: the line `ciamd --version` prints, and where each of its parts comes from.
#include "version/version.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <string>

namespace ciamd {
namespace {

std::string version_file() {
  std::ifstream in(std::string(CIAMD_SOURCE_DIR) + "/VERSION");
  std::string line;
  std::getline(in, line);
  return line;
}

TEST(Version, ComesFromTheVersionFile) {
  const std::string expected = version_file();
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(build_info().version, expected);
  // MAJOR.MINOR.PATCH: CMake's project(VERSION) and Debian's version ordering both rely on it.
  EXPECT_TRUE(std::regex_match(expected, std::regex(R"(\d+\.\d+\.\d+)"))) << expected;
}

TEST(Version, NamesTheCommitOrSaysItIsUnknown) {
  const std::string commit(build_info().commit);
  EXPECT_TRUE(std::regex_match(commit, std::regex("[0-9a-f]{7,40}(-dirty)?|unknown"))) << commit;
}

TEST(Version, NamesTheBuildType) {
  EXPECT_EQ(build_info().build_type, CIAMD_EXPECTED_BUILD_TYPE);
}

TEST(Version, LineHasEveryPart) {
  const BuildInfo info = build_info();
  EXPECT_EQ(version_line(), "ciamd " + std::string(info.version) + " (commit " +
                                std::string(info.commit) + ", " + std::string(info.build_type) +
                                ")");
}

}  // namespace
}  // namespace ciamd
