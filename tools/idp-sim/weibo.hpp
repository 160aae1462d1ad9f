// idp-sim/weibo: the Weibo endpoints (docs/providers.md#weibo) on the wire: POST
// /oauth2/get_token_info and GET /2/users/show.json. Unlike WeChat, Weibo answers errors with
// HTTP 400 and {"error":"<text>","error_code":N,"request":"<path>"}, injected faults included.
#pragma once

#include "idp-sim/sim_state.hpp"
#include "net/router.hpp"

namespace idp_sim {

void add_weibo_routes(ciamd::Router& router, SimState& state);

}  // namespace idp_sim
