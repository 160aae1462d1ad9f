// api: what the public listener refuses before any endpoint runs (header values that are not
// UTF-8, repeated singular headers), JSON bodies with duplicate keys, and JSON records that stay
// valid UTF-8 whatever the database holds (issue 16).
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>

#include "api/json_body.hpp"
#include "api/routes.hpp"
#include "net/server.hpp"
#include "render/records.hpp"
#include "unit/net_test_support.hpp"

namespace ciamd {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// --- duplicate keys in a JSON body -------------------------------------------------------------

HttpRequest json_post(std::string body) {
  HttpRequest r;
  r.method = "POST";
  r.path = "/api/v2/sdk/login/wechat";
  r.headers.set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

TEST(JsonBodyDuplicates, ADuplicateKeyAnywhereIsRefused) {
  for (const char* body : {R"({"code":"x","code":"y"})", R"({"code":"x","\u0063ode":"y"})",
                           R"({"a":1,"b":{"c":1,"c":2}})", R"({"a":[{"k":1},{"k":2,"k":3}]})",
                           R"({"code":"x","code":"x"})"}) {
    Result<boost::json::object> o = parse_json_object(json_post(body));
    ASSERT_FALSE(o) << body << " was taken";
    EXPECT_EQ(error_info(o.error().code).code, "IDAAS.SDK.PARAM.0121") << body;
    EXPECT_EQ(error_info(o.error().code).http_status, 400) << body;
  }
}

TEST(JsonBodyDuplicates, TheSameKeyInDifferentObjectsIsFine) {
  Result<boost::json::object> o =
      parse_json_object(json_post(R"({"a":{"a":1},"b":[{"a":1},{"a":2}],"c":{"a":{"a":3}}})"));
  ASSERT_TRUE(o);
  EXPECT_EQ(o->size(), 3U);
}

// --- the edge of the public listener -----------------------------------------------------------

// A server with the production error renderers and edge checks, in front of one endpoint that
// counts how often it runs.
class EdgeTest : public testing::LiveRuntime {
 protected:
  EdgeTest() : server_(runtime_, options(), router(calls_)) { server_.start(); }

  static ServerOptions options() {
    ServerOptions o;
    o.read_timeout = std::chrono::milliseconds(2000);
    install_error_renderers(o);
    return o;
  }
  static Router router(std::atomic<int>& calls) {
    Router r;
    r.add("POST", "/api/v2/sdk/login/wechat", [&calls](const HttpRequest&) -> Task<HttpResponse> {
      ++calls;
      co_return HttpResponse::json(200, "{}");
    });
    return r;
  }

  // Sends one request with `extra` header lines (each ending in CRLF) and returns every byte the
  // server sends until it closes.
  std::string exchange(const std::string& extra, const std::string& then = "") {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_.port()));
    const std::string request =
        "POST /api/v2/sdk/login/wechat HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n" + extra +
        (then.empty() ? "Connection: close\r\n" : "") + "\r\n{}" + then;
    asio::write(socket, asio::buffer(request));
    std::string data;
    boost::system::error_code ec;
    asio::read(socket, asio::dynamic_buffer(data), ec);
    return data;
  }

  static std::string body_of(const std::string& response) {
    const auto end = response.find("\r\n\r\n");
    return end == std::string::npos ? "" : response.substr(end + 4);
  }
  // A member of the response's JSON body, "" when there is none.
  static std::string member(const std::string& response, std::string_view key) {
    boost::system::error_code ec;
    const boost::json::value body = boost::json::parse(body_of(response), ec);
    if (ec || !body.is_object() || !body.as_object().contains(key)) return "";
    const auto& v = body.as_object().at(key);
    return v.is_string() ? std::string(v.as_string()) : "";
  }

  std::atomic<int> calls_{0};
  HttpServer server_;
};

TEST_F(EdgeTest, HeaderValuesThatAreNotUtf8AreRefused) {
  for (const char* name :
       {"X-device-fingerprint", "X-device-ip", "X-agent", "X-operating-sys-version", "X-client-id",
        "X-state-token", "session-token", "Authorization", "X-L", "User-Agent", "X-Other"}) {
    for (const char* value :
         {"\xff\xfe", "fp-\x80", "\xc0\xaf", "\xed\xa0\x80", "abc\xe4\xb8", "\xf4\x90\x80\x80"}) {
      const std::string response = exchange(std::string(name) + ": " + value + "\r\n");
      EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0U) << name << ": " << response;
      EXPECT_EQ(member(response, "error_code"), "IDAAS.SDK.PARAM.0119") << name;
    }
  }
  EXPECT_EQ(calls_.load(), 0) << "a refused request never reaches the endpoint";

  EXPECT_EQ(member(exchange("X-L: zh\r\nX-agent: \xff\r\n"), "error_msg"),
            "请求头不是合法的UTF-8编码");
}

TEST_F(EdgeTest, Utf8HeaderValuesPass) {
  const std::string response =
      exchange("X-device-fingerprint: 设备-1\r\nX-agent: 微信/8.0 ☃\r\nX-device-ip: 10.0.0.1\r\n");
  EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0U) << response;
  EXPECT_EQ(calls_.load(), 1);
}

TEST_F(EdgeTest, RepeatedSingularHeadersAreRefused) {
  for (const char* repeated :
       {"X-client-id: a\r\nX-client-id: b\r\n", "X-client-id: a\r\nx-client-id: a\r\n",
        "X-state-token: s.t.1\r\nX-state-token: s.t.2\r\n",
        "Content-Type: application/json\r\nContent-Type: text/plain\r\n",
        "X-device-fingerprint: a\r\nX-device-fingerprint: b\r\n", "X-agent: a\r\nX-agent: b\r\n",
        "X-operating-sys-version: 1\r\nX-operating-sys-version: 2\r\n",
        "X-device-ip: 10.0.0.1\r\nX-device-ip: 10.0.0.2\r\n", "X-L: zh\r\nX-L: en\r\n",
        "session-token: a\r\nsession-token: b\r\n",
        "Authorization: Bearer a\r\nAuthorization: Bearer b\r\n"}) {
    const std::string response = exchange(repeated);
    EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0U) << repeated << response;
    EXPECT_EQ(member(response, "error_code"), "IDAAS.SDK.PARAM.0120") << repeated;
  }
  EXPECT_EQ(calls_.load(), 0);
  // Headers ciamd does not read as one value may repeat.
  EXPECT_EQ(
      exchange("Accept: a\r\nAccept: b\r\nX-Trace: 1\r\nX-Trace: 2\r\n").rfind("HTTP/1.1 200", 0),
      0U);
  EXPECT_EQ(calls_.load(), 1);
}

// The request was framed correctly, so the connection can serve the next one.
TEST_F(EdgeTest, ARefusedHeaderKeepsTheConnection) {
  const std::string response =
      exchange("X-agent: \xff\r\n",
               "POST /api/v2/sdk/login/wechat HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
               "Connection: close\r\n\r\n{}");
  EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0U) << response;
  EXPECT_NE(response.find("HTTP/1.1 200"), std::string::npos) << response;
  EXPECT_EQ(calls_.load(), 1);
}

// --- JSON records of stored strings ------------------------------------------------------------

// The record serialized and read back by a strict parser (Boost.JSON rejects invalid UTF-8).
boost::json::object round_trip(const boost::json::object& record) {
  const std::string text = boost::json::serialize(record);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  EXPECT_FALSE(ec) << "not valid JSON: " << text;
  return ec ? boost::json::object{} : v.as_object();
}

TEST(AdminRecords, StoredStringsAreRenderedAsValidUtf8) {
  const std::string bad = "fp\xff\xfe-1";
  const std::string fixed = "fp" + std::string(kReplacement) + std::string(kReplacement) + "-1";

  Session s;
  s.id = "s1";
  s.device_fingerprint = bad;
  EXPECT_EQ(round_trip(session_json(s, 0))["device_fingerprint"].as_string(), fixed);

  AuditEvent e;
  e.device_fingerprint = bad;
  e.client_reported_ip = bad;
  e.client_id = bad;
  e.target = bad;
  const auto audit = round_trip(audit_json(e));
  for (const char* key : {"device_fingerprint", "client_reported_ip", "client_id", "target"}) {
    EXPECT_EQ(audit.contains(key) ? std::string(audit.at(key).as_string()) : "", fixed) << key;
  }

  User u;
  u.name = bad;
  u.username = bad;
  EXPECT_EQ(round_trip(user_json(u))["name"].as_string(), fixed);

  Application app;
  app.name = bad;
  EXPECT_EQ(round_trip(application_json(app))["name"].as_string(), fixed);

  Tenant t;
  t.name = bad;
  EXPECT_EQ(round_trip(tenant_json(t))["name"].as_string(), fixed);

  Identity i;
  i.subject = bad;
  i.profile_json = "{\"nickname\":\"" + bad + "\"}";
  EXPECT_EQ(round_trip(identity_json(i))["subject"].as_string(), fixed);

  AdminToken token;
  token.name = bad;
  EXPECT_EQ(round_trip(admin_token_json(token, 0))["name"].as_string(), fixed);
}

TEST(AdminRecords, ValidUtf8IsKeptAsIs) {
  Session s;
  s.device_fingerprint = "设备-1 ☃ \xF0\x9F\x98\x80";
  EXPECT_EQ(session_json(s, 0)["device_fingerprint"].as_string(), s.device_fingerprint);
}

}  // namespace
}  // namespace ciamd
