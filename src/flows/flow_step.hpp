// flows/flow_step: starting a multi-step flow (USER_REGISTER, SOCIAL_BIND, later MFA_AUTH): a
// server-side FlowState record plus the state token that names it.
//
//   PendingStep p = new_step(services, app, FlowKind::kSocialRegister, device);
//   p.flow.pending_identity = identity;
//   commit.new_flow = p.flow;  ...commit...;  return p.step;
#pragma once

#include "core/model.hpp"
#include "flows/outcome.hpp"
#include "flows/services.hpp"

namespace ciamd {

struct PendingStep {
  FlowState flow;  // to be written in the outcome's commit
  LoginStep step;  // to be returned once the commit succeeded
};

PendingStep new_step(const FlowServices& services, const Application& app, FlowKind kind,
                     const DeviceContext& device);

// {"socialBindOrRegisterFlow":["VERIFY_PHONE","VERIFY_EMAIL"]} in the application's order.
std::string bind_flow_data(const Application& app);

}  // namespace ciamd
