#include "flows/login/social_login.hpp"

#include <spdlog/spdlog.h>

#include <variant>

#include "exec/runtime.hpp"
#include "flows/admission.hpp"
#include "flows/flow_step.hpp"
#include "flows/ids.hpp"
#include "flows/login/providers.hpp"
#include "flows/retry.hpp"
#include "flows/session/session_issuer.hpp"
#include "idp/wechat_mini.hpp"
#include "idp/wechat_open.hpp"
#include "idp/weibo.hpp"
#include "store/login_store.hpp"

namespace ciamd {
namespace {

using Decision = Decided;

// Concurrent first logins of one identity race on the unique keys; the loser re-reads and finds
// the winner's link. Three rounds is more than any real race needs.
constexpr int kCommitAttempts = 3;

Identity identity_for(const ExternalIdentity& who, std::string user_id, UnixSeconds now) {
  Identity id;
  id.provider = who.provider;
  id.provider_app_id = who.provider_app_id;
  id.subject = who.subject;
  id.unionid = who.unionid;
  id.user_id = std::move(user_id);
  id.profile_json = who.profile_json.empty() ? "{}" : who.profile_json;
  id.created_at = now;
  return id;
}

class Decider {
 public:
  Decider(const FlowServices& s, LoginStore& logins, const Application& app,
          const ExternalIdentity& who, const DeviceContext& device)
      : s_(s), logins_(logins), app_(app), who_(who), device_(device) {}

  // Runs on the blocking pool.
  Result<Decision> run() {
    return decide_with_retries<Decision>(kCommitAttempts,
                                         "social login lost the same race three times",
                                         [this] { return attempt_once(); });
  }

 private:
  Attempt<Decision> attempt_once() {
    const UnixSeconds now = s_.clock();
    std::optional<Identity> new_link;
    std::optional<UnionidAttachment> attach;
    std::string user_id;
    if (auto linked = logins_.find_identity(who_.provider, who_.provider_app_id, who_.subject)) {
      user_id = linked->user_id;
      attach = unionid_to_attach(*linked);
    } else if (!who_.unionid.empty()) {
      if (auto sibling = logins_.find_identity_by_unionid(who_.provider, who_.unionid)) {
        user_id = sibling->user_id;
        new_link = identity_for(who_, user_id, now);
      }
    }
    if (!user_id.empty()) {
      std::optional<User> user = logins_.find_user(user_id);
      if (!user) return Result<Decision>{ApiError{ErrorCode::kSystemBusy, "identity of no user"}};
      return admit(std::move(*user), std::move(new_link), std::move(attach), now);
    }
    return unbound(now);
  }

  // A unionid WeChat gives now for an identity linked without one (a mini program bound to an
  // Open Platform account after its users first logged in) joins the identity's user, so the
  // person's other apps find them. Unless the unionid already belongs to another user: then two
  // accounts exist for one person, which only an operator can merge; the login goes on as is.
  std::optional<UnionidAttachment> unionid_to_attach(const Identity& linked) const {
    if (who_.unionid.empty() || !linked.unionid.empty()) return std::nullopt;
    if (auto owner = logins_.find_identity_by_unionid(who_.provider, who_.unionid);
        owner && owner->user_id != linked.user_id) {
      spdlog::warn("unionid of identity {}/{} belongs to another user; not attached",
                   linked.provider_app_id, linked.user_id);
      return std::nullopt;
    }
    return UnionidAttachment{linked.provider, linked.provider_app_id, linked.subject, who_.unionid,
                             linked.user_id};
  }

  Attempt<Decision> admit(User user, std::optional<Identity> new_link,
                          std::optional<UnionidAttachment> attach, UnixSeconds now) {
    Result<Admission> admission =
        ciamd::admit(logins_, app_, user, /*created_now=*/false, device_.fingerprint);
    if (!admission) return Result<Decision>{admission.error()};
    if (admission.value() == Admission::kDenied) {
      return Result<Decision>{Decision{LoginDenied{user.id}}};
    }
    // A second factor still links what the first one proved: the link is the person's, the
    // session waits for the factor.
    AdmittedPart part(s_, app_, user, admission.value(), who_.login(), device_);
    LoginCommit commit;
    commit.now = now;
    commit.new_identity = std::move(new_link);
    commit.attach_unionid = std::move(attach);
    commit = part.added_to(std::move(commit));
    if (logins_.commit_login(commit) != CommitResult::kOk) return LostRace{};
    return Result<Decision>{std::move(part).decided(std::move(user), /*created_now=*/false)};
  }

  Attempt<Decision> unbound(UnixSeconds now) {
    switch (app_.unbound) {
      case UnboundPolicy::kReject:
        return Result<Decision>{ApiError{ErrorCode::kUserNotFound}};
      case UnboundPolicy::kRegister:
      case UnboundPolicy::kBind: {
        const FlowKind kind = app_.unbound == UnboundPolicy::kRegister ? FlowKind::kSocialRegister
                                                                       : FlowKind::kSocialBind;
        PendingStep pending = new_step(s_, app_, kind, device_);
        pending.flow.provider = std::string(who_.login());
        pending.flow.pending_identity = identity_for(who_, "", now);
        LoginCommit commit;
        commit.now = now;
        commit.new_flow = pending.flow;
        if (logins_.commit_login(commit) != CommitResult::kOk) return LostRace{};
        return Result<Decision>{Decision{std::move(pending.step)}};
      }
      case UnboundPolicy::kAutoCreate:
        return auto_create(now);
    }
    return Result<Decision>{ApiError{ErrorCode::kSystemBusy, "unknown unbound policy"}};
  }

  Attempt<Decision> auto_create(UnixSeconds now) {
    User user;
    user.id = new_user_id();
    user.username = new_username(who_.provider);
    user.name = who_.display_name;
    user.created_at = now;
    user.updated_at = now;
    // A brand-new user cannot be assigned to an `assigned` application yet: deny without
    // creating anything, rather than leave an account nobody can use.
    Result<Admission> admission =
        ciamd::admit(logins_, app_, user, /*created_now=*/true, device_.fingerprint);
    if (!admission) return Result<Decision>{admission.error()};
    if (admission.value() == Admission::kDenied) return Result<Decision>{Decision{LoginDenied{}}};
    AdmittedPart part(s_, app_, user, admission.value(), who_.login(), device_);
    LoginCommit commit;
    commit.now = now;
    commit.new_user = user;
    commit.new_identity = identity_for(who_, user.id, now);
    commit = part.added_to(std::move(commit));
    if (logins_.commit_login(commit) != CommitResult::kOk) return LostRace{};
    return Result<Decision>{std::move(part).decided(std::move(user), /*created_now=*/true)};
  }

  const FlowServices& s_;
  LoginStore& logins_;
  const Application& app_;
  const ExternalIdentity& who_;
  const DeviceContext& device_;
};

}  // namespace

Task<Result<LoginOutcome>> SocialLogin::with_wechat_code(const Application& app, std::string code,
                                                         const DeviceContext& device) const {
  if (!app.wechat.configured()) {
    co_return ApiError{ErrorCode::kLoginNotEnabled, "application has no WeChat credentials"};
  }
  if (code.size() > kMaxWechatCodeLength) co_return ErrorCode::kWechatCodeInvalid;
  Result<ExternalIdentity> who =
      co_await providers_.wechat.exchange_code(app.wechat, std::move(code));
  if (!who) co_return who.error();
  co_return co_await complete(app, who.value(), device);
}

Task<Result<LoginOutcome>> SocialLogin::with_miniprogram_code(const Application& app,
                                                              std::string code,
                                                              const DeviceContext& device) const {
  if (Status usable = check_miniprogram_code(app, code); !usable) co_return usable.error();
  Result<ExternalIdentity> who =
      co_await providers_.wechat_mini.login(app.miniprogram, std::move(code));
  if (!who) co_return who.error();
  co_return co_await complete(app, who.value(), device);
}

Task<Result<LoginOutcome>> SocialLogin::with_weibo_token(const Application& app,
                                                         std::string access_token, std::string uid,
                                                         const DeviceContext& device) const {
  if (app.weibo_app_key.empty()) {
    co_return ApiError{ErrorCode::kLoginNotEnabled, "application has no Weibo app key"};
  }
  if (access_token.size() > kMaxWeiboTokenLength || uid.size() > kMaxWeiboUidLength) {
    co_return ApiError{ErrorCode::kWeiboTokenInvalid, "token or uid longer than Weibo's"};
  }
  Result<ExternalIdentity> who =
      co_await providers_.weibo.verify(app.weibo_app_key, std::move(access_token), std::move(uid));
  if (!who) co_return who.error();
  co_return co_await complete(app, who.value(), device);
}

Task<Result<LoginOutcome>> SocialLogin::complete(const Application& app,
                                                 const ExternalIdentity& who,
                                                 const DeviceContext& device) const {
  Decider decider(services_, logins_, app, who, device);
  Result<Decision> decided = co_await services_.pool.run([&decider] { return decider.run(); });
  if (!decided) co_return decided.error();
  co_return finish_decided(services_, app, std::move(decided.value()));
}

}  // namespace ciamd
