// idp/weibo: WeiboConnector against a loopback stand-in for api.weibo.com that insists on what
// Weibo insists on (get_token_info: POST, form body; users/show: GET, token and uid in the query)
// and answers with scripted bodies.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/parse.hpp>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "idp/weibo.hpp"
#include "net/client.hpp"
#include "net/server.hpp"
#include "unit/net_test_support.hpp"

namespace ciamd {
namespace {

namespace asio = boost::asio;

constexpr std::string_view kToken = "2.00tok+en/with&odd=chars";
constexpr std::string_view kAppKey = "1352222456";
constexpr std::string_view kUid = "1073880650";

HttpResponse weibo_error_body(int status, int code, std::string_view error) {
  return HttpResponse::json(status, R"({"error":")" + std::string(error) + R"(","error_code":)" +
                                        std::to_string(code) +
                                        R"(,"request":"/oauth2/get_token_info"})");
}

Task<HttpResponse> ready(HttpResponse response) {
  co_return response;
}

template <class T>
Task<std::optional<T>> wrap(Task<T> task) {
  co_return co_await std::move(task);
}

// The stand-in for Weibo. get_token_info answers `token_info` for kToken; users/show answers
// `show` when scripted, else a profile for the uid it was asked about.
class WeiboUpstream {
 public:
  std::mutex mutex;  // guards everything below
  HttpResponse token_info = HttpResponse::json(
      200, R"({"uid":1073880650,"appkey":1352222456,"scope":null,"create_at":1352267591,)"
           R"("expire_in":157679471})");
  std::optional<HttpResponse> show;
  std::vector<std::string> shown_uids;  // uid parameters users/show was called with
  int token_info_calls = 0;
  std::string token_info_query;  // should stay empty: the token belongs in the body

  Router router() {
    Router router;
    router.add("POST", "/oauth2/get_token_info",
               [this](const HttpRequest& request) { return ready(answer_token_info(request)); });
    router.add("GET", "/2/users/show.json",
               [this](const HttpRequest& request) { return ready(answer_show(request)); });
    router.on_miss([](const HttpRequest&, RouteMiss) {
      return HttpResponse::json(
          405, R"({"error":"HTTP METHOD is not suported","error_code":10021,"request":"?"})");
    });
    return router;
  }

 private:
  HttpResponse answer_token_info(const HttpRequest& request) {
    const std::lock_guard lock(mutex);
    ++token_info_calls;
    token_info_query = request.query;
    if (request.headers.get("Content-Type") != "application/x-www-form-urlencoded") {
      return weibo_error_body(400, 10008, "param error");
    }
    if (form_value(request.body, "access_token") != kToken) {
      return weibo_error_body(400, 21332, "invalid_access_token");
    }
    return token_info;
  }

  HttpResponse answer_show(const HttpRequest& request) {
    const std::lock_guard lock(mutex);
    const std::string uid = form_value(request.query, "uid");
    shown_uids.push_back(uid);
    if (form_value(request.query, "access_token") != kToken) {
      return weibo_error_body(403, 21332, "invalid_access_token");
    }
    if (show) return *show;
    return HttpResponse::json(200, R"({"id":)" + uid + R"(,"idstr":")" + uid +
                                       R"(","screen_name":"name-)" + uid + R"(","gender":"f"})");
  }
};

ServerOptions upstream_options() {
  ServerOptions options;
  options.render_limit_error = [](LimitError, std::string_view) {
    return HttpResponse::json(400, "{}");
  };
  options.render_internal_error = [](std::string_view) { return HttpResponse::json(500, "{}"); };
  return options;
}

class WeiboTest : public testing::LiveRuntime {
 protected:
  WeiboTest()
      : server_(runtime_, upstream_options(), upstream_.router()),
        client_(runtime_, ClientOptions{}),
        weibo_(client_, "http://127.0.0.1:" + std::to_string(server_.port())) {
    server_.start();
  }

  void answer_token_info(int status, std::string body) {
    const std::lock_guard lock(upstream_.mutex);
    upstream_.token_info = HttpResponse::json(status, std::move(body));
  }
  void answer_show(int status, std::string body) {
    const std::lock_guard lock(upstream_.mutex);
    upstream_.show = HttpResponse::json(status, std::move(body));
  }
  // Wrapped in an optional because use_future needs a default-constructible value. The app key
  // is a member because verify holds on to the reference until it finishes.
  Result<ExternalIdentity> verify(WeiboConnector& weibo, std::string_view uid,
                                  const std::string& app_key) {
    return std::move(*await(wrap(weibo.verify(app_key, std::string(kToken), std::string(uid)))));
  }
  Result<ExternalIdentity> verify(WeiboConnector& weibo, std::string_view uid = kUid) {
    return verify(weibo, uid, app_key_);
  }
  Result<ExternalIdentity> verify(std::string_view uid = kUid) { return verify(weibo_, uid); }

  // The login fails with `code`, and the log detail keeps the token out.
  void expect_refused(ErrorCode code, const std::string& context) {
    const Result<ExternalIdentity> who = verify();
    ASSERT_FALSE(who) << context;
    EXPECT_EQ(who.error().code, code) << context << ": " << who.error().detail;
    EXPECT_EQ(who.error().detail.find(kToken), std::string::npos) << who.error().detail;
    EXPECT_EQ(who.error().detail.find("2.00tok"), std::string::npos) << who.error().detail;
  }

  const std::string app_key_{kAppKey};
  const std::string no_app_key_;
  WeiboUpstream upstream_;
  HttpServer server_;
  HttpClient client_;
  WeiboConnector weibo_;
};

void expect_success_identity(const Result<ExternalIdentity>& who) {
  ASSERT_TRUE(who) << who.error().detail;
  EXPECT_EQ(who->provider, "weibo");
  EXPECT_EQ(who->provider_app_id, kAppKey);
  EXPECT_EQ(who->subject, kUid);
  EXPECT_EQ(who->unionid, "");
  EXPECT_EQ(who->login_method, "");
}

TEST_F(WeiboTest, NumericTokenInfoGivesTheIdentityAndProfile) {
  const Result<ExternalIdentity> who = verify();
  expect_success_identity(who);
  EXPECT_EQ(who->display_name, "name-1073880650");
  const auto profile = boost::json::parse(who->profile_json);
  ASSERT_TRUE(profile.is_object());
  EXPECT_EQ(profile.at("idstr"), "1073880650");
  EXPECT_EQ(profile.at("gender"), "f");

  const std::lock_guard lock(upstream_.mutex);
  EXPECT_EQ(upstream_.token_info_calls, 1);
  EXPECT_EQ(upstream_.token_info_query, "");
  EXPECT_EQ(upstream_.shown_uids, std::vector<std::string>{std::string(kUid)});
}

TEST_F(WeiboTest, StringTokenInfoIsTheSame) {
  answer_token_info(200, R"({"uid":"1073880650","appkey":"1352222456","scope":"",)"
                         R"("create_at":"1352267591","expire_in":"157679471"})");
  const Result<ExternalIdentity> who = verify();
  expect_success_identity(who);
  EXPECT_EQ(who->display_name, "name-1073880650");
}

TEST_F(WeiboTest, TheOlderExpiresInSpellingIsRead) {
  answer_token_info(200, R"({"uid":1073880650,"appkey":1352222456,"expires_in":60})");
  expect_success_identity(verify());
}

TEST_F(WeiboTest, ATokenOfAnotherAppKeyIsAMismatch) {
  answer_token_info(200, R"({"uid":1073880650,"appkey":999,"expire_in":100})");
  expect_refused(ErrorCode::kWeiboTokenMismatch, "appkey 999");
  answer_token_info(200, R"({"uid":1073880650,"appkey":"13522224560","expire_in":100})");
  expect_refused(ErrorCode::kWeiboTokenMismatch, "appkey with a digit more");
  const std::lock_guard lock(upstream_.mutex);
  EXPECT_TRUE(upstream_.shown_uids.empty());  // nothing is read for a refused token
}

TEST_F(WeiboTest, ATokenOfAnotherUidIsAMismatch) {
  answer_token_info(200, R"({"uid":5555,"appkey":1352222456,"expire_in":100})");
  expect_refused(ErrorCode::kWeiboTokenMismatch, "uid 5555");
  answer_token_info(200, R"({"uid":"1073880651","appkey":"1352222456","expire_in":"100"})");
  expect_refused(ErrorCode::kWeiboTokenMismatch, "uid off by one");
}

TEST_F(WeiboTest, AClaimedUidOtherThanTheTokensIsAMismatch) {
  const Result<ExternalIdentity> who = verify("1073880651");
  ASSERT_FALSE(who);
  EXPECT_EQ(who.error().code, ErrorCode::kWeiboTokenMismatch);
}

TEST_F(WeiboTest, AnExpiredTokenIsAMismatch) {
  answer_token_info(200, R"({"uid":1073880650,"appkey":1352222456,"expire_in":0})");
  expect_refused(ErrorCode::kWeiboTokenMismatch, "expire_in 0");
  answer_token_info(200, R"({"uid":1073880650,"appkey":1352222456,"expire_in":"0"})");
  expect_refused(ErrorCode::kWeiboTokenMismatch, "expire_in \"0\"");
  answer_token_info(200, R"({"uid":1073880650,"appkey":1352222456,"expire_in":-3})");
  expect_refused(ErrorCode::kWeiboTokenMismatch, "expire_in -3");
}

TEST_F(WeiboTest, UnusableTokenInfoIsSystemBusy) {
  for (const char* body :
       {R"({"appkey":1352222456,"expire_in":100})", R"({"uid":1073880650,"expire_in":100})",
        R"({"uid":1073880650,"appkey":1352222456})",
        R"({"uid":1.07e9,"appkey":1352222456,"expire_in":100})",
        R"({"uid":"10738x0650","appkey":1352222456,"expire_in":100})",
        R"({"uid":null,"appkey":1352222456,"expire_in":100})", "[]"}) {
    answer_token_info(200, body);
    expect_refused(ErrorCode::kSystemBusy, body);
  }
}

// A uid no Weibo account has (one with a leading zero, which would make a second identity of
// the same number, or kilobytes of digits) is Weibo failing, whatever the client claimed: checked
// before it is compared with the claim, so the client's claim cannot turn it into a mismatch.
TEST_F(WeiboTest, AnUnusableUidIsSystemBusyEvenWhenClaimed) {
  const std::string huge(60000, '7');
  for (const std::string& uid : {std::string("01073880650"), huge, std::string(21, '9')}) {
    answer_token_info(200, R"({"uid":")" + uid + R"(","appkey":1352222456,"expire_in":100})");
    const Result<ExternalIdentity> who = verify(uid);
    ASSERT_FALSE(who) << uid.size();
    EXPECT_EQ(who.error().code, ErrorCode::kSystemBusy) << who.error().detail;
    EXPECT_NE(who.error().detail.find("unusable uid"), std::string::npos) << who.error().detail;
    EXPECT_LT(who.error().detail.size(), 200U);
  }
  const std::lock_guard lock(upstream_.mutex);
  EXPECT_TRUE(upstream_.shown_uids.empty());
}

TEST_F(WeiboTest, TokenErrorsAreTokenInvalidWithAnyStatus) {
  for (const int status : {400, 403, 200}) {
    for (const int code : {21327, 21332, 21301, 21314, 21319}) {
      // Free text that echoes the token must not reach the detail either.
      answer_token_info(status, R"({"error":"invalid accessToken )" + std::string(kToken) +
                                    R"(","error_code":)" + std::to_string(code) +
                                    R"(,"request":"/oauth2/get_token_info"})");
      expect_refused(ErrorCode::kWeiboTokenInvalid,
                     std::to_string(status) + "/" + std::to_string(code));
    }
  }
}

TEST_F(WeiboTest, ErrorCodesAsStringsAreRead) {
  answer_token_info(400, R"({"error":"expired_token","error_code":"21327","request":"/x"})");
  expect_refused(ErrorCode::kWeiboTokenInvalid, "\"21327\"");
  answer_token_info(200, R"({"error":"system busy","error_code":"10009","request":"/x"})");
  expect_refused(ErrorCode::kSystemBusy, "\"10009\"");
  answer_token_info(400, R"({"error":"?","error_code":"abc","request":"/x"})");
  expect_refused(ErrorCode::kSystemBusy, "\"abc\"");
}

TEST_F(WeiboTest, OtherErrorsAreSystemBusy) {
  for (const int status : {400, 200, 403}) {
    for (const int code : {10006, 10001, 10002, 10004, 10012, 10014, 21325, 20502}) {
      answer_token_info(status, R"({"error":"x","error_code":)" + std::to_string(code) +
                                    R"(,"request":"/oauth2/get_token_info"})");
      expect_refused(ErrorCode::kSystemBusy, std::to_string(status) + "/" + std::to_string(code));
    }
  }
}

TEST_F(WeiboTest, HttpErrorsWithoutTheErrorShapeAndJunkAreSystemBusy) {
  answer_token_info(500, "<html><body>502 Bad Gateway</body></html>");
  expect_refused(ErrorCode::kSystemBusy, "500 html");
  // A success-looking body behind an error status is not believed.
  answer_token_info(500, R"({"uid":1073880650,"appkey":1352222456,"expire_in":100})");
  expect_refused(ErrorCode::kSystemBusy, "500 with a token body");
  answer_token_info(200, "not json at all");
  expect_refused(ErrorCode::kSystemBusy, "200 junk");
  answer_token_info(200, "");
  expect_refused(ErrorCode::kSystemBusy, "200 empty");
}

TEST_F(WeiboTest, UnreachableIsSystemBusy) {
  std::uint16_t closed_port = 0;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    closed_port = probe.local_endpoint().port();
  }  // nothing listens there any more
  WeiboConnector nowhere(client_, "http://127.0.0.1:" + std::to_string(closed_port));
  const Result<ExternalIdentity> who = verify(nowhere);
  ASSERT_FALSE(who);
  EXPECT_EQ(who.error().code, ErrorCode::kSystemBusy);
  EXPECT_EQ(who.error().detail.find("2.00tok"), std::string::npos) << who.error().detail;
}

TEST_F(WeiboTest, AFailingProfileStillLogsIn) {
  for (const auto& [status, body] : std::vector<std::pair<int, std::string>>{
           {403, R"({"error":"invalid_access_token","error_code":21332,"request":"/2/u"})"},
           {200, R"({"error":"IP limit","error_code":10004,"request":"/2/users/show.json"})"},
           {500, "<html>oops</html>"},
           {200, "junk"}}) {
    answer_show(status, body);
    const Result<ExternalIdentity> who = verify();
    expect_success_identity(who);
    EXPECT_EQ(who->display_name, "") << body;
    EXPECT_EQ(who->profile_json, "{}") << body;
  }
}

TEST_F(WeiboTest, AProfileOfAnotherUidIsIgnored) {
  answer_show(200, R"({"id":42,"idstr":"42","screen_name":"someone else"})");
  const Result<ExternalIdentity> who = verify();
  expect_success_identity(who);
  EXPECT_EQ(who->display_name, "");
  EXPECT_EQ(who->profile_json, "{}");
}

TEST_F(WeiboTest, TheProfileIsAskedForTheUidGetTokenInfoConfirmed) {
  // Numeric in get_token_info, a string in the claim: users/show gets the decimal form.
  answer_token_info(200, R"({"uid":7,"appkey":1352222456,"expire_in":5})");
  const Result<ExternalIdentity> who = verify("7");
  ASSERT_TRUE(who) << who.error().detail;
  EXPECT_EQ(who->subject, "7");
  EXPECT_EQ(who->display_name, "name-7");
  const std::lock_guard lock(upstream_.mutex);
  EXPECT_EQ(upstream_.shown_uids, std::vector<std::string>{"7"});
}

TEST_F(WeiboTest, WithoutAnAppKeyNothingIsAsked) {
  const Result<ExternalIdentity> who = verify(weibo_, kUid, no_app_key_);
  ASSERT_FALSE(who);
  EXPECT_EQ(who.error().code, ErrorCode::kSystemBusy);
  const std::lock_guard lock(upstream_.mutex);
  EXPECT_EQ(upstream_.token_info_calls, 0);
}

}  // namespace
}  // namespace ciamd
