// idp-sim's mini program endpoints on the wire, in process: the router main.cpp serves, behind
// net's HttpServer on a loopback port, called with net's HttpClient. Covers what the socket-free
// tests cannot see: status, Content-Type, 43002 for GET, which successes carry errcode, countryCode
// as a JSON number or string, the control API's shapes, stats and the -1 fault.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include "exec/runtime.hpp"
#include "idp-sim/routes.hpp"
#include "idp-sim/sim_state.hpp"
#include "net/client.hpp"
#include "net/server.hpp"

namespace idp_sim {
namespace {

namespace json = boost::json;

// The event loop on a background thread. A base class, so the server and client of the fixture
// are destroyed while the loop still runs.
class LoopThread : public ::testing::Test {
 protected:
  LoopThread() : runtime_(1), loop_([this] { runtime_.run(); }) {}
  ~LoopThread() override {
    runtime_.stop();
    loop_.join();
  }
  ciamd::Runtime runtime_;

 private:
  std::jthread loop_;
};

class IdpSimWire : public LoopThread {
 protected:
  IdpSimWire()
      : server_(runtime_, make_server_options("127.0.0.1", 0), make_router(state_)),
        client_(runtime_, ciamd::ClientOptions{}) {
    server_.start();
    EXPECT_EQ(post("/_sim/wechat/apps", R"({"appid":"wxmini","secret":"msecret"})").status, 200);
    EXPECT_EQ(post("/_sim/wechat/users", R"({"user_key":"alice","phone":"15907132852"})").status,
              200);
  }
  ~IdpSimWire() override { server_.stop(); }

  ciamd::ClientResponse send(const std::string& method, const std::string& target,
                             const std::string& body = "") {
    ciamd::ClientRequest request{
        method, "http://127.0.0.1:" + std::to_string(server_.port()) + target, {}, body};
    if (method == "POST") request.headers.set("Content-Type", "application/json");
    return boost::asio::co_spawn(runtime_.io(), client_.send(std::move(request)),
                                 boost::asio::use_future)
        .get();
  }
  ciamd::ClientResponse post(const std::string& target, const std::string& body) {
    return send("POST", target, body);
  }

  // The body of a WeChat answer, after checking what every one of them shares.
  static json::object wechat_body(const ciamd::ClientResponse& response) {
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.headers.get("Content-Type"), "application/json; encoding=utf-8");
    return json::parse(response.body).as_object();
  }
  static json::object body_of(const ciamd::ClientResponse& response) {
    return json::parse(response.body).as_object();
  }
  static std::string str(const json::object& obj, const char* key) {
    return std::string(obj.at(key).as_string());
  }

  std::string stable_token() {
    return str(wechat_body(post("/cgi-bin/stable_token",
                                R"({"grant_type":"client_credential","appid":"wxmini",)"
                                R"("secret":"msecret","force_refresh":false})")),
               "access_token");
  }

  SimState state_;
  ciamd::HttpServer server_;
  ciamd::HttpClient client_;
};

TEST_F(IdpSimWire, PostOnlyPathsAnswer43002ToGet) {
  const std::regex errmsg("require POST method, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}");
  for (const char* path : {"/cgi-bin/stable_token", "/wxa/business/getuserphonenumber"}) {
    const auto body = wechat_body(send("GET", std::string(path) + "?access_token=x"));
    EXPECT_EQ(body.at("errcode").as_int64(), 43002) << path;
    EXPECT_TRUE(std::regex_match(str(body, "errmsg"), errmsg)) << str(body, "errmsg");
  }
  EXPECT_EQ(send("POST", "/sns/jscode2session").status, 405) << "only GET is routed there";
  const auto calls = body_of(send("GET", "/_sim/stats")).at("calls").as_object();
  EXPECT_EQ(calls.at("/cgi-bin/stable_token").as_int64(), 1);
  EXPECT_EQ(calls.at("/wxa/business/getuserphonenumber").as_int64(), 1);
  EXPECT_EQ(calls.at("/sns/jscode2session").as_int64(), 0);
}

TEST_F(IdpSimWire, LoginAndPhoneNumberFlow) {
  const auto minted =
      body_of(post("/_sim/wechat/miniprogram/codes", R"({"appid":"wxmini","user_key":"alice"})"));
  const auto session = wechat_body(
      send("GET", "/sns/jscode2session?appid=wxmini&secret=msecret&js_code=" + str(minted, "code") +
                      "&grant_type=authorization_code"));
  EXPECT_FALSE(session.contains("errcode")) << "a jscode2session success has no errcode";
  EXPECT_EQ(str(session, "openid"), str(minted, "openid"));
  EXPECT_EQ(str(session, "unionid"), str(minted, "unionid"));
  EXPECT_EQ(str(session, "session_key").size(), 24u);

  const auto token = wechat_body(
      post("/cgi-bin/stable_token",
           R"({"grant_type":"client_credential","appid":"wxmini","secret":"msecret"})"));
  EXPECT_FALSE(token.contains("errcode"));
  EXPECT_EQ(token.at("expires_in").as_int64(), 7200);
  const std::string access_token = str(token, "access_token");

  const auto pcode =
      body_of(post("/_sim/wechat/phone-codes", R"({"appid":"wxmini","user_key":"alice"})"));
  EXPECT_EQ(str(pcode, "phone_number"), "15907132852");
  EXPECT_EQ(str(pcode, "pure_phone_number"), "15907132852");
  EXPECT_EQ(pcode.at("country_code").as_int64(), 86);
  const std::string target = "/wxa/business/getuserphonenumber?access_token=" + access_token;
  const auto phone = wechat_body(post(target, R"({"code":")" + str(pcode, "code") + R"("})"));
  EXPECT_EQ(phone.at("errcode").as_int64(), 0);
  EXPECT_EQ(str(phone, "errmsg"), "ok") << "no rid on this success";
  const auto& info = phone.at("phone_info").as_object();
  EXPECT_EQ(str(info, "phoneNumber"), "15907132852");
  EXPECT_EQ(str(info, "purePhoneNumber"), "15907132852");
  EXPECT_TRUE(info.at("countryCode").is_int64()) << "a JSON number by default";
  EXPECT_EQ(info.at("countryCode").as_int64(), 86);
  EXPECT_EQ(str(info.at("watermark").as_object(), "appid"), "wxmini");
  EXPECT_TRUE(info.at("watermark").as_object().at("timestamp").is_int64());

  const auto as_string =
      body_of(post("/_sim/wechat/phone-codes",
                   R"({"appid":"wxmini","user_key":"alice","country_code_as":"string"})"));
  EXPECT_EQ(str(as_string, "country_code"), "86");
  const auto phone2 = wechat_body(post(target, R"({"code":")" + str(as_string, "code") + R"("})"));
  EXPECT_EQ(str(phone2.at("phone_info").as_object(), "countryCode"), "86");

  const auto bad = wechat_body(post(target, "code=x"));
  EXPECT_EQ(bad.at("errcode").as_int64(), 47001);
}

TEST_F(IdpSimWire, SystemErrorFaultStillConsumesTheLoginCode) {
  ASSERT_EQ(post("/_sim/faults", R"({"path":"/sns/jscode2session","errcode":-1})").status, 200);
  const auto minted =
      body_of(post("/_sim/wechat/miniprogram/codes", R"({"appid":"wxmini","user_key":"alice"})"));
  const std::string exchange =
      "/sns/jscode2session?appid=wxmini&secret=msecret&js_code=" + str(minted, "code") +
      "&grant_type=authorization_code";
  EXPECT_EQ(wechat_body(send("GET", exchange)).at("errcode").as_int64(), -1);
  EXPECT_EQ(wechat_body(send("GET", exchange)).at("errcode").as_int64(), 40163);
}

TEST_F(IdpSimWire, AppKnobsAndTokenExpiry) {
  const auto app =
      post("/_sim/wechat/apps",
           R"({"appid":"wxmini","secret":"msecret","token_ttl":60,"expired_token_errcode":40014})");
  EXPECT_EQ(app.status, 200);
  EXPECT_EQ(body_of(app).at("token_ttl").as_int64(), 60);
  const std::string token = stable_token();
  const auto expired = post("/_sim/wechat/tokens/expire", R"({"appid":"wxmini"})");
  EXPECT_EQ(body_of(expired).at("expired").as_int64(), 1);
  const auto phone = wechat_body(
      post("/wxa/business/getuserphonenumber?access_token=" + token, R"({"code":"x"})"));
  EXPECT_EQ(phone.at("errcode").as_int64(), 40014);

  EXPECT_EQ(post("/_sim/wechat/apps", R"({"appid":"wxmini","secret":"s","token_ttl":0})").status,
            400);
  EXPECT_EQ(
      post("/_sim/wechat/apps", R"({"appid":"wxmini","secret":"s","expired_token_errcode":40001})")
          .status,
      400);
  EXPECT_EQ(post("/_sim/wechat/tokens/expire", R"({"appid":"wxnosuch"})").status, 404);
}

TEST_F(IdpSimWire, ControlErrorsHaveTheControlShape) {
  ASSERT_EQ(post("/_sim/wechat/users", R"({"user_key":"carol","blocked":true})").status, 200);
  const auto no_phone =
      post("/_sim/wechat/phone-codes", R"({"appid":"wxmini","user_key":"carol"})");
  EXPECT_EQ(no_phone.status, 400);
  EXPECT_TRUE(body_of(no_phone).contains("error"));
  EXPECT_EQ(post("/_sim/wechat/phone-codes", R"({"appid":"wxnosuch","user_key":"alice"})").status,
            404);
  EXPECT_EQ(
      post("/_sim/wechat/miniprogram/codes", R"({"appid":"wxmini","user_key":"nobody"})").status,
      404);
  EXPECT_EQ(post("/_sim/wechat/phone-codes",
                 R"({"appid":"wxmini","user_key":"alice","country_code_as":"int"})")
                .status,
            400);
  EXPECT_EQ(post("/_sim/wechat/users", R"({"phone":"+8615907132852"})").status, 400);
}

// "count" mints a batch in one call (docs/idp-sim.md): every code in it is distinct and as
// single-use as one minted alone, and the single form keeps its "code" field.
TEST_F(IdpSimWire, CountMintsABatchOfSingleUseCodes) {
  const auto open =
      body_of(post("/_sim/wechat/codes", R"({"appid":"wxmini","user_key":"alice","count":3})"));
  EXPECT_FALSE(open.contains("code"));
  const auto& codes = open.at("codes").as_array();
  ASSERT_EQ(codes.size(), 3u);
  std::set<std::string> distinct;
  for (const auto& code : codes) {
    distinct.insert(std::string(code.as_string()));
    const std::string exchange = "/sns/oauth2/access_token?appid=wxmini&secret=msecret&code=" +
                                 std::string(code.as_string()) + "&grant_type=authorization_code";
    EXPECT_EQ(str(wechat_body(send("GET", exchange)), "openid"), str(open, "openid"));
    EXPECT_EQ(wechat_body(send("GET", exchange)).at("errcode").as_int64(), 40163);
  }
  EXPECT_EQ(distinct.size(), 3u);

  const auto mini = body_of(
      post("/_sim/wechat/miniprogram/codes", R"({"appid":"wxmini","user_key":"alice","count":2})"));
  ASSERT_EQ(mini.at("codes").as_array().size(), 2u);
  const auto session =
      wechat_body(send("GET", "/sns/jscode2session?appid=wxmini&secret=msecret&js_code=" +
                                  std::string(mini.at("codes").as_array().at(1).as_string()) +
                                  "&grant_type=authorization_code"));
  EXPECT_EQ(str(session, "openid"), str(mini, "openid"));

  const auto phone = body_of(
      post("/_sim/wechat/phone-codes", R"({"appid":"wxmini","user_key":"alice","count":2})"));
  ASSERT_EQ(phone.at("codes").as_array().size(), 2u);
  EXPECT_EQ(str(phone, "pure_phone_number"), "15907132852");
  const std::string target = "/wxa/business/getuserphonenumber?access_token=" + stable_token();
  const std::string body =
      R"({"code":")" + std::string(phone.at("codes").as_array().at(0).as_string()) + R"("})";
  EXPECT_EQ(wechat_body(post(target, body)).at("errcode").as_int64(), 0);
  EXPECT_EQ(wechat_body(post(target, body)).at("errcode").as_int64(), 40029) << "used up";

  for (const char* path :
       {"/_sim/wechat/codes", "/_sim/wechat/miniprogram/codes", "/_sim/wechat/phone-codes"}) {
    EXPECT_EQ(post(path, R"({"appid":"wxmini","user_key":"alice","count":0})").status, 400);
    EXPECT_EQ(post(path, R"({"appid":"wxmini","user_key":"alice","count":100001})").status, 400);
    EXPECT_EQ(post(path, R"({"appid":"wxmini","user_key":"nobody","count":2})").status, 404);
  }
}

}  // namespace
}  // namespace idp_sim
