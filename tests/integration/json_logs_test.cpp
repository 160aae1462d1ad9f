// [log] format = "json": every line the server writes, from start to stop, is one JSON object with
// ts, level and msg, and a line about a request carries its id (the response's X-Request-Id) as
// request_id. Secrets stay out of the log in this format too.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "integration/support/suite.hpp"

namespace it {
namespace {

class JsonLogs : public EnvSuite {
 protected:
  static void SetUpTestSuite() { SetUpTestSuiteWith({.log_format = "json"}); }

  void SetUp() override {
    EnvSuite::SetUp();
    if (!HasFatalFailure()) client_ = env().create_app({.unbound = "auto_create"});
  }

  std::string client_;
};

// Every non-empty line of `output` as a JSON object; a line that is not one fails the test.
std::vector<boost::json::object> parse_lines(const std::string& output) {
  std::vector<boost::json::object> objects;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) {
      ADD_FAILURE() << "not a JSON object: " << line;
      continue;
    }
    objects.push_back(v.as_object());
  }
  return objects;
}

std::string str(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

void expect_standard_fields(const std::vector<boost::json::object>& lines) {
  static const std::regex kTimestamp(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  static const std::regex kLevel("trace|debug|info|warn|error|critical");
  for (const boost::json::object& o : lines) {
    const std::string text = boost::json::serialize(o);
    EXPECT_TRUE(std::regex_match(str(o, "ts"), kTimestamp)) << text;
    EXPECT_TRUE(std::regex_match(str(o, "level"), kLevel)) << text;
    EXPECT_TRUE(o.contains("msg") && o.at("msg").is_string()) << text;
    if (o.contains("request_id")) {
      EXPECT_FALSE(str(o, "request_id").empty()) << text;
    }
  }
}

TEST_F(JsonLogs, AFailedLoginIsLoggedWithItsRequestId) {
  const std::string code = unique_name("never-minted");
  const HttpResult r = env().login_wechat(client_, code);
  ASSERT_TRUE(is_error(r, "IDAAS.SDK.LOGIN.1002", Lang::kEn));
  const std::optional<std::string> request_id = r.header("X-Request-Id");
  ASSERT_TRUE(request_id.has_value() && !request_id->empty()) << r.describe();

  // The line is written while the response is made; give the write a moment to land.
  const auto logged = [&] {
    for (const boost::json::object& o : parse_lines(env().server_output())) {
      if (str(o, "request_id") == *request_id) return true;
    }
    return false;
  };
  ASSERT_TRUE(eventually(logged, std::chrono::seconds(5))) << env().server_output();

  const std::string output = env().server_output();
  const std::vector<boost::json::object> lines = parse_lines(output);
  expect_standard_fields(lines);
  bool found = false;
  for (const boost::json::object& o : lines) {
    if (str(o, "request_id") != *request_id) continue;
    found = true;
    EXPECT_EQ(str(o, "level"), "info");
    EXPECT_EQ(str(o, "msg").rfind("request " + *request_id + " IDAAS.SDK.LOGIN.1002", 0), 0u)
        << str(o, "msg");
  }
  EXPECT_TRUE(found);
  // Neither the code the client sent nor the app's WeChat secret reaches the log.
  EXPECT_EQ(output.find(code), std::string::npos);
  EXPECT_EQ(output.find(env().wechat_secret()), std::string::npos);
}

TEST_F(JsonLogs, EveryLineFromStartToStopIsAJsonObject) {
  EXPECT_TRUE(is_success(env().login_wechat(client_, env().fresh_code())));
  const HttpResult bad = env().login_wechat(client_, unique_name("never-minted"));
  EXPECT_TRUE(is_error(bad, "IDAAS.SDK.LOGIN.1002", Lang::kEn));

  ASSERT_EQ(env().stop_server(), 0);
  const std::string output = env().server_output();
  env().start_server();  // for any test that runs after this one

  const std::vector<boost::json::object> lines = parse_lines(output);
  expect_standard_fields(lines);
  bool listening = false;
  bool stopped = false;
  for (const boost::json::object& o : lines) {
    listening = listening || str(o, "msg").starts_with("ciamd listening on ");
    stopped = stopped || str(o, "msg") == "ciamd stopped";
  }
  EXPECT_TRUE(listening) << output;
  EXPECT_TRUE(stopped) << output;
  // The text format's decorations ("[2026-...] [info]") are not there.
  EXPECT_EQ(output.find("] [info] "), std::string::npos) << output;
}

}  // namespace
}  // namespace it
