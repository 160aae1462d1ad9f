// flows/flow_guard: the state-token check every flow-continuation endpoint runs (docs/api.md
// "Finishing a flow"): the token verifies (signature, expiry, issued to this client id), its
// flow record exists, is of an accepted kind, not consumed, not expired and belongs to the same
// client id. Anything else is IDAAS.SDK.COMMON.1007; which check failed goes to the log detail.
//
//   const FlowGuard guard(services, store);  // store: a LoginStore
//   Result<FlowState> flow = co_await guard.load(sdk.state_token, sdk.client_id,
//                                                {FlowKind::kSocialBind});
//   if (!flow) co_return flow.error();
//
// The example above is compiled and run in tests/unit/contracts_test.cpp.
#pragma once

#include <initializer_list>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"
#include "exec/task.hpp"
#include "flows/services.hpp"

namespace ciamd {

class LoginStore;

class FlowGuard {
 public:
  FlowGuard(const FlowServices& services, LoginStore& logins)
      : services_(services), logins_(logins) {}

  // The record lookup runs on the blocking pool.
  Task<Result<FlowState>> load(std::string_view state_token, std::string_view client_id,
                               std::vector<FlowKind> accepted) const;

 private:
  const FlowServices& services_;
  LoginStore& logins_;
};

// The same checks on a record already read (on the pool, inside a decision), at `now`.
Status check_flow_usable(const FlowState& flow, std::string_view client_id, UnixSeconds now);

}  // namespace ciamd
