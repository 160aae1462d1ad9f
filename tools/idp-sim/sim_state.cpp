#include "idp-sim/sim_state.hpp"

#include <utility>

namespace idp_sim {

SimState::SimState(SimOptions options)
    : clock_(std::move(options.now)),
      wechat_(clock_, options.code_ttl),
      server_tokens_(clock_, wechat_),
      wechat_mini_(clock_, wechat_, server_tokens_, options.mini_code_ttl),
      weibo_(clock_) {}

void SimState::reset() {
  weibo_.reset();
  wechat_mini_.reset();
  server_tokens_.reset();
  wechat_.reset();
  faults_.reset();
  clock_.reset();
}

}  // namespace idp_sim
