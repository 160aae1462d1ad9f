// idp-sim/weibo_control: the /_sim/weibo/ control routes: registering apps and users, minting
// access tokens (what a completed oauth2/access_token exchange would hand the client) and revoking
// them.
#pragma once

#include "idp-sim/sim_state.hpp"
#include "net/router.hpp"

namespace idp_sim {

void add_weibo_control_routes(ciamd::Router& router, SimState& state);

}  // namespace idp_sim
