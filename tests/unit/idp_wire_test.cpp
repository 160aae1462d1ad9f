// idp/wechat_wire: reading WeChat's JSON answers and building its query strings.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "idp/wechat_wire.hpp"

namespace ciamd {
namespace {

ClientResponse answer(int status, std::string body) {
  ClientResponse r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

boost::json::object object(std::string_view json) {
  return boost::json::parse(json).as_object();
}

TEST(WechatWire, ParsesAJsonObjectAnsweredWith200) {
  Result<boost::json::object> r =
      parse_wechat_body(answer(200, R"({"openid":"o1","unionid":"u1"})"), "sns/userinfo");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("openid").as_string(), "o1");
  // An error answer is still a parsed body: errcode decides, not the parser.
  EXPECT_TRUE(parse_wechat_body(answer(200, R"({"errcode":40029,"errmsg":"invalid code"})"), "x"));
}

TEST(WechatWire, NonSuccessStatusIsSystemBusy) {
  for (int status : {201, 204, 301, 400, 404, 429, 500, 502, 503}) {
    Result<boost::json::object> r = parse_wechat_body(answer(status, R"({"openid":"o1"})"), "x");
    ASSERT_FALSE(r) << status;
    EXPECT_EQ(r.error().code, ErrorCode::kSystemBusy) << status;
    EXPECT_EQ(error_info(r.error().code).code, "IDAAS.SDK.COM.0002");
  }
}

TEST(WechatWire, NonJsonOrNonObjectBodyIsSystemBusy) {
  for (const char* body :
       {"", "<html>busy</html>", "{", R"({"a":1} x)", "[]", R"("text")", "42", "null"}) {
    Result<boost::json::object> r = parse_wechat_body(answer(200, body), "x");
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().code, ErrorCode::kSystemBusy) << body;
  }
}

TEST(WechatWire, ErrcodeAbsentIsZeroNumericIsItselfAnythingElseIsMinusOne) {
  EXPECT_EQ(wechat_errcode(object(R"({"openid":"o"})")), 0);
  EXPECT_EQ(wechat_errcode(object(R"({"errcode":0,"errmsg":"ok"})")), 0);
  EXPECT_EQ(wechat_errcode(object(R"({"errcode":40029})")), 40029);
  EXPECT_EQ(wechat_errcode(object(R"({"errcode":-1})")), -1);
  EXPECT_EQ(wechat_errcode(object(R"({"errcode":9223372036854775807})")), 9223372036854775807LL);
  for (const char* odd : {R"({"errcode":"40029"})", R"({"errcode":"0"})", R"({"errcode":null})",
                          R"({"errcode":true})", R"({"errcode":[0]})", R"({"errcode":{}})"}) {
    EXPECT_EQ(wechat_errcode(object(odd)), -1) << odd;
  }
}

TEST(WechatWire, StringMember) {
  const auto body = object(R"({"s":"v","n":1,"z":null,"e":""})");
  EXPECT_EQ(string_member(body, "s"), "v");
  EXPECT_EQ(string_member(body, "n"), "");
  EXPECT_EQ(string_member(body, "z"), "");
  EXPECT_EQ(string_member(body, "e"), "");
  EXPECT_EQ(string_member(body, "absent"), "");
}

TEST(WechatWire, QueryParamPercentEncodesTheValue) {
  EXPECT_EQ(query_param("appid", "wx1234abcd"), "appid=wx1234abcd");
  EXPECT_EQ(query_param("code", "A-Z_a.z~0"), "code=A-Z_a.z~0");
  EXPECT_EQ(query_param("secret", "a b+c&d=e/f?g#h%i"), "secret=a%20b%2Bc%26d%3De%2Ff%3Fg%23h%25i");
  EXPECT_EQ(query_param("name", "微信"), "name=%E5%BE%AE%E4%BF%A1");
  EXPECT_EQ(query_param("empty", ""), "empty=");
}

}  // namespace
}  // namespace ciamd
