// The second factor against a real SQLite store, real keys and a real blocking pool: when a login
// asks for it (always, new_device, never for a user created now, ACCESS_DENIED when the user has
// no usable factor), where its code goes, and completing it.
#include <gtest/gtest.h>

#include "flows/login/social_login.hpp"
#include "flows/mfa/mfa.hpp"
#include "flows_verify_support.hpp"

namespace ciamd {
namespace {

constexpr const char* kPhone = "+8615907132852";

class MfaTest : public testing::VerifyTest {
 protected:
  Application mfa_app(std::string client_id, MfaPolicy policy,
                      UnboundPolicy unbound = UnboundPolicy::kReject) {
    Application app = app_with(std::move(client_id), unbound);
    app.mfa = policy;
    return add_app(app);
  }

  // A user with a phone, linked to the WeChat identity (wxapp, openid).
  User linked_user(const std::string& id, const std::string& openid,
                   const std::string& mobile = kPhone) {
    User u = add_user(id, UserStatus::kActive, mobile);
    link(Identity{"wechat", "wxapp", openid, "", u.id, "{}", now_.load()});
    return u;
  }

  Result<LoginOutcome> login(const Application& app, const std::string& openid) {
    ExternalIdentity who{"wechat", "wxapp", openid, "", "Nick", "{}"};
    return await(social_login().complete(app, who, device_));
  }

  std::string status(const Result<LoginOutcome>& r) {
    if (!r) return std::string(error_info(r.error().code).code);
    return std::string(status_of(r.value()));
  }

  // The MFA flow record behind an MFA_AUTH result.
  FlowState mfa_flow(const Application& app, const Result<LoginOutcome>& r) {
    const auto& step = std::get<LoginStep>(r.value());
    auto claims = state_tokens_.verify(step.state_token, app.client_id, now_.load());
    EXPECT_TRUE(claims);
    std::optional<FlowState> flow = store_->find_flow_state(claims ? claims->flow_id : "");
    EXPECT_TRUE(flow);
    return flow.value_or(FlowState{});
  }

  Result<LoginOutcome> complete(const Application& app, const FlowState& flow,
                                const std::string& code,
                                std::optional<std::string> claimed = std::nullopt) {
    return await(
        mfa(verification()).complete(app, flow, Channel::kSms, std::move(claimed), code, device_));
  }

  // Sends the MFA code to the user's phone and returns it.
  std::string mfa_code(const FlowState& flow) {
    EXPECT_TRUE(send(flow, CodePurpose::kMfaSms, kPhone));
    now_ += 61;
    return last_code();
  }
};

TEST_F(MfaTest, AlwaysAsksAndTheCodeSentToTheUsersPhoneCompletesTheLogin) {
  const Application app = mfa_app("c-always", MfaPolicy::kAlways);
  User u = linked_user("u-1", "o-1");
  Result<LoginOutcome> r = login(app, "o-1");
  ASSERT_EQ(status(r), "MFA_AUTH");
  const auto& step = std::get<LoginStep>(r.value());
  EXPECT_EQ(step.data, R"(["SMS"])");
  const FlowState flow = mfa_flow(app, r);
  EXPECT_EQ(flow.kind, FlowKind::kMfa);
  EXPECT_EQ(flow.user_id, u.id);
  EXPECT_FALSE(store_->is_known_device(u.id, device_.fingerprint));

  const std::string code = mfa_code(flow);
  Result<LoginOutcome> done = complete(app, flow, code);
  ASSERT_EQ(status(done), "SUCCESS");
  EXPECT_EQ(std::get<LoginSuccess>(done.value()).user_id, u.id);
  EXPECT_TRUE(store_->is_known_device(u.id, device_.fingerprint));
  EXPECT_TRUE(store_->find_flow_state(flow.id)->consumed);
  // Spent.
  EXPECT_EQ(status(complete(app, flow, code)), "IDAAS.SDK.CAPTCHA.0007");
  // `always` asks again on the next login, known device or not.
  EXPECT_EQ(status(login(app, "o-1")), "MFA_AUTH");
}

TEST_F(MfaTest, NewDeviceAsksOncePerDevice) {
  const Application app = mfa_app("c-new", MfaPolicy::kNewDevice);
  linked_user("u-2", "o-2");
  Result<LoginOutcome> first = login(app, "o-2");
  ASSERT_EQ(status(first), "MFA_AUTH");
  const FlowState flow = mfa_flow(app, first);
  ASSERT_EQ(status(complete(app, flow, mfa_code(flow))), "SUCCESS");
  EXPECT_EQ(status(login(app, "o-2")), "SUCCESS");
  device_.fingerprint = "fp-other";
  EXPECT_EQ(status(login(app, "o-2")), "MFA_AUTH");
}

TEST_F(MfaTest, AUserWithoutAUsableFactorIsDeniedAndAUserCreatedNowIsNotAsked) {
  const Application app = mfa_app("c-nofactor", MfaPolicy::kAlways, UnboundPolicy::kAutoCreate);
  linked_user("u-3", "o-3", "");
  EXPECT_EQ(status(login(app, "o-3")), "ACCESS_DENIED");
  EXPECT_EQ(status(login(app, "o-brand-new")), "SUCCESS");
}

TEST_F(MfaTest, TheFactorListFollowsTheApplicationAndTheUser) {
  Application app = app_with("c-email", UnboundPolicy::kReject);
  app.mfa = MfaPolicy::kAlways;
  app.mfa_factors = {MfaFactor::kEmail, MfaFactor::kSms};
  add_app(app);
  User u = linked_user("u-4", "o-4");
  Result<LoginOutcome> r = login(app, "o-4");
  ASSERT_EQ(status(r), "MFA_AUTH");
  EXPECT_EQ(std::get<LoginStep>(r.value()).data, R"(["SMS"])");  // no email on the user
  const FlowState flow = mfa_flow(app, r);
  EXPECT_EQ(mfa_target_blocking(*store_, app, flow, Channel::kEmail, std::nullopt).error().code,
            ErrorCode::kMfaFactorUnavailable);
  EXPECT_EQ(mfa_target_blocking(*store_, app, flow, Channel::kSms, "+8613800138000").error().code,
            ErrorCode::kTargetNotUsers);
  EXPECT_EQ(mfa_target_blocking(*store_, app, flow, Channel::kSms, std::string(kPhone)).value(),
            u.mobile);
}

TEST_F(MfaTest, WrongCodeKeepsTheFlowAndADisabledUserCannotFinish) {
  const Application app = mfa_app("c-wrong", MfaPolicy::kAlways);
  User u = linked_user("u-5", "o-5");
  Result<LoginOutcome> r = login(app, "o-5");
  const FlowState flow = mfa_flow(app, r);
  const std::string code = mfa_code(flow);
  EXPECT_EQ(status(complete(app, flow, code == "000000" ? "111111" : "000000")),
            "IDAAS.SDK.CAPTCHA.0007");
  EXPECT_FALSE(store_->find_flow_state(flow.id)->consumed);
  ASSERT_TRUE(store_->set_user_status(u.id, UserStatus::kDisabled, now_.load()));
  EXPECT_EQ(status(complete(app, flow, code)), "IDAAS.SDK.USER.0039");
}

}  // namespace
}  // namespace ciamd
