// idp-sim/wechat_mini: the WeChat Mini Program endpoints (docs/providers.md#wechat-mini-program) on
// the wire: GET /sns/jscode2session, POST /cgi-bin/stable_token and POST
// /wxa/business/getuserphonenumber. The two POST-only paths answer any other method with errcode
// 43002, as WeChat does, instead of the 405 the router would give.
#pragma once

#include <boost/json/value.hpp>

#include "idp-sim/sim_state.hpp"
#include "net/router.hpp"

namespace idp_sim {

void add_wechat_mini_routes(ciamd::Router& router, SimState& state);

// countryCode as the answer carries it: the number 86 by default (the official sample), the
// string "86" when the code was minted with country_code_as "string" (the field table).
boost::json::value country_code_json(const PhoneInfo& info);

}  // namespace idp_sim
