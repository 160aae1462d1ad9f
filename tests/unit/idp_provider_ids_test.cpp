// idp/provider_ids: identifiers from providers' answers are checked for length and charset, and
// the problem is described without the value itself.
#include <gtest/gtest.h>

#include <string>

#include "idp/provider_ids.hpp"

namespace ciamd {
namespace {

TEST(ProviderIds, RealShapesPass) {
  EXPECT_FALSE(provider_id_problem(kWechatOpenid, "oLVPpjqs9BhvzwPj5A-vTYAX3GLc"));
  EXPECT_FALSE(provider_id_problem(kWechatUnionid, "o6_bmasdasdsad6_2sgVt7hMZOPfL"));
  EXPECT_FALSE(provider_id_problem(kWeiboUid, "1073880650"));
  EXPECT_FALSE(provider_id_problem(kWeiboUid, "9223372036854775807"));
  EXPECT_FALSE(provider_id_problem(kAccessToken, "2.00tok+en/with&odd=chars"));
}

TEST(ProviderIds, HostileValuesAreDescribedNotEchoed) {
  const std::string nul("oNUL\0secret-tail", 16);
  const auto a = provider_id_problem(kWechatOpenid, nul);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, "an unusable openid (16 bytes, byte 0x00 at 4; starts \"oNUL\")");

  const auto b = provider_id_problem(kWechatOpenid, "oLINE\nforged log line");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->find('\n'), std::string::npos);
  EXPECT_EQ(b->find("forged"), std::string::npos);

  const auto c = provider_id_problem(kWechatUnionid, "o" + std::string(60000, 'A'));
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, "an unusable unionid (60001 bytes, longer than 64; starts \"oAAAAAAA\")");

  EXPECT_TRUE(provider_id_problem(kWechatOpenid, ""));
  EXPECT_TRUE(provider_id_problem(kWechatOpenid, "o\xe4\xbd\xa0"));  // not ASCII
  EXPECT_TRUE(provider_id_problem(kWeiboUid, "01073880650"));
  EXPECT_TRUE(provider_id_problem(kWeiboUid, std::string(21, '1')));
  EXPECT_TRUE(provider_id_problem(kAccessToken, "tok en"));
}

TEST(ProviderIds, SecretsAreNotQuotedAtAll) {
  const auto p = provider_id_problem(kAccessToken, "SECRETTOKEN\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->find("SECRET"), std::string::npos) << *p;
  EXPECT_EQ(*p, "an unusable access_token (12 bytes, byte 0x0a at 11)");
}

}  // namespace
}  // namespace ciamd
