// net: PeriodicJob, the background runner for key reloads and purges.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "exec/periodic.hpp"
#include "exec/runtime.hpp"

namespace ciamd {
namespace {

using namespace std::chrono_literals;

// Runs `runtime` on a thread of its own for the test's duration.
class RunningRuntime {
 public:
  RunningRuntime() : thread_([this] { runtime.run(); }) {}
  ~RunningRuntime() {
    runtime.stop();
    thread_.join();
  }
  Runtime runtime{1};

 private:
  std::thread thread_;
};

// Polls `pred` every 5 ms for up to 5 s: a bound on a slow machine, not a measurement.
template <class Pred>
bool within_5s(Pred pred) {
  for (int i = 0; i < 1000 && !pred(); ++i) std::this_thread::sleep_for(5ms);
  return pred();
}

TEST(PeriodicJob, RunsRepeatedlyAndAThrowingRunDoesNotEndIt) {
  BlockingPool pool(1);
  RunningRuntime rt;
  std::atomic<int> runs{0};
  PeriodicJob job(rt.runtime, pool, "test", 5ms, [&] {
    if (++runs == 1) throw std::runtime_error("first run fails");
  });
  EXPECT_EQ(runs, 0);  // not before start()
  job.start();
  EXPECT_TRUE(within_5s([&] { return runs >= 3; })) << runs;
  job.stop();
}

TEST(PeriodicJob, NoRunStartsAfterStop) {
  BlockingPool pool(1);
  RunningRuntime rt;
  std::atomic<int> runs{0};
  PeriodicJob job(rt.runtime, pool, "test", 5ms, [&] { ++runs; });
  job.start();
  ASSERT_TRUE(within_5s([&] { return runs >= 1; }));
  job.stop();
  std::this_thread::sleep_for(20ms);  // a run already on the pool may finish
  const int after_stop = runs;
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(runs, after_stop);
}

TEST(PeriodicJob, RunsDoNotOverlap) {
  BlockingPool pool(4);
  RunningRuntime rt;
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  std::atomic<int> runs{0};
  PeriodicJob job(rt.runtime, pool, "test", 1ms, [&] {
    const int now = ++inside;
    if (now > max_inside) max_inside = now;
    std::this_thread::sleep_for(5ms);
    --inside;
    ++runs;
  });
  job.start();
  ASSERT_TRUE(within_5s([&] { return runs >= 5; }));
  job.stop();
  EXPECT_EQ(max_inside, 1);
}

TEST(BlockingPoolUse, CountsWorkRunningAndWaiting) {
  BlockingPool pool(1);
  std::atomic<bool> release{false};
  std::atomic<int> done{0};
  const auto hold = [&] {
    while (!release) std::this_thread::sleep_for(1ms);
    ++done;
  };
  pool.post(hold);
  pool.post(hold);  // waits behind the first: one thread
  EXPECT_TRUE(within_5s([&] { return pool.busy() == 1 && pool.queued() == 1; }))
      << pool.busy() << " " << pool.queued();
  release = true;
  EXPECT_TRUE(within_5s([&] { return done == 2; }));
  EXPECT_TRUE(within_5s([&] { return pool.busy() == 0 && pool.queued() == 0; }));
}

}  // namespace
}  // namespace ciamd
