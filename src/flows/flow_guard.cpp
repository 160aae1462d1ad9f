#include "flows/flow_guard.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "exec/runtime.hpp"
#include "store/login_store.hpp"
#include "tokens/state_token.hpp"

namespace ciamd {
namespace {

ApiError invalid(std::string detail) {
  return ApiError{ErrorCode::kStateTokenInvalid, std::move(detail)};
}

}  // namespace

Status check_flow_usable(const FlowState& flow, std::string_view client_id, UnixSeconds now) {
  if (flow.consumed) return invalid("flow already completed");
  if (flow.expires_at <= now) return invalid("flow expired");
  if (flow.client_id != client_id) return invalid("flow of another client");
  return Done{};
}

Task<Result<FlowState>> FlowGuard::load(std::string_view state_token, std::string_view client_id,
                                        std::vector<FlowKind> accepted) const {
  const FlowServices& services = services_;
  if (state_token.empty()) co_return invalid("no X-state-token");
  const UnixSeconds now = services.clock();
  std::optional<StateTokenClaims> claims =
      services.state_tokens.verify(state_token, client_id, now);
  if (!claims) co_return invalid("state token does not verify");
  const std::string flow_id = claims->flow_id;
  std::optional<FlowState> flow = co_await services.pool.run(
      [&logins = logins_, &flow_id] { return logins.find_flow_state(flow_id); });
  if (!flow) co_return invalid("no such flow");
  if (std::find(accepted.begin(), accepted.end(), flow->kind) == accepted.end()) {
    co_return invalid("flow of another kind");
  }
  if (claims->flow != to_string(flow->kind)) co_return invalid("token names another flow kind");
  if (Status usable = check_flow_usable(*flow, client_id, now); !usable) co_return usable.error();
  co_return std::move(*flow);
}

}  // namespace ciamd
