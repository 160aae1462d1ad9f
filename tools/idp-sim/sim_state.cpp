#include "idp-sim/sim_state.hpp"

#include <utility>

namespace idp_sim {

SimState::SimState(SimOptions options)
    : clock_(std::move(options.now)), wechat_(clock_, options.code_ttl) {}

void SimState::reset() {
  wechat_.reset();
  faults_.reset();
  clock_.reset();
}

}  // namespace idp_sim
