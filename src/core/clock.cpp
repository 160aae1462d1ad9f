#include "core/clock.hpp"

#include <chrono>

namespace ciamd {

UnixSeconds system_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace ciamd
