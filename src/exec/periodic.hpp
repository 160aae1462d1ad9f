// exec/periodic: background work at a fixed pace (reloading signing keys, purging expired rows).
// The work blocks (database calls), so it runs on the BlockingPool, never on the event loop; the
// next run is timed from the end of the previous one, so a slow run never overlaps the next.
//
//   PeriodicJob purge(runtime, pool, "purge", 300s, [&] { purge_expired_rows(store, now()); });
//   purge.start();   // first run one interval from now
//   ...
//   purge.stop();    // or destroy it; a run in progress finishes
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace ciamd {

class Runtime;
class BlockingPool;

class PeriodicJob {
 public:
  // `runtime` and `pool` must outlive the job: declare the job after both. Destroying the job
  // stops it and waits for a run in progress.
  PeriodicJob(Runtime& runtime, BlockingPool& pool, std::string name,
              std::chrono::milliseconds interval, std::function<void()> work);
  ~PeriodicJob();
  PeriodicJob(const PeriodicJob&) = delete;
  PeriodicJob& operator=(const PeriodicJob&) = delete;

  void start();
  // No run starts after stop(); an exception from the work is logged and the job goes on.
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared with the pending timer and pool handlers
};

}  // namespace ciamd
