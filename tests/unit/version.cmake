ciamd_test(version_test SOURCES unit/version_test.cpp DEPS ciamd_version)
# The test compares the binary's identity with the VERSION file, git and the configured build type.
target_compile_definitions(version_test PRIVATE CIAMD_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
  CIAMD_EXPECTED_BUILD_TYPE="${CMAKE_BUILD_TYPE}")
