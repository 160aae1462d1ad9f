// idp-sim/wechat_open: the WeChat Open Platform mobile-app login endpoints
// (docs/providers.md#wechat-app-login) on the wire: /sns/oauth2/access_token,
// /sns/oauth2/refresh_token, /sns/userinfo, /sns/auth.
#pragma once

#include "idp-sim/sim_state.hpp"
#include "net/router.hpp"

namespace idp_sim {

void add_wechat_open_routes(ciamd::Router& router, SimState& state);

}  // namespace idp_sim
