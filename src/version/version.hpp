// version: what this binary is. The version comes from the VERSION file at the top of the source
// tree (CMake's project(VERSION) reads it), the commit from git at build time ("unknown" outside a
// git checkout, "-dirty" appended when tracked files had changes), the build type from CMake.
//
//   ciamd::version_line()  // "ciamd 0.2.0 (commit 0ef6c4a1b2c3, Release)"
//   ciamd::build_info().version  // "0.2.0"
#pragma once

#include <string>
#include <string_view>

namespace ciamd {

struct BuildInfo {
  std::string_view version;     // "0.2.0"
  std::string_view commit;      // 12 hex digits, maybe with "-dirty", or "unknown"
  std::string_view build_type;  // CMAKE_BUILD_TYPE: "Release", "Debug", ...
};

// Defined in a source file that cmake/version_info.cmake generates at build time.
BuildInfo build_info();

// The line `ciamd --version` and `ciamd version` print (without the newline).
std::string version_line();

}  // namespace ciamd
