// net: AsyncEvent, the one-shot event single-flight callers wait on.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "exec/async_event.hpp"
#include "unit/net_test_support.hpp"

namespace ciamd {
namespace {

namespace asio = boost::asio;

// Waits on `event`, then counts itself in `resumed`.
Task<void> waiter(std::shared_ptr<AsyncEvent> event, std::shared_ptr<std::atomic<int>> resumed) {
  co_await event->wait();
  ++*resumed;
}

// A private io_context driven by hand from the test thread, so "suspended before set()" is a fact
// rather than a likelihood.
TEST(AsyncEvent, WaitersSuspendedBeforeSetResumeAfterIt) {
  asio::io_context io;
  auto event = std::make_shared<AsyncEvent>();
  auto resumed = std::make_shared<std::atomic<int>>(0);
  for (int i = 0; i < 3; ++i) asio::co_spawn(io, waiter(event, resumed), asio::detached);
  io.poll();  // every waiter runs up to its co_await and parks there
  EXPECT_EQ(*resumed, 0);
  EXPECT_FALSE(event->is_set());

  event->set();
  EXPECT_TRUE(event->is_set());
  EXPECT_EQ(*resumed, 0);  // set() only queues the waiters; their executor resumes them
  io.restart();
  io.poll();
  EXPECT_EQ(*resumed, 3);
}

TEST(AsyncEvent, WaitAfterSetReturnsAtOnce) {
  asio::io_context io;
  auto event = std::make_shared<AsyncEvent>();
  auto resumed = std::make_shared<std::atomic<int>>(0);
  event->set();
  asio::co_spawn(io, waiter(event, resumed), asio::detached);
  io.poll();
  EXPECT_EQ(*resumed, 1);
}

TEST(AsyncEvent, SettingTwiceIsHarmless) {
  asio::io_context io;
  auto event = std::make_shared<AsyncEvent>();
  auto resumed = std::make_shared<std::atomic<int>>(0);
  asio::co_spawn(io, waiter(event, resumed), asio::detached);
  io.poll();
  event->set();
  event->set();
  io.restart();
  io.poll();
  EXPECT_EQ(*resumed, 1);  // resumed once, not once per set()
  asio::co_spawn(io, waiter(event, resumed), asio::detached);
  event->set();
  io.restart();
  io.poll();
  EXPECT_EQ(*resumed, 2);
  EXPECT_TRUE(event->is_set());
}

class AsyncEventOnThreads : public testing::LiveRuntime {
 protected:
  AsyncEventOnThreads() : LiveRuntime(4) {}
};

TEST_F(AsyncEventOnThreads, TwoHundredWaitersAcrossThreadsEachResumeExactlyOnce) {
  constexpr int kWaiters = 200;
  auto event = std::make_shared<AsyncEvent>();
  std::array<std::atomic<int>, kWaiters> resumed{};
  std::atomic<int> parked{0};
  std::vector<std::future<std::thread::id>> done;
  done.reserve(kWaiters);
  for (int i = 0; i < kWaiters; ++i) {
    done.push_back(asio::co_spawn(
        runtime_.io(),
        [&, i]() -> Task<std::thread::id> {
          ++parked;
          co_await event->wait();
          ++resumed[static_cast<std::size_t>(i)];
          co_return std::this_thread::get_id();
        },
        asio::use_future));
  }
  // Most waiters are parked by now, a few may still be on their way: both paths must work.
  while (parked < kWaiters / 2) std::this_thread::yield();
  event->set();

  int total = 0;
  for (auto& f : done) {
    // set() on this thread queued the waiters; it never ran one of them here.
    EXPECT_NE(f.get(), std::this_thread::get_id());
  }
  for (const auto& count : resumed) {
    EXPECT_EQ(count, 1);
    total += count;
  }
  EXPECT_EQ(total, kWaiters);
}

TEST_F(AsyncEventOnThreads, SetFromALoopThreadWakesWaitersOnOtherThreads) {
  auto event = std::make_shared<AsyncEvent>();
  auto resumed = std::make_shared<std::atomic<int>>(0);
  std::vector<std::future<void>> done;
  done.reserve(20);
  for (int i = 0; i < 20; ++i) {
    done.push_back(asio::co_spawn(runtime_.io(), waiter(event, resumed), asio::use_future));
  }
  await([event]() -> Task<void> {
    event->set();
    co_return;
  }());
  for (auto& f : done) f.get();
  EXPECT_EQ(*resumed, 20);
}

}  // namespace
}  // namespace ciamd
