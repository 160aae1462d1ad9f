#include "exec/runtime.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ciamd {

namespace asio = boost::asio;

namespace {

// A handler that throws out of io_context::run() would otherwise end the thread (and, for a
// std::thread, the process). Log it and keep serving: one bad handler must not stop the node.
void run_logging_exceptions(asio::io_context& io) {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      spdlog::critical("event loop handler threw: {}", e.what());
    }
  }
}

}  // namespace

struct Runtime::Impl {
  explicit Impl(int n) : io(n), threads(n) {}

  void arm_signals() {
    signals->async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;  // cancelled: the runtime is going away
      std::function<void(int)> fn;
      {
        const std::lock_guard lock(mutex);
        fn = on_signal;
      }
      if (fn) fn(signal);
      arm_signals();  // a second Ctrl-C is delivered too
    });
  }

  asio::io_context io;
  int threads;
  std::mutex mutex;  // guards on_signal, which may be replaced while the loop runs
  std::function<void(int)> on_signal;
  std::optional<asio::signal_set> signals;  // created on first use; destroyed before `io`
};

Runtime::Runtime(int threads) {
  if (threads < 1) throw std::invalid_argument("Runtime needs at least one thread");
  impl_ = std::make_unique<Impl>(threads);
}

Runtime::~Runtime() = default;

asio::io_context& Runtime::io() {
  return impl_->io;
}

int Runtime::threads() const {
  return impl_->threads;
}

void Runtime::run() {
  {
    // The guard keeps run() from returning while the loop is merely idle; only stop() ends it.
    auto guard = asio::make_work_guard(impl_->io);
    std::vector<std::jthread> extra;
    extra.reserve(static_cast<std::size_t>(impl_->threads - 1));
    for (int i = 1; i < impl_->threads; ++i) {
      extra.emplace_back([this] { run_logging_exceptions(impl_->io); });
    }
    run_logging_exceptions(impl_->io);
  }  // joins the extra threads
  // Leave the loop runnable again, so a later run() (e.g. a second phase of a CLI command) works.
  impl_->io.restart();
}

void Runtime::stop() {
  impl_->io.stop();
}

void Runtime::on_shutdown_signal(std::function<void(int)> fn) {
  const std::lock_guard lock(impl_->mutex);
  impl_->on_signal = std::move(fn);
  if (!impl_->signals) {
    impl_->signals.emplace(impl_->io, SIGINT, SIGTERM);
    impl_->arm_signals();
  }
}

struct BlockingPool::Impl {
  explicit Impl(int threads) : pool(static_cast<std::size_t>(threads)) {}
  asio::thread_pool pool;
  // For the metrics: work waiting for a thread, and work running (database calls, mostly).
  std::atomic<int> queued{0};
  std::atomic<int> busy{0};
};

namespace {

// Moves one unit of work from queued to busy for its lifetime on a pool thread.
class BusyMark {
 public:
  BusyMark(std::atomic<int>& queued, std::atomic<int>& busy) : busy_(busy) {
    --queued;
    ++busy_;
  }
  ~BusyMark() { --busy_; }
  BusyMark(const BusyMark&) = delete;
  BusyMark& operator=(const BusyMark&) = delete;

 private:
  std::atomic<int>& busy_;
};

}  // namespace

BlockingPool::BlockingPool(int threads) {
  if (threads < 1) throw std::invalid_argument("BlockingPool needs at least one thread");
  impl_ = std::make_unique<Impl>(threads);
}

BlockingPool::~BlockingPool() {
  impl_->pool.join();
}

Task<void> BlockingPool::run_erased(std::function<void()> fn) {
  // co_spawn onto the pool runs `fn` there; use_awaitable then resumes this coroutine through its
  // own executor (a strand or the io_context), never on the pool thread. An exception thrown by
  // `fn` travels back through co_spawn's exception_ptr and is rethrown here.
  Impl& impl = *impl_;
  ++impl.queued;
  co_await asio::co_spawn(
      impl.pool.get_executor(),
      [fn = std::move(fn), &impl]() -> Task<void> {
        const BusyMark mark(impl.queued, impl.busy);
        fn();
        co_return;
      },
      asio::use_awaitable);
}

void BlockingPool::post(std::function<void()> fn) {
  Impl& impl = *impl_;
  ++impl.queued;
  asio::post(impl.pool, [fn = std::move(fn), &impl] {
    const BusyMark mark(impl.queued, impl.busy);
    try {
      fn();
    } catch (const std::exception& e) {
      spdlog::error("background task failed: {}", e.what());
    } catch (...) {
      spdlog::error("background task failed with a non-standard exception");
    }
  });
}

int BlockingPool::queued() const {
  return impl_->queued.load(std::memory_order_relaxed);
}

int BlockingPool::busy() const {
  return impl_->busy.load(std::memory_order_relaxed);
}

Task<void> sleep_for(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::use_awaitable);
}

}  // namespace ciamd
