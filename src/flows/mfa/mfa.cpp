#include "flows/mfa/mfa.hpp"

#include <algorithm>

#include "core/phone.hpp"
#include "exec/runtime.hpp"
#include "flows/admission.hpp"
#include "store/login_store.hpp"

namespace ciamd {
namespace {

MfaFactor factor_of(Channel channel) {
  return channel == Channel::kSms ? MfaFactor::kSms : MfaFactor::kEmail;
}

// The rule of mfa_target_blocking, on a user already read.
Result<std::string> target_of(const Application& app, const User& user, Channel channel,
                              const std::optional<std::string>& claimed) {
  const std::vector<MfaFactor> usable = usable_factors(app, user);
  if (std::find(usable.begin(), usable.end(), factor_of(channel)) == usable.end()) {
    return ErrorCode::kMfaFactorUnavailable;
  }
  std::string own = channel == Channel::kSms ? user.mobile : user.email;
  if (claimed && *claimed != own) return ErrorCode::kTargetNotUsers;
  return own;
}

class Completer {
 public:
  Completer(const FlowServices& s, LoginStore& logins, const Verification& v,
            const Application& app, const FlowState& flow, Channel channel,
            std::optional<std::string> claimed, std::string code, const DeviceContext& device)
      : s_(s),
        logins_(logins),
        v_(v),
        app_(app),
        flow_(flow),
        channel_(channel),
        claimed_(std::move(claimed)),
        code_(std::move(code)),
        device_(device) {}

  // Runs on the blocking pool.
  Result<Decided> run() {
    Result<std::string> target = mfa_target_blocking(logins_, app_, flow_, channel_, claimed_);
    if (!target) return target.error();
    Result<VerificationCode> code =
        v_.verify_blocking(flow_.id, purpose_for(FlowKind::kMfa, channel_), target.value(), code_);
    if (!code) return code.error();
    std::optional<User> user = logins_.find_user(flow_.user_id);
    if (!user) return ApiError{ErrorCode::kStateTokenInvalid, "the MFA flow's user is gone"};
    // The user may have been disabled or unassigned since the first factor.
    Result<Admission> access = check_access(logins_, app_, *user, /*created_now=*/false);
    if (!access) return access.error();
    AdmittedPart part(s_, app_, *user, access.value(), flow_.provider, device_);
    LoginCommit commit;
    commit.now = s_.clock();
    commit.consume_code_id = code->id;
    commit.consume_flow_id = flow_.id;
    commit = part.added_to(std::move(commit));
    if (logins_.commit_login(commit) != CommitResult::kOk) {
      return ApiError{ErrorCode::kStateTokenInvalid, "a concurrent request completed the flow"};
    }
    return std::move(part).decided(std::move(*user), /*created_now=*/false);
  }

 private:
  const FlowServices& s_;
  LoginStore& logins_;
  const Verification& v_;
  const Application& app_;
  const FlowState& flow_;
  const Channel channel_;
  const std::optional<std::string> claimed_;
  const std::string code_;
  const DeviceContext& device_;
};

}  // namespace

Result<std::string> mfa_target_blocking(LoginStore& logins, const Application& app,
                                        const FlowState& flow, Channel channel,
                                        const std::optional<std::string>& claimed) {
  std::optional<User> user = logins.find_user(flow.user_id);
  if (!user) return ApiError{ErrorCode::kStateTokenInvalid, "the MFA flow's user is gone"};
  return target_of(app, *user, channel, claimed);
}

Task<Result<std::string>> MfaCompletion::masked_mobile(const Application& app,
                                                       const FlowState& flow) const {
  Result<std::string> own = co_await services_.pool.run([this, &app, &flow] {
    return mfa_target_blocking(logins_, app, flow, Channel::kSms, std::nullopt);
  });
  if (!own) co_return own.error();
  co_return mask_mobile(own.value());
}

Task<Result<LoginOutcome>> MfaCompletion::complete(const Application& app, const FlowState& flow,
                                                   Channel channel,
                                                   std::optional<std::string> claimed,
                                                   std::string code,
                                                   const DeviceContext& device) const {
  Completer completer(services_, logins_, verification_, app, flow, channel, std::move(claimed),
                      std::move(code), device);
  Result<Decided> decided = co_await services_.pool.run([&completer] { return completer.run(); });
  if (!decided) co_return decided.error();
  co_return finish_decided(services_, app, std::move(decided.value()));
}

}  // namespace ciamd
