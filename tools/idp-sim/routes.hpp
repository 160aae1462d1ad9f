// idp-sim/routes: the simulator's HTTP surface in one place: every simulated provider route and
// the control API on one router, and the server options both listeners use. main.cpp and the
// in-process wire test build the server from these, so they exercise the same thing.
#pragma once

#include <cstdint>
#include <string>

#include "idp-sim/sim_state.hpp"
#include "net/router.hpp"
#include "net/server.hpp"

namespace idp_sim {

ciamd::Router make_router(SimState& state);

// Plain-HTTP options for host:port; the caller adds TLS files for the HTTPS listener.
ciamd::ServerOptions make_server_options(const std::string& host, std::uint16_t port);

}  // namespace idp_sim
