#include "exec/async_event.hpp"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/blocking.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <utility>
#include <vector>

namespace ciamd {

namespace asio = boost::asio;

namespace {

// A suspended wait(). Only ever move-constructed, never move-assigned: Boost 1.81's
// any_completion_handler move assignment recurses until the stack overflows.
using Waiter = asio::any_completion_handler<void()>;

// Resumes a waiter through its own executor (for a coroutine, the one it was spawned on). Never
// inline: the caller of set() may hold locks, or be on a thread the waiter does not belong to.
// (Boost 1.81's post() insists on require(blocking.never), which the type-erased executor of an
// any_completion_handler only offers as a preference; the io_context and strand executors
// underneath honour it.)
void resume(Waiter waiter) {
  const auto executor =
      asio::prefer(asio::get_associated_executor(waiter), asio::execution::blocking.never);
  executor.execute(std::move(waiter));
}

}  // namespace

struct AsyncEvent::Impl {
  mutable std::mutex mutex;  // guards both members: set() and wait() race from any thread
  bool set = false;
  std::vector<Waiter> waiters;
};

AsyncEvent::AsyncEvent() : impl_(std::make_unique<Impl>()) {}

// Waiters still stored here are destroyed with their suspended coroutines; the header calls that a
// bug, and a shared_ptr held by every waiter rules it out.
AsyncEvent::~AsyncEvent() = default;

Task<void> AsyncEvent::wait() {
  if (is_set()) co_return;  // the common case for late joiners: no suspension at all
  Impl& impl = *impl_;
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [&impl](Waiter waiter) {
        std::unique_lock lock(impl.mutex);
        if (!impl.set) {
          impl.waiters.push_back(std::move(waiter));
          return;
        }
        // set() ran between is_set() and here: complete as if it had run after.
        lock.unlock();
        resume(std::move(waiter));
      },
      asio::use_awaitable);
}

void AsyncEvent::set() {
  std::vector<Waiter> ready;
  {
    const std::lock_guard lock(impl_->mutex);
    if (impl_->set) return;
    impl_->set = true;
    ready.swap(impl_->waiters);
  }
  for (Waiter& waiter : ready) resume(std::move(waiter));
}

bool AsyncEvent::is_set() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->set;
}

}  // namespace ciamd
