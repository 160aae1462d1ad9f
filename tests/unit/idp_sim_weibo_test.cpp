// idp-sim's Weibo endpoints (docs/providers.md#weibo): the socket-free rules of get_token_info and
// users/show.json (check order, expiry on the sim clock, revocation, reset), then the real router
// on a loopback port for what only the wire shows: HTTP 400 error bodies with "request", the form
// body versus the query, string_fields, a GET on get_token_info and Weibo-shaped faults.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
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

constexpr std::int64_t kT0 = 1'700'000'000;

class IdpSimWeibo : public ::testing::Test {
 protected:
  IdpSimWeibo() : state_(SimOptions{600, [this] { return now_.load(); }, 300}) {
    EXPECT_TRUE(weibo().add_app("1352222456", "wbsecret", {}));
    EXPECT_TRUE(weibo().add_user(NewWeiboUser{"1073880650", "Alice", "f", std::nullopt}));
  }
  WeiboState& weibo() { return state_.weibo(); }
  std::string token(std::optional<std::int64_t> ttl = {}, bool revoked = false) {
    return weibo().mint_token("1352222456", "1073880650", ttl, revoked).value().access_token;
  }
  int info_code(const std::string& t) {
    const auto r = weibo().token_info(t);
    return r ? 0 : r.error().error_code;
  }
  int show_code(const std::string& t, const std::string& uid) {
    const auto r = weibo().show_user(t, uid);
    return r ? 0 : r.error().error_code;
  }

  std::atomic<std::int64_t> now_{kT0};
  SimState state_;
};

TEST(IdpSimWeiboIds, IdsAndTimes) {
  EXPECT_TRUE(is_weibo_id("1404376560"));
  for (const char* bad : {"", "0123", "12a", "-1", "1234567890123456789"}) {
    EXPECT_FALSE(is_weibo_id(bad)) << bad;
  }
  EXPECT_EQ(weibo_time(1'700'000'000), "Wed Nov 15 06:13:20 +0800 2023");
  EXPECT_EQ(weibo_time(0), "Thu Jan 01 08:00:00 +0800 1970");
}

TEST_F(IdpSimWeibo, TokenInfoChecksAndExpiry) {
  const std::string t = token(100);
  EXPECT_EQ(info_code(""), 21323);
  EXPECT_EQ(weibo().token_info("").error().error, "invalid_request");
  EXPECT_EQ(info_code("2.00nosuchtoken"), 21332);
  const auto info = weibo().token_info(t).value();
  EXPECT_EQ(info.uid, "1073880650");
  EXPECT_EQ(info.app_key, "1352222456");
  EXPECT_EQ(info.create_at, kT0);
  EXPECT_EQ(info.expire_in, 100);
  EXPECT_FALSE(info.string_fields);
  now_ += 99;
  EXPECT_EQ(weibo().token_info(t).value().expire_in, 1);
  now_ += 1;
  EXPECT_EQ(info_code(t), 21327);
  EXPECT_EQ(weibo().token_info(t).error().error, "expired_token");
  EXPECT_EQ(weibo().token_info(token()).value().expire_in, kWeiboTokenTtl);
}

TEST_F(IdpSimWeibo, RevokedTokensAreInvalid) {
  const std::string t = token();
  EXPECT_EQ(info_code(token({}, true)), 21332);
  ASSERT_TRUE(weibo().revoke_token(t));
  EXPECT_EQ(info_code(t), 21332);
  EXPECT_EQ(show_code(t, "1073880650"), 21332);
  EXPECT_EQ(weibo().revoke_token("2.00nosuch").error().status, 404);
}

TEST_F(IdpSimWeibo, ShowUserChecksInOrder) {
  ASSERT_TRUE(weibo().add_user(NewWeiboUser{"5000000001", std::nullopt, std::nullopt, "上海"}));
  const std::string t = token(10);
  EXPECT_EQ(show_code("", ""), 10006);
  EXPECT_EQ(weibo().show_user("", "1").error().error, "source paramter (appkey) is missing");
  EXPECT_EQ(show_code("2.00nosuch", ""), 21332) << "the token before the uid";
  EXPECT_EQ(show_code(t, ""), 10016);
  EXPECT_EQ(show_code(t, "999"), 20003);
  EXPECT_EQ(weibo().show_user(t, "999").error().error, "User does not exists!");
  EXPECT_EQ(weibo().show_user(t, "1073880650").value().screen_name, "Alice");
  const auto other = weibo().show_user(t, "5000000001").value();
  EXPECT_EQ(other.screen_name, "用户5000000001") << "another user's public profile";
  EXPECT_EQ(other.location, "上海");
  EXPECT_EQ(other.gender, "m");
  now_ += 10;
  EXPECT_EQ(show_code(t, "1073880650"), 21327);
}

TEST_F(IdpSimWeibo, ControlRulesAndReset) {
  EXPECT_EQ(weibo().add_app("abc", "s", {}).error().status, 400);
  EXPECT_EQ(weibo().add_user(NewWeiboUser{"1073880650", {}, {}, {}}).error().status, 400);
  EXPECT_EQ(weibo().add_user(NewWeiboUser{{}, {}, "x", {}}).error().status, 400);
  const auto generated = weibo().add_user(NewWeiboUser{}).value();
  EXPECT_EQ(generated.uid.size(), 10u);
  EXPECT_TRUE(is_weibo_id(generated.uid));
  EXPECT_EQ(weibo().mint_token("42", "1073880650", {}, false).error().status, 404);
  EXPECT_EQ(weibo().mint_token("1352222456", "42", {}, false).error().status, 404);
  const std::string t = token();
  state_.reset();
  EXPECT_EQ(info_code(t), 21332);
  EXPECT_EQ(weibo().mint_token("1352222456", "1073880650", {}, false).error().status, 404);
  ASSERT_TRUE(weibo().add_user(NewWeiboUser{"1073880650", {}, {}, {}}));
  EXPECT_TRUE(weibo().mint_token("1352222456", "1073880650", {}, false)) << "the app is kept";
}

// The real router behind HttpServer; the loop runs on a background thread owned by the base, so
// the server and client are destroyed while it still runs.
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

class IdpSimWeiboWire : public LoopThread {
 protected:
  IdpSimWeiboWire()
      : server_(runtime_, make_server_options("127.0.0.1", 0), make_router(state_)),
        client_(runtime_, ciamd::ClientOptions{}) {
    server_.start();
    EXPECT_EQ(send("POST", "/_sim/weibo/apps", R"({"app_key":"1352222456","secret":"s"})").status,
              200);
    EXPECT_EQ(
        send("POST", "/_sim/weibo/users", R"({"uid":1073880650,"screen_name":"Alice"})").status,
        200);
    token_ = str(body_of(send("POST", "/_sim/weibo/tokens",
                              R"({"app_key":"1352222456","uid":"1073880650"})")),
                 "access_token");
  }
  ~IdpSimWeiboWire() override { server_.stop(); }

  ciamd::ClientResponse send(const std::string& method, const std::string& target,
                             const std::string& body = "",
                             const std::string& type = "application/json") {
    ciamd::ClientRequest request{
        method, "http://127.0.0.1:" + std::to_string(server_.port()) + target, {}, body};
    if (method == "POST") request.headers.set("Content-Type", type);
    return boost::asio::co_spawn(runtime_.io(), client_.send(std::move(request)),
                                 boost::asio::use_future)
        .get();
  }
  ciamd::ClientResponse token_info(const std::string& form) {
    return send("POST", "/oauth2/get_token_info", form, "application/x-www-form-urlencoded");
  }
  static json::object body_of(const ciamd::ClientResponse& response) {
    return json::parse(response.body).as_object();
  }
  static std::string str(const json::object& obj, const char* key) {
    return std::string(obj.at(key).as_string());
  }
  // A Weibo error: HTTP 400 and {"error","error_code","request"}; returns error_code.
  static std::int64_t weibo_error(const ciamd::ClientResponse& response, const char* path) {
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.headers.get("Content-Type"), "application/json;charset=UTF-8");
    const auto body = body_of(response);
    EXPECT_EQ(body.size(), 3u) << response.body;
    EXPECT_EQ(str(body, "request"), path);
    EXPECT_TRUE(body.at("error").is_string());
    return body.at("error_code").as_int64();
  }

  SimState state_;
  ciamd::HttpServer server_;
  ciamd::HttpClient client_;
  std::string token_;
};

TEST_F(IdpSimWeiboWire, TokenInfoOnTheWire) {
  const auto ok = token_info("access_token=" + token_);
  ASSERT_EQ(ok.status, 200);
  const auto info = body_of(ok);
  EXPECT_EQ(info.at("uid").as_int64(), 1073880650);
  EXPECT_EQ(info.at("appkey").as_int64(), 1352222456);
  EXPECT_TRUE(info.at("scope").is_null());
  EXPECT_TRUE(info.at("create_at").is_int64());
  EXPECT_EQ(info.at("expire_in").as_int64(), kWeiboTokenTtl);
  const auto by_query = send("POST", "/oauth2/get_token_info?access_token=" + token_);
  EXPECT_EQ(by_query.status, 200) << "the query works too";
  const char* path = "/oauth2/get_token_info";
  EXPECT_EQ(weibo_error(send("POST", path, "access_token=" + token_), path), 21323)
      << "a JSON-typed body is not read as parameters";
  EXPECT_EQ(weibo_error(token_info(""), path), 21323);
  EXPECT_EQ(weibo_error(token_info("access_token=2.00nosuch"), path), 21332);
  EXPECT_EQ(weibo_error(send("GET", "/oauth2/get_token_info?access_token=" + token_), path), 21323);

  ASSERT_EQ(send("POST", "/_sim/weibo/apps",
                 R"({"app_key":"1352222456","secret":"s","string_fields":true})")
                .status,
            200);
  const auto strings = body_of(token_info("access_token=" + token_));
  EXPECT_EQ(str(strings, "uid"), "1073880650");
  EXPECT_EQ(str(strings, "appkey"), "1352222456");
  EXPECT_TRUE(strings.at("create_at").is_string());
  EXPECT_TRUE(strings.at("expire_in").is_string());

  ASSERT_EQ(send("POST", "/_sim/clock", R"({"advance":157679999})").status, 200);
  EXPECT_EQ(weibo_error(token_info("access_token=" + token_), path), 21327);
}

TEST_F(IdpSimWeiboWire, UsersShowOnTheWire) {
  const auto ok = send("GET", "/2/users/show.json?access_token=" + token_ + "&uid=1073880650");
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body.find("\\/"), std::string::npos) << "Weibo does not escape slashes";
  const auto user = body_of(ok);
  EXPECT_EQ(user.at("id").as_int64(), 1073880650);
  EXPECT_EQ(str(user, "idstr"), "1073880650");
  EXPECT_EQ(str(user, "screen_name"), "Alice");
  EXPECT_EQ(str(user, "gender"), "m");
  EXPECT_TRUE(user.at("followers_count").is_int64());
  EXPECT_TRUE(user.at("verified").is_bool());
  EXPECT_TRUE(str(user, "avatar_large").starts_with("https://"));
  const char* path = "/2/users/show.json";
  EXPECT_EQ(weibo_error(send("GET", "/2/users/show.json?uid=1073880650"), path), 10006);
  EXPECT_EQ(weibo_error(send("GET", "/2/users/show.json?access_token=" + token_), path), 10016);
  EXPECT_EQ(weibo_error(send("GET", "/2/users/show.json?uid=7&access_token=" + token_), path),
            20003);
  ASSERT_EQ(
      send("POST", "/_sim/weibo/tokens/revoke", R"({"access_token":")" + token_ + "\"}").status,
      200);
  EXPECT_EQ(weibo_error(send("GET", "/2/users/show.json?uid=1&access_token=" + token_), path),
            21332);
}

TEST_F(IdpSimWeiboWire, FaultsUseTheWeiboShapeAndAreCounted) {
  ASSERT_EQ(send("POST", "/_sim/faults", R"({"path":"/2/users/show.json","errcode":10023})").status,
            200);
  const auto faulted = send("GET", "/2/users/show.json?uid=1073880650&access_token=" + token_);
  EXPECT_EQ(weibo_error(faulted, "/2/users/show.json"), 10023);
  EXPECT_EQ(str(body_of(faulted), "error"), "User requests out of rate limit!");
  ASSERT_EQ(send("POST", "/_sim/faults",
                 R"({"path":"/oauth2/get_token_info","errcode":21327,"errmsg":"boom"})")
                .status,
            200);
  const auto named = token_info("access_token=" + token_);
  EXPECT_EQ(weibo_error(named, "/oauth2/get_token_info"), 21327);
  EXPECT_EQ(str(body_of(named), "error"), "boom");
  const auto calls = body_of(send("GET", "/_sim/stats")).at("calls").as_object();
  EXPECT_EQ(calls.at("/2/users/show.json").as_int64(), 1);
  EXPECT_EQ(calls.at("/oauth2/get_token_info").as_int64(), 1);
  EXPECT_EQ(send("POST", "/_sim/weibo/tokens", R"({"app_key":"1","uid":"1073880650"})").status,
            404);
  EXPECT_EQ(send("POST", "/_sim/weibo/users", R"({"uid":"01"})").status, 400);
}

}  // namespace
}  // namespace idp_sim
