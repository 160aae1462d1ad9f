#include "flows/social/social_bind.hpp"

#include <boost/json/parse.hpp>
#include <optional>
#include <variant>

#include "exec/runtime.hpp"
#include "flows/admission.hpp"
#include "flows/ids.hpp"
#include "flows/login/providers.hpp"
#include "flows/retry.hpp"
#include "flows/session/session_issuer.hpp"
#include "idp/wechat_mini.hpp"
#include "store/login_store.hpp"

namespace ciamd {
namespace {

using Decision = Decided;

// A register-bind may lose the race for the new user's mobile/email to another request; it then
// decides once more and finds that user.
constexpr int kDecisionRounds = 2;

std::string nickname_of(const Identity& identity) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(identity.profile_json, ec);
  if (ec || !v.is_object()) return "";
  const auto* nick = v.as_object().if_contains("nickname");
  if (nick == nullptr || !nick->is_string()) return "";
  return std::string(nick->as_string());
}

// What proves the phone or email: a code to check, or nothing more (the provider vouched).
struct Proof {
  Channel channel = Channel::kSms;
  std::string target;
  std::optional<std::string> typed_code;
};

class Decider {
 public:
  Decider(const FlowServices& s, LoginStore& logins, const Verification& v, const Application& app,
          const FlowState& flow, Proof proof, const DeviceContext& device)
      : s_(s),
        logins_(logins),
        v_(v),
        app_(app),
        flow_(flow),
        proof_(std::move(proof)),
        device_(device) {}

  // Runs on the blocking pool.
  Result<Decision> run() {
    if (proof_.typed_code) {
      const CodePurpose purpose = purpose_for(flow_.kind, proof_.channel);
      Result<VerificationCode> code =
          v_.verify_blocking(flow_.id, purpose, proof_.target, *proof_.typed_code);
      if (!code) return code.error();
      code_id_ = code->id;
    }
    return decide_with_retries<Decision>(kDecisionRounds, "register-bind lost the user race twice",
                                         [this] { return decide_once(); });
  }

 private:
  // LostRace: the new user's mobile/email was taken meanwhile.
  Attempt<Decision> decide_once() {
    const UnixSeconds now = s_.clock();
    const bool registering = flow_.kind == FlowKind::kSocialRegister;
    std::optional<User> user = proof_.channel == Channel::kSms
                                   ? logins_.find_user_by_mobile(proof_.target)
                                   : logins_.find_user_by_email(proof_.target);
    const bool creating = !user;
    if (creating && !registering) return Result<Decision>{ApiError{ErrorCode::kUserNotFound}};
    if (creating) user = new_user(now);
    if (auto refused = refuse_relink(*user); !refused) {
      // The link may be this very flow's, made by a concurrent request that won: that is the
      // state token being spent, not a conflict.
      if (flow_completed()) return Result<Decision>{completed_error()};
      return Result<Decision>{refused.error()};
    }
    Result<Admission> admission = ciamd::admit(logins_, app_, *user, creating, device_.fingerprint);
    if (!admission) return Result<Decision>{admission.error()};

    LoginCommit commit;
    commit.now = now;
    if (code_id_) commit.consume_code_id = code_id_;
    commit.consume_flow_id = flow_.id;
    // Denied: the flow and the code are spent, nothing is created or linked. A second factor:
    // the user and the link are made (the proof is complete), the session waits for the factor.
    AdmittedPart part(s_, app_, *user, admission.value(), flow_.provider, device_);
    if (admission.value() != Admission::kDenied) {
      if (creating) commit.new_user = *user;
      Identity link = flow_.pending_identity;
      link.user_id = user->id;
      link.created_at = now;
      if (link.profile_json.empty()) link.profile_json = "{}";
      commit.new_identity = std::move(link);
    }
    commit = part.added_to(std::move(commit));
    switch (logins_.commit_login(commit)) {
      case CommitResult::kOk:
        break;
      case CommitResult::kCodeNotUsable:
      case CommitResult::kFlowNotUsable:
        return Result<Decision>{completed_error()};
      case CommitResult::kIdentityTaken:
        return Result<Decision>{
            ApiError{ErrorCode::kSocialAlreadyBound, "identity linked concurrently"}};
      case CommitResult::kUserConflict:
        return LostRace{};
    }
    return Result<Decision>{std::move(part).decided(std::move(*user), creating)};
  }

  bool flow_completed() const {
    std::optional<FlowState> now = logins_.find_flow_state(flow_.id);
    return !now || now->consumed;
  }

  static ApiError completed_error() {
    return ApiError{ErrorCode::kStateTokenInvalid, "a concurrent request completed the flow"};
  }

  User new_user(UnixSeconds now) const {
    User u;
    u.id = new_user_id();
    u.username = new_username(flow_.provider);
    u.name = nickname_of(flow_.pending_identity);
    if (proof_.channel == Channel::kSms) {
      u.mobile = proof_.target;
    } else {
      u.email = proof_.target;
    }
    u.created_at = now;
    u.updated_at = now;
    return u;
  }

  // Never link an identity twice, nor give a user a second identity of one provider app.
  Status refuse_relink(const User& user) const {
    const Identity& pending = flow_.pending_identity;
    if (logins_.find_identity(pending.provider, pending.provider_app_id, pending.subject)) {
      return ApiError{ErrorCode::kSocialAlreadyBound, "pending identity already linked"};
    }
    if (!pending.unionid.empty()) {
      auto sibling = logins_.find_identity_by_unionid(pending.provider, pending.unionid);
      if (sibling && sibling->user_id != user.id) {
        return ApiError{ErrorCode::kSocialAlreadyBound, "unionid linked to another user"};
      }
    }
    for (const Identity& held : logins_.list_identities(user.id)) {
      if (held.provider == pending.provider && held.provider_app_id == pending.provider_app_id &&
          held.subject != pending.subject) {
        return ApiError{ErrorCode::kSocialAlreadyBound,
                        "user already holds another identity of this provider app"};
      }
    }
    return Done{};
  }

  const FlowServices& s_;
  LoginStore& logins_;
  const Verification& v_;
  const Application& app_;
  const FlowState& flow_;
  const Proof proof_;
  const DeviceContext& device_;
  std::optional<std::string> code_id_;  // the verified code, consumed by the commit
};

Task<Result<LoginOutcome>> decide_and_finish(const FlowServices& services, LoginStore& logins,
                                             const Verification& verification,
                                             const Application& app, const FlowState& flow,
                                             Proof proof, const DeviceContext& device) {
  Decider decider(services, logins, verification, app, flow, std::move(proof), device);
  Result<Decision> decided = co_await services.pool.run([&decider] { return decider.run(); });
  if (!decided) co_return decided.error();
  co_return finish_decided(services, app, std::move(decided.value()));
}

}  // namespace

Task<Result<LoginOutcome>> SocialBind::complete(const Application& app, const FlowState& flow,
                                                const VerifiedTarget& proof,
                                                const DeviceContext& device) const {
  if (Status on = method_enabled(app, proof.channel); !on) co_return on.error();
  // Named, not a temporary inside the co_await: GCC 12 destroys aggregate temporaries whose
  // lifetime spans a suspension twice.
  Proof checked{proof.channel, proof.target, proof.code};
  co_return co_await decide_and_finish(services_, logins_, verification_, app, flow,
                                       std::move(checked), device);
}

Task<Result<LoginOutcome>> SocialBind::complete(const Application& app, const FlowState& flow,
                                                const ProvenPhone& proof,
                                                const DeviceContext& device) const {
  return decide_and_finish(services_, logins_, verification_, app, flow,
                           Proof{Channel::kSms, proof.e164, std::nullopt}, device);
}

Task<Result<LoginOutcome>> SocialBind::with_miniprogram_phone_code(
    const Application& app, const FlowState& flow, std::string code,
    const DeviceContext& device) const {
  if (Status usable = check_miniprogram_code(app, code); !usable) co_return usable.error();
  Result<std::string> phone = co_await wechat_mini_.phone_number(app.miniprogram, std::move(code));
  if (!phone) co_return phone.error();
  // Named, not a temporary inside the co_await: GCC 12 mishandles aggregate temporaries whose
  // lifetime spans a suspension (they were destroyed twice).
  const ProvenPhone proof{std::move(phone.value())};
  co_return co_await complete(app, flow, proof, device);
}

}  // namespace ciamd
