// flows/social/social_bind: finishing SOCIAL_BIND and USER_REGISTER flows with a verified phone or
// email, against a real SQLite store, real keys and a real blocking pool.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "flows/login/social_login.hpp"
#include "flows/social/social_bind.hpp"
#include "flows_verify_support.hpp"

namespace ciamd {
namespace {

constexpr const char* kPhone = "+8615907132852";
constexpr const char* kEmail = "alice@example.com";

class SocialBindTest : public testing::VerifyTest {
 protected:
  // Sends a code for the flow's purpose and returns it.
  std::string code_for(const FlowState& flow, Channel channel, const std::string& target) {
    EXPECT_TRUE(send(flow, purpose_for(flow.kind, channel), target));
    now_ += 61;  // past the resend interval for any later send in the same test
    return last_code();
  }

  Result<LoginOutcome> complete(const Application& app, const FlowState& flow, Channel channel,
                                const std::string& target, const std::string& code) {
    const SocialBind bind = social_bind(verification());
    return await(bind.complete(app, flow, VerifiedTarget{channel, target, code}, device_));
  }

  static ErrorCode code_of(const Result<LoginOutcome>& r) {
    return r ? ErrorCode::kNotFound : r.error().code;
  }

  std::string success_user(const Result<LoginOutcome>& r) {
    if (!r) {
      ADD_FAILURE() << error_info(r.error().code).code << " " << r.error().detail;
      return "";
    }
    EXPECT_EQ(status_of(r.value()), "SUCCESS");
    if (status_of(r.value()) != "SUCCESS") return "";
    const auto& ok = std::get<LoginSuccess>(r.value());
    EXPECT_EQ(verified_claims(ok.id_token).at("sub").as_string(), ok.user_id);
    return ok.user_id;
  }

  bool flow_consumed(const FlowState& flow) {
    std::optional<FlowState> f = store_->find_flow_state(flow.id);
    return f && f->consumed;
  }

  Application bind_app_ = add_app(app_with("client-bind", UnboundPolicy::kBind));
  Application reg_app_ = add_app(app_with("client-reg", UnboundPolicy::kRegister));
};

TEST_F(SocialBindTest, BindLinksTheUserWithThatPhoneAndTheNextLoginSucceedsDirectly) {
  User u = add_user("u-phone", UserStatus::kActive, kPhone);
  FlowState flow = new_flow(bind_app_, FlowKind::kSocialBind);
  const std::string code = code_for(flow, Channel::kSms, kPhone);
  EXPECT_EQ(success_user(complete(bind_app_, flow, Channel::kSms, kPhone, code)), u.id);
  std::optional<Identity> link = store_->find_identity("wechat", "wxapp", "openid-1");
  ASSERT_TRUE(link);
  EXPECT_EQ(link->user_id, u.id);
  EXPECT_TRUE(flow_consumed(flow));
  EXPECT_FALSE(store_->find_live_code(flow.id, "BIND_MOBILE_SMS", kPhone, now_.load()));

  ExternalIdentity who{"wechat", "wxapp", "openid-1", "", "Nick", "{}"};
  Result<LoginOutcome> again = await(social_login().complete(bind_app_, who, device_));
  EXPECT_EQ(success_user(again), u.id);
}

TEST_F(SocialBindTest, BindWithoutSuchUserIsUser0001AndKeepsTheFlow) {
  FlowState flow = new_flow(bind_app_, FlowKind::kSocialBind);
  const std::string code = code_for(flow, Channel::kEmail, kEmail);
  EXPECT_EQ(code_of(complete(bind_app_, flow, Channel::kEmail, kEmail, code)),
            ErrorCode::kUserNotFound);
  EXPECT_FALSE(flow_consumed(flow));
}

TEST_F(SocialBindTest, WrongCodeIsCaptcha0007AndDoesNotConsumeTheFlow) {
  User u = add_user("u-w", UserStatus::kActive, kPhone);
  FlowState flow = new_flow(bind_app_, FlowKind::kSocialBind);
  const std::string code = code_for(flow, Channel::kSms, kPhone);
  const std::string wrong = code == "111111" ? "222222" : "111111";
  EXPECT_EQ(code_of(complete(bind_app_, flow, Channel::kSms, kPhone, wrong)),
            ErrorCode::kCodeIncorrect);
  EXPECT_FALSE(flow_consumed(flow));
  EXPECT_EQ(success_user(complete(bind_app_, flow, Channel::kSms, kPhone, code)), u.id);
  // Consumed now: the same code again finds nothing live.
  EXPECT_EQ(code_of(complete(bind_app_, flow, Channel::kSms, kPhone, code)),
            ErrorCode::kCodeIncorrect);
}

TEST_F(SocialBindTest, RegisterBindCreatesAUserWithTheVerifiedEmailAndNickname) {
  FlowState flow = new_flow(reg_app_, FlowKind::kSocialRegister);
  const std::string code = code_for(flow, Channel::kEmail, kEmail);
  const std::string id = success_user(complete(reg_app_, flow, Channel::kEmail, kEmail, code));
  std::optional<User> u = store_->find_user_by_email(kEmail);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->id, id);
  EXPECT_EQ(u->name, "Nick");
  EXPECT_EQ(u->username.rfind("wechat_", 0), 0u);
  EXPECT_EQ(store_->find_identity("wechat", "wxapp", "openid-1")->user_id, id);
}

TEST_F(SocialBindTest, RegisterBindFindsAnExistingUserByPhone) {
  User u = add_user("u-existing", UserStatus::kActive, kPhone);
  FlowState flow = new_flow(reg_app_, FlowKind::kSocialRegister);
  const std::string code = code_for(flow, Channel::kSms, kPhone);
  EXPECT_EQ(success_user(complete(reg_app_, flow, Channel::kSms, kPhone, code)), u.id);
  EXPECT_EQ(store_->find_users("", "", 100).size(), 1u);
}

TEST_F(SocialBindTest, IdentityAlreadyLinkedIsSocial0001) {
  User other = add_user("u-other");
  User u = add_user("u-target", UserStatus::kActive, kPhone);
  FlowState flow = new_flow(bind_app_, FlowKind::kSocialBind);
  link(Identity{"wechat", "wxapp", "openid-1", "", other.id, "{}", now_.load()});
  const std::string code = code_for(flow, Channel::kSms, kPhone);
  EXPECT_EQ(code_of(complete(bind_app_, flow, Channel::kSms, kPhone, code)),
            ErrorCode::kSocialAlreadyBound);
  EXPECT_EQ(store_->find_identity("wechat", "wxapp", "openid-1")->user_id, other.id);
  EXPECT_TRUE(store_->list_identities(u.id).empty());
}

TEST_F(SocialBindTest, UserWithAnotherIdentityOfTheSameAppIsSocial0001NotRelinked) {
  User u = add_user("u-has", UserStatus::kActive, kPhone);
  link(Identity{"wechat", "wxapp", "openid-old", "", u.id, "{}", now_.load()});
  FlowState flow = new_flow(bind_app_, FlowKind::kSocialBind, "openid-new");
  const std::string code = code_for(flow, Channel::kSms, kPhone);
  EXPECT_EQ(code_of(complete(bind_app_, flow, Channel::kSms, kPhone, code)),
            ErrorCode::kSocialAlreadyBound);
  EXPECT_FALSE(store_->find_identity("wechat", "wxapp", "openid-new"));
  EXPECT_EQ(store_->list_identities(u.id).size(), 1u);
}

TEST_F(SocialBindTest, DisabledUserIsUser0039) {
  add_user("u-off", UserStatus::kDisabled, kPhone);
  FlowState flow = new_flow(bind_app_, FlowKind::kSocialBind);
  const std::string code = code_for(flow, Channel::kSms, kPhone);
  EXPECT_EQ(code_of(complete(bind_app_, flow, Channel::kSms, kPhone, code)),
            ErrorCode::kUserDisabled);
}

TEST_F(SocialBindTest, AssignedAppDeniesConsumesTheFlowAndLinksNothing) {
  Application app =
      add_app(app_with("client-assigned", UnboundPolicy::kRegister, AccessPolicy::kAssigned));
  FlowState flow = new_flow(app, FlowKind::kSocialRegister);
  const std::string code = code_for(flow, Channel::kSms, kPhone);
  Result<LoginOutcome> r = complete(app, flow, Channel::kSms, kPhone, code);
  ASSERT_TRUE(r);
  EXPECT_EQ(status_of(r.value()), "ACCESS_DENIED");
  EXPECT_TRUE(flow_consumed(flow));
  EXPECT_TRUE(store_->find_users("", "", 100).empty());
  EXPECT_FALSE(store_->find_identity("wechat", "wxapp", "openid-1"));
}

TEST_F(SocialBindTest, ConcurrentRegisterBindsMakeExactlyOneUserAndOneLink) {
  FlowState flow = new_flow(reg_app_, FlowKind::kSocialRegister);
  const std::string code = code_for(flow, Channel::kSms, kPhone);
  constexpr int kRacers = 8;
  std::vector<std::future<std::optional<Result<LoginOutcome>>>> racers;
  const SocialBind bind = social_bind(verification());
  const VerifiedTarget proof{Channel::kSms, kPhone, code};
  for (int i = 0; i < kRacers; ++i)
    racers.push_back(spawn(bind.complete(reg_app_, flow, proof, device_)));
  int successes = 0;
  for (auto& f : racers) {
    Result<LoginOutcome> r = std::move(*f.get());
    if (r) {
      EXPECT_EQ(status_of(r.value()), "SUCCESS");
      ++successes;
    } else {
      EXPECT_TRUE(r.error().code == ErrorCode::kCodeIncorrect ||
                  r.error().code == ErrorCode::kStateTokenInvalid)
          << error_info(r.error().code).code;
    }
  }
  EXPECT_EQ(successes, 1);
  EXPECT_EQ(store_->find_users("", "", 100).size(), 1u);
  ASSERT_TRUE(store_->find_user_by_mobile(kPhone));
  EXPECT_EQ(store_->list_identities(store_->find_user_by_mobile(kPhone)->id).size(), 1u);
}

TEST_F(SocialBindTest, TwoFlowsRegisteringTheSamePhoneShareOneUser) {
  FlowState a = new_flow(reg_app_, FlowKind::kSocialRegister, "openid-a");
  FlowState b = new_flow(reg_app_, FlowKind::kSocialRegister, "openid-b");
  // Same provider app, different subjects: the second one is refused rather than given a
  // second identity of the same app.
  const std::string ca = code_for(a, Channel::kSms, kPhone);
  const std::string cb = code_for(b, Channel::kSms, kPhone);
  const std::string id = success_user(complete(reg_app_, a, Channel::kSms, kPhone, ca));
  EXPECT_EQ(code_of(complete(reg_app_, b, Channel::kSms, kPhone, cb)),
            ErrorCode::kSocialAlreadyBound);
  EXPECT_EQ(store_->find_users("", "", 100).size(), 1u);
  EXPECT_EQ(store_->list_identities(id).size(), 1u);
}

}  // namespace
}  // namespace ciamd
