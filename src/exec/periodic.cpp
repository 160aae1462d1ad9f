#include "exec/periodic.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <utility>

#include "exec/runtime.hpp"

namespace ciamd {

// Shared with the pending timer handler and the pool task, which may outlive the job object by a
// moment. The timer itself does not: the job's destructor destroys it (while the Runtime whose
// io_context it belongs to is still alive), after waiting out a run in progress. Everything else
// here is plain data, safe to release on any thread at any time.
struct PeriodicJob::State : std::enable_shared_from_this<State> {
  State(Runtime& rt, BlockingPool& p, std::string n, std::chrono::milliseconds i,
        std::function<void()> w)
      : pool(p), name(std::move(n)), interval(i), work(std::move(w)) {
    timer.emplace(rt.io());
  }

  // The timer is touched from the loop (its handler), from a pool thread (re-arming) and from
  // stop(); asio timers are not thread-safe, so all of them go through `mutex`.
  void arm() {
    const std::lock_guard lock(mutex);
    if (stopped || !timer) return;
    timer->expires_after(interval);
    timer->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled by stop()
      self->pool.post([self] { self->run_once(); });
    });
  }

  void run_once() {
    {
      const std::lock_guard lock(mutex);
      if (stopped) return;
      running = true;
    }
    try {
      work();
    } catch (const std::exception& e) {
      spdlog::error("background job {} failed: {}", name, e.what());
    }
    {
      const std::lock_guard lock(mutex);
      running = false;
    }
    idle.notify_all();
    arm();
  }

  void stop() {
    const std::lock_guard lock(mutex);
    stopped = true;
    if (timer) timer->cancel();
  }

  // After stop(): waits for a run in progress, then destroys the timer.
  void finish() {
    std::unique_lock lock(mutex);
    idle.wait(lock, [this] { return !running; });
    timer.reset();
  }

  BlockingPool& pool;
  const std::string name;
  const std::chrono::milliseconds interval;
  const std::function<void()> work;
  std::mutex mutex;
  std::condition_variable idle;
  std::optional<boost::asio::steady_timer> timer;
  bool stopped = false;
  bool running = false;
};

PeriodicJob::PeriodicJob(Runtime& runtime, BlockingPool& pool, std::string name,
                         std::chrono::milliseconds interval, std::function<void()> work)
    : state_(std::make_shared<State>(runtime, pool, std::move(name), interval, std::move(work))) {}

PeriodicJob::~PeriodicJob() {
  state_->stop();
  state_->finish();
}

void PeriodicJob::start() {
  state_->arm();
}

void PeriodicJob::stop() {
  state_->stop();
}

}  // namespace ciamd
