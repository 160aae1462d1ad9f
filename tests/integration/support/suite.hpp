// EnvSuite: the GoogleTest fixture every integration test derives from. One Env (simulator +
// ciamd) per test suite, started in SetUpTestSuite, because starting processes dominates the run
// time on a small machine; tests stay independent by creating their own apps and WeChat users.
// When a test fails, its Env's temp dir is kept and the processes' logs are printed.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "integration/support/env.hpp"
#include "integration/support/expect.hpp"

namespace it {

class EnvSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  // For fixtures that need a differently configured Env: define
  //   static void SetUpTestSuite() { SetUpTestSuiteWith({.verification = {...}}); }
  static void SetUpTestSuiteWith(EnvOptions options);
  static void TearDownTestSuite();
  void SetUp() override;
  void TearDown() override;

  static Env& env() { return *env_; }

 private:
  static std::unique_ptr<Env> env_;
  static std::string setup_error_;
};

}  // namespace it
