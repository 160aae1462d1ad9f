// idp-sim/clock: the simulator's notion of "now", in whole seconds since the epoch.
//
// The source is injectable so unit tests can expire codes and tokens without sleeping, and the
// control API can move the running simulator forward (POST /_sim/clock) so end-to-end tests can do
// the same against the real binary.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <utility>

namespace idp_sim {

using NowSource = std::function<std::int64_t()>;

inline std::int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class SimClock {
 public:
  explicit SimClock(NowSource source = system_now) : source_(std::move(source)) {}

  std::int64_t now() const { return source_() + offset_.load(); }
  // Moves simulated time forward (or back) by `seconds`; cumulative.
  void advance(std::int64_t seconds) { offset_ += seconds; }
  std::int64_t offset() const { return offset_.load(); }
  void reset() { offset_ = 0; }

 private:
  NowSource source_;
  std::atomic<std::int64_t> offset_{0};
};

}  // namespace idp_sim
