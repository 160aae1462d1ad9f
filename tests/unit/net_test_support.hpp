// Shared by the net tests: run coroutines to completion from a plain test body.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>

#include "exec/runtime.hpp"
#include "exec/task.hpp"

namespace ciamd::testing {

// Runs `task` on a private io_context on the calling thread and returns its result.
template <class T>
T run_now(Task<T> task) {
  boost::asio::io_context io;
  auto result = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
  io.run();
  return result.get();
}

// A Runtime whose loop runs on background threads for the duration of a test.
class LiveRuntime : public ::testing::Test {
 protected:
  explicit LiveRuntime(int threads = 2) : runtime_(threads) {
    loop_ = std::jthread([this] { runtime_.run(); });
  }
  ~LiveRuntime() override {
    runtime_.stop();
    loop_.join();
  }

  // Runs `task` on the loop and blocks the test thread until it finishes (rethrowing).
  template <class T>
  T await(Task<T> task) {
    return boost::asio::co_spawn(runtime_.io(), std::move(task), boost::asio::use_future).get();
  }

  Runtime runtime_;

 private:
  std::jthread loop_;
};

}  // namespace ciamd::testing
