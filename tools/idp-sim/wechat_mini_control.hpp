// idp-sim/wechat_mini_control: the control routes of the mini program side (docs/idp-sim.md):
// minting wx.login codes and phone-number codes, and expiring an app's server tokens.
#pragma once

#include "idp-sim/sim_state.hpp"
#include "net/router.hpp"

namespace idp_sim {

void add_wechat_mini_control_routes(ciamd::Router& router, SimState& state);

}  // namespace idp_sim
