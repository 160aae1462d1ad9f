#include "net/periodic.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <exception>
#include <mutex>
#include <utility>

#include "net/runtime.hpp"

namespace ciamd {

struct PeriodicJob::State : std::enable_shared_from_this<State> {
  State(Runtime& rt, BlockingPool& p, std::string n, std::chrono::milliseconds i,
        std::function<void()> w)
      : pool(p), name(std::move(n)), interval(i), work(std::move(w)), timer(rt.io()) {}

  // The timer is touched from the loop (its handler) and from stop(); asio timers are not
  // thread-safe, so both go through this mutex.
  void arm() {
    const std::lock_guard lock(mutex);
    if (stopped) return;
    timer.expires_after(interval);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->stopped) return;  // cancelled by stop()
      self->pool.post([self] { self->run_once(); });
    });
  }

  void run_once() {
    if (stopped) return;
    try {
      work();
    } catch (const std::exception& e) {
      spdlog::error("background job {} failed: {}", name, e.what());
    }
    arm();
  }

  BlockingPool& pool;
  const std::string name;
  const std::chrono::milliseconds interval;
  const std::function<void()> work;
  std::mutex mutex;
  boost::asio::steady_timer timer;
  std::atomic<bool> stopped{false};
};

PeriodicJob::PeriodicJob(Runtime& runtime, BlockingPool& pool, std::string name,
                         std::chrono::milliseconds interval, std::function<void()> work)
    : state_(std::make_shared<State>(runtime, pool, std::move(name), interval, std::move(work))) {}

PeriodicJob::~PeriodicJob() {
  stop();
}

void PeriodicJob::start() {
  state_->arm();
}

void PeriodicJob::stop() {
  state_->stopped = true;
  const std::lock_guard lock(state_->mutex);
  state_->timer.cancel();
}

}  // namespace ciamd
