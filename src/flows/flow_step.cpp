#include "flows/flow_step.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "tokens/crypto.hpp"
#include "tokens/state_token.hpp"

namespace ciamd {
namespace {

StepStatus status_for(FlowKind kind) {
  switch (kind) {
    case FlowKind::kSocialRegister:
      return StepStatus::kUserRegister;
    case FlowKind::kSocialBind:
      return StepStatus::kSocialBind;
    case FlowKind::kMfa:
      return StepStatus::kMfaAuth;
  }
  return StepStatus::kUserRegister;
}

}  // namespace

std::string bind_flow_data(const Application& app) {
  boost::json::array methods;
  for (BindMethod m : app.bind_methods) methods.emplace_back(to_string(m));
  boost::json::object data;
  data["socialBindOrRegisterFlow"] = std::move(methods);
  return boost::json::serialize(data);
}

PendingStep new_step(const FlowServices& services, const Application& app, FlowKind kind,
                     const DeviceContext& device) {
  PendingStep p;
  FlowState& f = p.flow;
  f.id = crypto::random_hex(16);
  f.kind = kind;
  f.client_id = app.client_id;
  f.device_fingerprint = device.fingerprint;
  f.created_at = services.clock();
  f.expires_at = f.created_at + services.tokens.state_token_ttl;

  p.step.status = status_for(kind);
  p.step.state_token = services.state_tokens.issue(StateTokenClaims{
      f.id, app.client_id, std::string(to_string(kind)), f.created_at, f.expires_at});
  if (kind != FlowKind::kMfa) p.step.data = bind_flow_data(app);
  return p;
}

}  // namespace ciamd
