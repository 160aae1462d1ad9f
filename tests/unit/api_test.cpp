// api: JSON bodies, rendering of outcomes and errors, and the common checks of /api/v2/sdk.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "api/json_body.hpp"
#include "api/render.hpp"
#include "api/sdk_request.hpp"
#include "api/services.hpp"
#include "api_test_support.hpp"
#include "flows/audit.hpp"
#include "flows_test_support.hpp"
#include "net/client.hpp"

namespace ciamd {
namespace {

// --- json_body ---------------------------------------------------------------------------------

HttpRequest post(std::string content_type, std::string body) {
  HttpRequest r;
  r.method = "POST";
  r.path = "/api/v2/sdk/login/wechat";
  if (!content_type.empty()) r.headers.set("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

ErrorCode parse_error(const HttpRequest& r) {
  Result<boost::json::object> o = parse_json_object(r);
  if (o) return ErrorCode::kNotFound;  // "parsed": never a body error
  return o.error().code;
}

TEST(JsonBody, AcceptsJsonMediaTypesWithParametersAndAnyCase) {
  for (const char* type :
       {"application/json", "application/json; charset=utf-8", "Application/JSON",
        "APPLICATION/JSON;charset=UTF-8", " application/json ; charset=utf-8",
        // RFC 9110: the optional whitespace before ';' is spaces or tabs.
        "application/json\t; charset=utf-8"}) {
    Result<boost::json::object> o = parse_json_object(post(type, R"({"code":"abc"})"));
    ASSERT_TRUE(o) << type;
    EXPECT_EQ(o->at("code").as_string(), "abc") << type;
  }
}

TEST(JsonBody, RejectsOtherContentTypes) {
  for (const char* type : {"", "text/plain", "application/x-www-form-urlencoded",
                           "application/jsonp", "application/json-patch+json", "json"}) {
    EXPECT_EQ(parse_error(post(type, "{}")), ErrorCode::kContentTypeNotJson) << type;
  }
}

TEST(JsonBody, RejectsNonJsonAndNonObjects) {
  for (const char* body : {"", "code=abc", "{", R"({"code":"a"} trailing)", "{'a':1}"}) {
    EXPECT_EQ(parse_error(post("application/json", body)), ErrorCode::kBodyNotJson) << body;
  }
  for (const char* body : {"[]", R"(["code"])", R"("code")", "42", "null", "true"}) {
    EXPECT_EQ(parse_error(post("application/json", body)), ErrorCode::kBodyNotObject) << body;
  }
}

TEST(JsonBody, RequiredStringMissingOrBlankGivesTheCallersCode) {
  const auto body =
      boost::json::parse(R"({"empty":"","spaces":"   ","ws":" \t\r\n ","code":"  abc \t"})")
          .as_object();
  EXPECT_EQ(required_string(body, "absent", ErrorCode::kWechatCodeEmpty).error().code,
            ErrorCode::kWechatCodeEmpty);
  EXPECT_EQ(required_string(body, "empty", ErrorCode::kWeiboUidEmpty).error().code,
            ErrorCode::kWeiboUidEmpty);
  EXPECT_EQ(required_string(body, "spaces", ErrorCode::kWechatCodeEmpty).error().code,
            ErrorCode::kWechatCodeEmpty);
  EXPECT_EQ(required_string(body, "ws", ErrorCode::kWechatCodeEmpty).error().code,
            ErrorCode::kWechatCodeEmpty);
  Result<std::string> code = required_string(body, "code", ErrorCode::kWechatCodeEmpty);
  ASSERT_TRUE(code);
  EXPECT_EQ(code.value(), "abc");
}

TEST(JsonBody, RequiredStringOfAnotherTypeIsParam0106) {
  const auto body =
      boost::json::parse(R"({"n":null,"i":123,"d":1.5,"b":true,"a":["x"],"o":{"x":"y"}})")
          .as_object();
  for (const char* key : {"n", "i", "d", "b", "a", "o"}) {
    Result<std::string> r = required_string(body, key, ErrorCode::kWechatCodeEmpty);
    ASSERT_FALSE(r) << key;
    EXPECT_EQ(r.error().code, ErrorCode::kParamWrongType) << key;
  }
}

// --- render ------------------------------------------------------------------------------------

TEST(Render, SuccessBodyInApiOrder) {
  HttpResponse r =
      render_outcome(LoginSuccess{"S3ssionTokenS3ssionTokenS3ssion12", 432000, "h.p.s", "user-1"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(r.body, R"({"session_token":"S3ssionTokenS3ssionTokenS3ssion12","expire":432000,)"
                    R"("status":"SUCCESS","id_token":"h.p.s"})");
  EXPECT_EQ(r.body.find("user-1"), std::string::npos) << "the user id is not rendered";
}

TEST(Render, StepBodiesInApiOrder) {
  const std::string data = R"({"socialBindOrRegisterFlow":["VERIFY_PHONE","VERIFY_EMAIL"]})";
  HttpResponse reg = render_outcome(LoginStep{StepStatus::kUserRegister, "st.a.b", data, ""});
  EXPECT_EQ(reg.status, 200);
  EXPECT_EQ(reg.body,
            R"({"state_token":"st.a.b","data":"{\"socialBindOrRegisterFlow\":[\"VERIFY_PHONE\",)"
            R"(\"VERIFY_EMAIL\"]}","status":"USER_REGISTER"})");

  HttpResponse bind = render_outcome(LoginStep{
      StepStatus::kSocialBind, "st.c.d", R"({"socialBindOrRegisterFlow":["VERIFY_EMAIL"]})", ""});
  EXPECT_EQ(bind.body,
            R"({"state_token":"st.c.d","data":"{\"socialBindOrRegisterFlow\":[\"VERIFY_EMAIL\"]}",)"
            R"("status":"SOCIAL_BIND"})");

  HttpResponse mfa = render_outcome(LoginStep{StepStatus::kMfaAuth, "st.e.f", R"(["SMS"])", "u"});
  EXPECT_EQ(mfa.status, 200);
  EXPECT_EQ(mfa.body, R"({"status":"MFA_AUTH","state_token":"st.e.f","data":"[\"SMS\"]"})");
}

TEST(Render, AccessDeniedBody) {
  HttpResponse r = render_outcome(LoginDenied{"user-9"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ACCESS_DENIED","data":"Access Denied"})");
}

TEST(Render, ErrorsInBothLanguagesWithTheCatalogsStatus) {
  HttpResponse en = render_error(ApiError{ErrorCode::kUserDisabled}, Language::kEnglish, "r1");
  EXPECT_EQ(en.status, 400);
  EXPECT_EQ(en.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(en.body, R"({"error_code":"IDAAS.SDK.USER.0039","error_msg":"User is disabled"})");
  HttpResponse zh = render_error(ApiError{ErrorCode::kUserDisabled}, Language::kChinese, "r1");
  EXPECT_EQ(zh.body, R"({"error_code":"IDAAS.SDK.USER.0039","error_msg":"用户已被禁用"})");
  HttpResponse busy = render_error(ApiError{ErrorCode::kSystemBusy, "secret upstream detail"},
                                   Language::kChinese, "r2");
  EXPECT_EQ(busy.status, 500);
  EXPECT_EQ(busy.body, R"({"error_code":"IDAAS.SDK.COM.0002","error_msg":"系统繁忙,请稍后再试"})");

  for (ErrorCode code : all_error_codes()) {
    const ErrorInfo& info = error_info(code);
    for (Language lang : {Language::kEnglish, Language::kChinese}) {
      HttpResponse r = render_error(ApiError{code, "internal detail"}, lang, "r3");
      EXPECT_EQ(r.status, info.http_status) << info.code;
      const auto body = boost::json::parse(r.body).as_object();
      EXPECT_EQ(body.size(), 2u) << info.code;
      EXPECT_EQ(body.at("error_code").as_string(), info.code);
      EXPECT_EQ(body.at("error_msg").as_string(), info.message(lang));
      EXPECT_EQ(r.body.find("internal detail"), std::string::npos) << info.code;
    }
  }
}

// --- sdk_request -------------------------------------------------------------------------------

class SdkRequestTest : public testing::FlowsTest {
 protected:
  SdkRequestTest() {
    add_app(app_with("client-enabled", UnboundPolicy::kRegister));
    Application off = app_with("client-disabled", UnboundPolicy::kRegister);
    off.enabled = false;
    add_app(off);
  }

  static HttpRequest request(std::initializer_list<std::pair<const char*, const char*>> headers) {
    HttpRequest r = post("application/json", "{}");
    r.peer_address = "192.0.2.7";
    r.request_id = "req-42";
    for (const auto& [name, value] : headers) r.headers.set(name, value);
    return r;
  }

  static HttpRequest full_request(const char* client_id = "client-enabled") {
    return request({{"X-operating-sys-version", "iOS 17"},
                    {"X-device-fingerprint", "fp-9"},
                    {"X-agent", "app/1.0"},
                    {"X-client-id", client_id}});
  }

  // The result of the checks; `ErrorCode::kNotFound` stands for "passed".
  ErrorCode check(const HttpRequest& http, SdkRequest* out = nullptr) {
    SdkRequest sdk = read_sdk_headers(http);
    Result<std::shared_ptr<const Application>> r = await(check_sdk_request(api_, sdk));
    if (r) sdk.app = r.value();
    if (out != nullptr) *out = sdk;
    return r ? ErrorCode::kNotFound : r.error().code;
  }

  testing::OfflineApi offline_{*store_, pool_, runtime_, services_};
  const ApiServices& api_ = offline_.api;
};

TEST_F(SdkRequestTest, ReadsHeadersTrimmed) {
  HttpRequest http = request({{"X-operating-sys-version", " iOS 17 "},
                              {"X-device-fingerprint", "\tfp-9"},
                              {"X-agent", "app/1.0"},
                              {"X-device-ip", "10.1.2.3"},
                              {"X-client-id", " client-enabled "},
                              {"X-state-token", " st.a.b "},
                              {"X-L", "zh-CN"}});
  SdkRequest sdk = read_sdk_headers(http);
  EXPECT_EQ(sdk.lang, Language::kChinese);
  EXPECT_EQ(sdk.device.os_version, "iOS 17");
  EXPECT_EQ(sdk.device.fingerprint, "fp-9");
  EXPECT_EQ(sdk.device.agent, "app/1.0");
  EXPECT_EQ(sdk.device.reported_ip, "10.1.2.3");
  EXPECT_EQ(sdk.device.peer_address, "192.0.2.7");
  EXPECT_EQ(sdk.device.request_id, "req-42");
  EXPECT_EQ(sdk.client_id, "client-enabled");
  EXPECT_EQ(sdk.state_token, "st.a.b");
  EXPECT_EQ(read_sdk_headers(full_request()).lang, Language::kEnglish);
}

TEST_F(SdkRequestTest, PassesAndSetsTheApplication) {
  SdkRequest sdk;
  EXPECT_EQ(check(full_request(), &sdk), ErrorCode::kNotFound);
  ASSERT_TRUE(sdk.app);
  EXPECT_EQ(sdk.app->client_id, "client-enabled");
  // X-device-ip is optional.
  EXPECT_TRUE(sdk.device.reported_ip.empty());
}

TEST_F(SdkRequestTest, DeviceHeadersComeFirst) {
  // Nothing at all, and an unknown client id: the device headers are reported.
  EXPECT_EQ(check(request({})), ErrorCode::kDeviceInfoIncomplete);
  EXPECT_EQ(check(request({{"X-client-id", "no-such-client"}})), ErrorCode::kDeviceInfoIncomplete);
  for (const char* dropped : {"X-operating-sys-version", "X-device-fingerprint", "X-agent"}) {
    const HttpRequest full = full_request("no-such-client");
    HttpRequest missing = request({});
    for (const auto& [name, value] : full.headers.fields()) {
      if (name != dropped) missing.headers.set(name, value);
    }
    HttpRequest blank = full_request("no-such-client");
    blank.headers.set(dropped, " \t ");
    EXPECT_EQ(check(missing), ErrorCode::kDeviceInfoIncomplete) << dropped;
    EXPECT_EQ(check(blank), ErrorCode::kDeviceInfoIncomplete) << dropped;
  }
}

TEST_F(SdkRequestTest, ThenTheClientId) {
  HttpRequest none = request(
      {{"X-operating-sys-version", "iOS"}, {"X-device-fingerprint", "fp"}, {"X-agent", "a"}});
  EXPECT_EQ(check(none), ErrorCode::kClientIdEmpty);
  EXPECT_EQ(check(full_request("   ")), ErrorCode::kClientIdEmpty);
  EXPECT_EQ(check(full_request("")), ErrorCode::kClientIdEmpty);
}

TEST_F(SdkRequestTest, ThenTheApplication) {
  SdkRequest sdk;
  EXPECT_EQ(check(full_request("no-such-client"), &sdk), ErrorCode::kAppNotRegistered);
  EXPECT_FALSE(sdk.app);
  EXPECT_EQ(check(full_request("client-disabled"), &sdk), ErrorCode::kAppNotRegistered);
  EXPECT_FALSE(sdk.app);
}

}  // namespace
}  // namespace ciamd
