// idp-sim's mini program server tokens (docs/providers.md#wechat-mini-program-stable_token),
// without sockets: the stable_token body and check order, reuse in normal mode, the early window,
// forced refreshes and their spacing, and the knobs that expire tokens and pick the expired-token
// errcode.
#include <gtest/gtest.h>

#include <atomic>

#include "idp-sim/sim_state.hpp"

namespace idp_sim {
namespace {

class IdpSimServerTokens : public ::testing::Test {
 protected:
  IdpSimServerTokens() : state_(SimOptions{600, [this] { return now_.load(); }, 300}) {
    state_.wechat().add_app("wxmini", "msecret");
    state_.wechat().add_app("wxmini2", "secret2");
  }

  WechatServerTokens& tokens() { return state_.server_tokens(); }

  WxResult<ServerToken> get(bool force = false, const std::string& appid = "wxmini",
                            const std::string& secret = "msecret",
                            const std::string& grant_type = "client_credential") {
    return tokens().stable_token(StableTokenRequest{grant_type, appid, secret, force});
  }

  int check(const std::string& token) {
    const auto r = state_.server_tokens().check(token);
    return r ? 0 : r.error().errcode;
  }

  std::atomic<std::int64_t> now_{1'700'000'000};
  SimState state_;
};

int errcode_of(const WxResult<ServerToken>& r) {
  return r ? 0 : r.error().errcode;
}

TEST(IdpSimStableTokenBody, MalformedBodiesAre47001) {
  for (const char* body : {"", "not json", "[1,2]", "\"client_credential\"",
                           R"({"grant_type":"client_credential","appid":7,"secret":"s"})",
                           R"({"grant_type":"client_credential","force_refresh":"true"})"}) {
    const auto r = parse_stable_token_body(body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().errcode, 47001) << body;
    EXPECT_EQ(r.error().text, "data format error");
  }
  const auto ok = parse_stable_token_body(
      R"({"grant_type":"client_credential","appid":"wx1","secret":"s","force_refresh":true})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->appid, "wx1");
  EXPECT_EQ(ok->secret, "s");
  EXPECT_TRUE(ok->force_refresh);
  const auto nulls = parse_stable_token_body(R"({"appid":null,"force_refresh":null})");
  ASSERT_TRUE(nulls) << "null reads as absent";
  EXPECT_EQ(nulls->appid, "");
  EXPECT_FALSE(nulls->force_refresh);
}

TEST_F(IdpSimServerTokens, ChecksInDocumentedOrder) {
  EXPECT_EQ(errcode_of(get(false, "", "", "authorization_code")), 40002) << "grant_type first";
  EXPECT_EQ(get(false, "", "", "").error().text, "invalid grant_type");
  EXPECT_EQ(errcode_of(get(false, "", "")), 41002);
  EXPECT_EQ(errcode_of(get(false, "wxnosuch", "")), 40013);
  EXPECT_EQ(errcode_of(get(false, "wxmini", "")), 41004);
  EXPECT_EQ(errcode_of(get(false, "wxmini", "secret2")), 40125);
  EXPECT_EQ(get(false, "wxmini", "secret2").error().text, "invalid appsecret");
  EXPECT_EQ(errcode_of(get()), 0);
}

TEST_F(IdpSimServerTokens, NormalModeReusesTheTokenWithItsRemainingLifetime) {
  const auto first = get().value();
  EXPECT_EQ(first.expires_in, 7200);
  EXPECT_EQ(check(first.access_token), 0);
  now_ += 1000;
  const auto again = get().value();
  EXPECT_EQ(again.access_token, first.access_token);
  EXPECT_EQ(again.expires_in, 6200);
  EXPECT_NE(get(false, "wxmini2", "secret2")->access_token, first.access_token)
      << "one current token per appid";
  EXPECT_EQ(tokens().check(first.access_token).value(), "wxmini");
}

TEST_F(IdpSimServerTokens, EarlyWindowMintsANewTokenAndTheOldOneLivesOn) {
  const auto first = get().value();
  now_ += 6899;  // 301 s left: outside the 300 s window
  EXPECT_EQ(get()->access_token, first.access_token);
  now_ += 1;  // 300 s left: inside
  const auto second = get().value();
  EXPECT_NE(second.access_token, first.access_token);
  EXPECT_EQ(second.expires_in, 7200);
  EXPECT_EQ(check(first.access_token), 0) << "the old token stays valid until its own expiry";
  EXPECT_EQ(get()->access_token, second.access_token) << "the new one is the current one";
  now_ += 300;
  EXPECT_EQ(check(first.access_token), 42001);
  EXPECT_EQ(check(second.access_token), 0);
}

TEST_F(IdpSimServerTokens, EarlyWindowIsHalfTheTtlForShortTtls) {
  ASSERT_TRUE(tokens().set_knobs("wxmini", ServerTokenKnobs{100, 42001}));
  const auto first = get().value();
  EXPECT_EQ(first.expires_in, 100);
  now_ += 49;
  EXPECT_EQ(get()->expires_in, 51);
  now_ += 1;  // 50 s left: min(300, 100 / 2) = 50
  const auto second = get().value();
  EXPECT_NE(second.access_token, first.access_token);
  EXPECT_EQ(second.expires_in, 100);
}

TEST_F(IdpSimServerTokens, ForceRefreshInvalidatesAtOnceAndNeeds30Seconds) {
  const auto first = get().value();
  now_ += 10;
  const auto forced = get(true).value();
  EXPECT_NE(forced.access_token, first.access_token);
  EXPECT_EQ(forced.expires_in, 7200);
  EXPECT_EQ(check(first.access_token), 40001);
  EXPECT_EQ(tokens().check(first.access_token).error().text,
            "invalid credential, access_token is invalid or not latest");
  EXPECT_EQ(check(forced.access_token), 0);

  now_ += 29;
  const auto too_soon = get(true);
  ASSERT_FALSE(too_soon);
  EXPECT_EQ(too_soon.error().errcode, 45011);
  EXPECT_EQ(too_soon.error().text, "api minute-quota reach limit mustslower retry next minute");
  EXPECT_EQ(check(forced.access_token), 0) << "a refused refresh changes nothing";
  EXPECT_EQ(get()->access_token, forced.access_token) << "normal mode is not limited";
  EXPECT_EQ(errcode_of(get(true, "wxmini2", "secret2")), 0) << "the spacing is per appid";

  now_ += 1;
  const auto third = get(true).value();
  EXPECT_NE(third.access_token, forced.access_token);
  EXPECT_EQ(check(forced.access_token), 40001);
}

TEST_F(IdpSimServerTokens, ExpireKnobAnswers42001ByDefault) {
  const auto token = get().value();
  const auto expired = tokens().expire_all("wxmini");
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired.value(), 1);
  const auto r = tokens().check(token.access_token);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().errcode, 42001);
  EXPECT_EQ(r.error().text, "access_token expired");
  const auto next = get().value();
  EXPECT_NE(next.access_token, token.access_token) << "an expired current token is replaced";
  EXPECT_EQ(next.expires_in, 7200);
  EXPECT_EQ(tokens().expire_all("wxmini").value(), 1) << "only the new one was still valid";
  EXPECT_EQ(tokens().expire_all("wxnosuch").error().status, 404);
}

TEST_F(IdpSimServerTokens, ExpiredTokenErrcodeKnobGives40014) {
  ASSERT_TRUE(tokens().set_knobs("wxmini", ServerTokenKnobs{7200, 40014}));
  const auto token = get().value();
  now_ += 7200;  // natural expiry obeys the knob as well
  const auto r = tokens().check(token.access_token);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().errcode, 40014);
  EXPECT_EQ(r.error().text, "invalid access_token");

  const auto other = get(false, "wxmini2", "secret2").value();
  ASSERT_EQ(tokens().expire_all("wxmini2").value(), 1);
  EXPECT_EQ(check(other.access_token), 42001) << "knobs are per app";
}

TEST_F(IdpSimServerTokens, KnobsAndTokensAreValidated) {
  EXPECT_EQ(tokens().set_knobs("wxmini", ServerTokenKnobs{0, 42001}).error().status, 400);
  EXPECT_EQ(tokens().set_knobs("wxmini", ServerTokenKnobs{60, 40001}).error().status, 400);
  EXPECT_EQ(get()->expires_in, 7200) << "a refused knob changed nothing";

  EXPECT_EQ(check(""), 41001);
  EXPECT_EQ(tokens().check("").error().text, "access_token missing");
  EXPECT_EQ(check("bogus"), 40001);
  // A user's Open Platform token is no server token.
  NewWechatUser spec;
  spec.user_key = "alice";
  ASSERT_TRUE(state_.wechat().add_user(spec));
  const auto code = state_.wechat().mint_code("wxmini", "alice", "", {}).value().code;
  const auto grant =
      state_.wechat().exchange_code({"wxmini", "msecret", code, "authorization_code"}).value();
  EXPECT_EQ(check(grant.access_token), 40001);
}

}  // namespace
}  // namespace idp_sim
