// idp-sim/control: the control API under /_sim/, through which tests and the demo script set up
// apps, users and codes, inject faults and read call counters. See docs/idp-sim.md.
#pragma once

#include "idp-sim/sim_state.hpp"
#include "net/router.hpp"

namespace idp_sim {

void add_control_routes(ciamd::Router& router, SimState& state);

}  // namespace idp_sim
