#include "integration/support/suite.hpp"

#include <iostream>
#include <utility>

namespace it {

std::unique_ptr<Env> EnvSuite::env_;
std::string EnvSuite::setup_error_;

void EnvSuite::SetUpTestSuite() {
  SetUpTestSuiteWith({});
}

void EnvSuite::SetUpTestSuiteWith(EnvOptions options) {
  setup_error_.clear();
  try {
    env_ = std::make_unique<Env>(std::move(options));
  } catch (const std::exception& e) {
    // Reported by every test's SetUp, so the failure is attributed instead of crashing the run.
    setup_error_ = e.what();
  }
}

void EnvSuite::TearDownTestSuite() {
  env_.reset();
}

void EnvSuite::SetUp() {
  ASSERT_TRUE(env_) << "the test environment did not start:\n" << setup_error_;
}

void EnvSuite::TearDown() {
  if (HasFailure() && env_) {
    env_->keep();
    std::cerr << "[it] logs after the failure:\n" << env_->logs();
  }
}

}  // namespace it
