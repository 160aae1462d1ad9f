// idp-sim's WeChat Mini Program login rules (docs/providers.md#wechat-mini-program-jscode2session),
// without sockets: jscode2session in its documented check order, single use, expiry on the
// injectable clock, blocked users, identities shared with the Open Platform side, and what
// /_sim/reset forgets. Phone numbers are in idp_sim_phone_test.cpp, server tokens in
// idp_sim_tokens_test.cpp.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <array>
#include <atomic>
#include <regex>

#include "idp-sim/ids.hpp"
#include "idp-sim/sim_state.hpp"
#include "idp_sim_mini_support.hpp"

namespace idp_sim {
namespace {

class IdpSimMini : public testing::MiniSimTest {
 protected:
  IdpSimMini() {
    state_.wechat().add_app("wxapp", "asecret");  // an Open Platform mobile app
    alice_ = add_user("alice", "15907132852", "", true, false);
    add_user("bob", "2025550123", "1", false, false);
    add_user("carol", "", "", true, true);
  }

  WechatUser add_user(const std::string& key, const std::string& phone, const std::string& cc,
                      bool unionid, bool blocked) {
    NewWechatUser spec;
    spec.user_key = key;
    if (!phone.empty()) spec.phone = phone;
    if (!cc.empty()) spec.country_code = cc;
    spec.generate_unionid = unionid;
    spec.mini_login_blocked = blocked;
    return state_.wechat().add_user(spec).value();
  }

  std::string login_code(const std::string& appid = "wxmini", const std::string& user = "alice",
                         std::optional<std::int64_t> ttl = {}) {
    return mini().mint_login_code(appid, user, ttl).value().code;
  }

  int login(const std::string& code, const std::string& appid = "wxmini",
            const std::string& secret = "msecret",
            const std::string& grant_type = "authorization_code") {
    const auto r = mini().jscode2session(JsCodeExchange{appid, secret, code, grant_type});
    return r ? 0 : r.error().errcode;
  }

  WechatUser alice_;
};

TEST_F(IdpSimMini, Jscode2sessionChecksInDocumentedOrder) {
  const std::string code = login_code();
  const std::string other_apps = login_code("wxmini2");
  EXPECT_EQ(login(code, "", "", ""), 41002);
  EXPECT_EQ(login(code, "wxnosuch", "", ""), 40013);
  EXPECT_EQ(login(code, "wxmini", "", ""), 41004);
  EXPECT_EQ(login(code, "wxmini", "secret2", ""), 40125);
  EXPECT_EQ(login(code, "wxmini", "msecret", "client_credential"), 40002);
  EXPECT_EQ(login("", "wxmini", "msecret"), 41008);
  EXPECT_EQ(login("nosuchcode"), 40029);
  EXPECT_EQ(login(other_apps), 40029) << "a code of another appid reads as unknown";
  const auto r = mini().jscode2session(JsCodeExchange{"wxmini", "msecret", "x", "bad"});
  EXPECT_EQ(r.error().text, "invalid grant_type");
  EXPECT_EQ(login(code), 0) << "no failed check consumed the code";
  EXPECT_EQ(login(other_apps, "wxmini2", "secret2"), 0);
}

TEST_F(IdpSimMini, LoginCodeIsSingleUseWithAFreshSessionKey) {
  const auto minted = mini().mint_login_code("wxmini", "alice", {}).value();
  const auto first =
      mini().jscode2session({"wxmini", "msecret", minted.code, "authorization_code"});
  ASSERT_TRUE(first);
  EXPECT_EQ(first->openid, minted.openid);
  const auto second =
      mini().jscode2session({"wxmini", "msecret", minted.code, "authorization_code"});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().errcode, 40163);
  EXPECT_EQ(second.error().text, "code been used");

  // A 16-byte AES key in padded base64, as WeChat's session_key; a new one every exchange.
  EXPECT_TRUE(std::regex_match(first->session_key, std::regex("[A-Za-z0-9+/]{22}==")));
  std::array<unsigned char, 32> key{};
  const auto* text = reinterpret_cast<const unsigned char*>(first->session_key.data());
  // EVP_DecodeBlock counts the 2 bytes the "==" stands for: 18 means 16 real ones.
  EXPECT_EQ(EVP_DecodeBlock(key.data(), text, 24), 18);
  const auto again =
      mini().jscode2session({"wxmini", "msecret", login_code(), "authorization_code"});
  EXPECT_NE(again->session_key, first->session_key);
}

TEST_F(IdpSimMini, LoginCodeLivesFiveMinutesOrItsTtl) {
  const std::string fresh = login_code();
  const std::string stale = login_code();
  const std::string short_lived = login_code("wxmini", "alice", 10);
  const std::string used = login_code();
  ASSERT_EQ(login(used), 0);
  now_ += 10;
  EXPECT_EQ(login(short_lived), 40029);
  now_ += 289;
  EXPECT_EQ(login(fresh), 0);
  now_ += 1;
  EXPECT_EQ(login(stale), 40029);
  EXPECT_EQ(login(used), 40163) << "used is judged before expired";

  SimState custom(SimOptions{600, [this] { return now_.load(); }, 60});
  custom.wechat().add_app("wxmini", "msecret");
  NewWechatUser spec;
  spec.user_key = "dave";
  ASSERT_TRUE(custom.wechat().add_user(spec));
  const auto code = custom.wechat_mini().mint_login_code("wxmini", "dave", {}).value().code;
  now_ += 60;
  EXPECT_EQ(custom.wechat_mini()
                .jscode2session({"wxmini", "msecret", code, "authorization_code"})
                .error()
                .errcode,
            40029)
      << "--mini-code-ttl sets the default";
}

TEST_F(IdpSimMini, BlockedUserGets40226WithoutUsingTheCode) {
  const std::string code = login_code("wxmini", "carol");
  EXPECT_EQ(login(code), 40226);
  const auto r = mini().jscode2session({"wxmini", "msecret", code, "authorization_code"});
  EXPECT_EQ(r.error().errcode, 40226) << "not 40163: the refused code was not consumed";
  EXPECT_EQ(r.error().text, "code blocked");
  now_ += 300;
  EXPECT_EQ(login(code), 40029) << "expiry is judged before the block";
}

TEST_F(IdpSimMini, SameUserHasPerAppidOpenidsAndOneUnionid) {
  const auto app_code = state_.wechat().mint_code("wxapp", "alice", "", {}).value();
  const auto app_grant =
      state_.wechat().exchange_code({"wxapp", "asecret", app_code.code, "authorization_code"});
  ASSERT_TRUE(app_grant);
  const auto session =
      mini().jscode2session({"wxmini", "msecret", login_code(), "authorization_code"});
  ASSERT_TRUE(session);
  EXPECT_EQ(session->openid, derive_openid("wxmini", "alice"));
  EXPECT_NE(session->openid, app_grant->openid);
  ASSERT_TRUE(alice_.unionid);
  EXPECT_EQ(session->unionid, alice_.unionid);
  EXPECT_EQ(app_grant->unionid, alice_.unionid);

  const auto other =
      mini().jscode2session({"wxmini2", "secret2", login_code("wxmini2"), "authorization_code"});
  EXPECT_EQ(other->openid, derive_openid("wxmini2", "alice"));
  EXPECT_EQ(other->unionid, alice_.unionid);

  const auto bob = mini().mint_login_code("wxmini", "bob", {}).value();
  EXPECT_FALSE(bob.unionid);
  EXPECT_FALSE(
      mini().jscode2session({"wxmini", "msecret", bob.code, "authorization_code"})->unionid);
}

TEST_F(IdpSimMini, LoginCodesAndAppCodesDoNotMix) {
  const std::string mini_code = login_code("wxapp");
  EXPECT_EQ(state_.wechat()
                .exchange_code({"wxapp", "asecret", mini_code, "authorization_code"})
                .error()
                .errcode,
            40029);
  const auto app_code = state_.wechat().mint_code("wxmini", "alice", "", {}).value().code;
  EXPECT_EQ(login(app_code), 40029);
}

TEST_F(IdpSimMini, ControlCallsAndUsersAreValidated) {
  EXPECT_EQ(mini().mint_login_code("wxnosuch", "alice", {}).error().status, 404);
  EXPECT_EQ(mini().mint_login_code("wxmini", "nobody", {}).error().status, 404);
  EXPECT_EQ(mini().mint_phone_code("wxnosuch", "alice", {}, false).error().status, 404);
  EXPECT_EQ(mini().mint_phone_code("wxmini", "nobody", {}, false).error().status, 404);
  EXPECT_EQ(mini().mint_phone_code("wxmini", "carol", {}, false).error().status, 400)
      << "carol has no phone";
  EXPECT_EQ(mini().mint_login_code("wxmini", "alice", -1).error().status, 400);

  NewWechatUser spec;
  spec.phone = "159-0713";
  EXPECT_EQ(state_.wechat().add_user(spec).error().status, 400);
  spec.phone = "15907132852";
  for (const char* cc : {"+86", "086", "1234", ""}) {
    spec.country_code = cc;
    EXPECT_EQ(state_.wechat().add_user(spec).error().status, 400) << cc;
  }
  NewWechatUser no_phone;
  no_phone.country_code = "86";
  EXPECT_EQ(state_.wechat().add_user(no_phone).error().status, 400);
}

TEST_F(IdpSimMini, ResetForgetsCodesAndTokensButKeepsAppsAndKnobs) {
  ASSERT_TRUE(state_.server_tokens().set_knobs("wxmini", ServerTokenKnobs{600, 40014}));
  const std::string code = login_code();
  const std::string pcode = phone_code();
  const std::string token = server_token();
  state_.reset();
  add_user("alice", "15907132852", "", true, false);
  EXPECT_EQ(login(code), 40029);
  EXPECT_EQ(phone(token, pcode), 40001) << "the server token is gone too";
  const auto fresh = state_.server_tokens().stable_token(
      StableTokenRequest{"client_credential", "wxmini", "msecret", false});
  ASSERT_TRUE(fresh);
  EXPECT_NE(fresh->access_token, token);
  EXPECT_EQ(fresh->expires_in, 600) << "the app's knobs survive";
  EXPECT_EQ(phone(fresh->access_token, pcode), 40029);
  EXPECT_EQ(login(login_code()), 0);
}

}  // namespace
}  // namespace idp_sim
