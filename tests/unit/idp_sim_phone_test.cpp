// idp-sim's WeChat Mini Program phone-number rules
// (docs/providers.md#wechat-mini-program-getuserphonenumber), without sockets: getuserphonenumber
// in its documented check order (token, body, code, appid), single use, expiry on the injectable
// clock, and the phone_info a code yields.
#include <gtest/gtest.h>

#include <atomic>
#include <regex>

#include "idp-sim/sim_state.hpp"
#include "idp_sim_mini_support.hpp"

namespace idp_sim {
namespace {

using testing::kT0;

class IdpSimPhone : public testing::MiniSimTest {
 protected:
  IdpSimPhone() {
    NewWechatUser alice;
    alice.user_key = "alice";
    alice.phone = "15907132852";
    NewWechatUser bob;
    bob.user_key = "bob";
    bob.phone = "2025550123";
    bob.country_code = "1";
    state_.wechat().add_user(alice).value();
    state_.wechat().add_user(bob).value();
  }
};

TEST_F(IdpSimPhone, PhoneNumberChecksInDocumentedOrder) {
  const std::string token = server_token();
  const std::string token2 = server_token("wxmini2", "secret2");
  const std::string code = phone_code();
  EXPECT_EQ(phone("", ""), 41001) << "the token is judged before the body";
  EXPECT_EQ(phone("bogus", ""), 40001);
  EXPECT_EQ(phone(token, ""), 47001);
  EXPECT_EQ(phone(token, "nosuchcode"), 40029);
  EXPECT_EQ(phone(token2, code), 40013) << "minted for wxmini, asked with a wxmini2 token";
  EXPECT_EQ(mini().phone_number(token2, code).error().text, "invalid appid");
  EXPECT_EQ(phone(token, code), 0) << "no failed check consumed the code";
  EXPECT_EQ(phone(token, code), 40029) << "used";
  EXPECT_EQ(phone(token2, code), 40029) << "used is judged before the appid";

  const std::string stale = phone_code();
  const std::string short_lived = phone_code("wxmini", "alice", 5);
  now_ += 5;
  EXPECT_EQ(phone(token, short_lived), 40029);
  now_ += 295;
  EXPECT_EQ(phone(token, stale), 40029) << "five minutes by default";

  ASSERT_EQ(state_.server_tokens().expire_all("wxmini").value(), 1);
  EXPECT_EQ(phone(token, ""), 42001) << "an expired token is judged before the body";
}

TEST_F(IdpSimPhone, PhoneInfoCarriesTheNumberAndTheWatermark) {
  const auto minted = mini().mint_phone_code("wxmini", "alice", {}, false).value();
  EXPECT_TRUE(std::regex_match(minted.code, std::regex("[0-9a-f]{64}")));
  now_ += 100;
  const auto info = mini().phone_number(server_token(), minted.code);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->phone_number, "15907132852") << "no area code for China";
  EXPECT_EQ(info->pure_phone_number, "15907132852");
  EXPECT_EQ(info->country_code, "86");
  EXPECT_FALSE(info->country_code_as_string);
  EXPECT_EQ(info->timestamp, kT0) << "when the user granted it, not when it was exchanged";
  EXPECT_EQ(info->appid, "wxmini");

  const auto bob = mini().mint_phone_code("wxmini", "bob", {}, true).value();
  EXPECT_EQ(bob.info.phone_number, "+1 2025550123");
  const auto bob_info = mini().phone_number(server_token(), bob.code);
  ASSERT_TRUE(bob_info);
  EXPECT_EQ(bob_info->phone_number, "+1 2025550123");
  EXPECT_EQ(bob_info->pure_phone_number, "2025550123");
  EXPECT_EQ(bob_info->country_code, "1");
  EXPECT_TRUE(bob_info->country_code_as_string);
}

TEST(IdpSimMiniBodies, PhoneCodeIsReadFromAJsonObjectOnly) {
  EXPECT_EQ(phone_code_from_body(R"({"code":"abc","openid":"o1"})"), "abc");
  EXPECT_EQ(phone_code_from_body(R"({"code":""})"), "");
  EXPECT_EQ(phone_code_from_body(R"({"code":123})"), "");
  EXPECT_EQ(phone_code_from_body(R"({})"), "");
  EXPECT_EQ(phone_code_from_body(R"(["code"])"), "");
  EXPECT_EQ(phone_code_from_body("code=abc"), "");
  EXPECT_EQ(phone_code_from_body(""), "");
}

}  // namespace
}  // namespace idp_sim
