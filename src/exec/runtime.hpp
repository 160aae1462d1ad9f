// exec/runtime: the event loop threads and the bounded pool for blocking work.
//
//   Runtime rt(threads);                // one io_context
//   BlockingPool pool(4);
//   ... co_await pool.run([&] { return store.find_user(id); });   // off the network threads
//   rt.run();                           // blocks on `threads` threads until stop()
//   co_await sleep_for(200ms);          // a pause that holds no thread
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>

#include "exec/task.hpp"

namespace boost::asio {
class io_context;
}

namespace ciamd {

class Runtime {
 public:
  explicit Runtime(int threads);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  boost::asio::io_context& io();
  int threads() const;
  // Runs the event loop on `threads` threads (the caller is one of them) until stop().
  void run();
  // Thread-safe; run() returns once every thread has left the loop.
  void stop();
  // Calls `fn(signal)` on the loop when SIGINT or SIGTERM arrives.
  void on_shutdown_signal(std::function<void(int)> fn);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A fixed set of threads for work that blocks (database calls). Destroy it before the Runtime
// whose coroutines await it: a pool thread may still be handing a result back to the event loop.
// Awaiting run() suspends the calling coroutine, runs the function on the pool, and resumes the
// coroutine on its own executor; an exception thrown by the function is rethrown in the coroutine.
class BlockingPool {
 public:
  explicit BlockingPool(int threads);
  ~BlockingPool();  // waits for queued work
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  template <class F>
  Task<std::invoke_result_t<F&>> run(F fn) {
    using R = std::invoke_result_t<F&>;
    if constexpr (std::is_void_v<R>) {
      co_await run_erased([&fn] { fn(); });
    } else {
      std::optional<R> out;
      co_await run_erased([&fn, &out] { out.emplace(fn()); });
      co_return std::move(*out);
    }
  }

  // Fire and forget, for work nobody waits on (audit writes). Exceptions are logged.
  void post(std::function<void()> fn);

  // Work waiting for a thread, and work running now (approximate: for metrics, not decisions).
  int queued() const;
  int busy() const;

 private:
  Task<void> run_erased(std::function<void()> fn);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Suspends the calling coroutine for `duration` on a timer of its own executor: no thread is held
// while it waits (a retry backoff must not stall the event loop). Throws
// boost::system::system_error if the wait is cancelled.
Task<void> sleep_for(std::chrono::milliseconds duration);

}  // namespace ciamd
