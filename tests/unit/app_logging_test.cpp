// app/logging: the JSON log format parses as JSON whatever the message holds, and lifts the request
// id out of the server's request messages.
#include <gtest/gtest.h>
#include <spdlog/details/log_msg.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "app/logging.hpp"

namespace ciamd {
namespace {

std::string format_line(std::string_view message,
                        spdlog::level::level_enum level = spdlog::level::info,
                        spdlog::log_clock::time_point time = spdlog::log_clock::now()) {
  const spdlog::details::log_msg msg(time, spdlog::source_loc{}, "ciamd", level,
                                     spdlog::string_view_t(message.data(), message.size()));
  JsonLogFormatter formatter;
  spdlog::memory_buf_t buf;
  formatter.format(msg, buf);
  return std::string(buf.data(), buf.size());
}

// The line as a JSON object; fails the test unless it is exactly one object and a newline.
boost::json::object parse_line(const std::string& line) {
  EXPECT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(line, ec);
  EXPECT_FALSE(ec) << ec.message() << ": " << line;
  EXPECT_TRUE(v.is_object()) << line;
  return v.is_object() ? v.as_object() : boost::json::object{};
}

std::string str(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "<absent>";
}

TEST(JsonLogFormat, PlainMessageHasTimestampLevelAndMessage) {
  // 2026-11-21T13:29:26.123Z
  const auto time = spdlog::log_clock::time_point(std::chrono::milliseconds(1795267766123));
  const boost::json::object o = parse_line(format_line("ciamd stopped", spdlog::level::info, time));
  EXPECT_EQ(str(o, "ts"), "2026-11-21T13:29:26.123Z");
  EXPECT_EQ(str(o, "level"), "info");
  EXPECT_EQ(str(o, "msg"), "ciamd stopped");
  EXPECT_FALSE(o.contains("request_id"));
  EXPECT_EQ(o.size(), 3u);
}

TEST(JsonLogFormat, LevelNamesMatchTheConfigurationsNames) {
  const std::vector<std::pair<spdlog::level::level_enum, std::string>> levels{
      {spdlog::level::trace, "trace"}, {spdlog::level::debug, "debug"},
      {spdlog::level::info, "info"},   {spdlog::level::warn, "warn"},
      {spdlog::level::err, "error"},   {spdlog::level::critical, "critical"}};
  for (const auto& [level, name] : levels) {
    EXPECT_EQ(str(parse_line(format_line("x", level)), "level"), name);
  }
}

TEST(JsonLogFormat, QuotesBackslashesAndControlCharactersAreEscaped) {
  const std::string message = "say \"hi\"\\ then\nnext\r\tline\b\f \x01\x1f\x7f end";
  const std::string line = format_line(message);
  EXPECT_NE(line.find(R"(say \"hi\"\\ then\nnext\r\tline\b\f \u0001\u001f\u007f end)"),
            std::string::npos)
      << line;
  EXPECT_EQ(str(parse_line(line), "msg"), message);
}

TEST(JsonLogFormat, NonAsciiTextIsKeptAsUtf8) {
  const std::string message = "您的验证码已发送 ✓ 😀";
  const std::string line = format_line(message);
  EXPECT_NE(line.find(message), std::string::npos) << line;
  EXPECT_EQ(str(parse_line(line), "msg"), message);
}

TEST(JsonLogFormat, InvalidUtf8IsReplaced) {
  const std::string replacement = "\xEF\xBF\xBD";
  const std::vector<std::pair<std::string, std::string>> cases{
      {"a\xFF"
       "b",
       "a" + replacement + "b"},                                  // never valid
      {"a\xC3", "a" + replacement},                               // truncated at the end
      {"\xC0\xAF", replacement + replacement},                    // overlong
      {"\xED\xA0\x80", replacement + replacement + replacement},  // a surrogate
      {"\xF4\x90\x80\x80", replacement + replacement + replacement + replacement},  // > U+10FFFF
      {"\xE4\xB8"
       "x",
       replacement + replacement + "x"},  // cut short by ASCII
  };
  for (const auto& [in, out] : cases) {
    EXPECT_EQ(str(parse_line(format_line(in)), "msg"), out);
  }
}

TEST(JsonLogFormat, RequestIdIsLiftedFromRequestMessages) {
  const boost::json::object o = parse_line(format_line(
      "request 9c1f0e2a7b3d4c5e IDAAS.SDK.LOGIN.1002: sns/oauth2/access_token errcode 40029"));
  EXPECT_EQ(str(o, "request_id"), "9c1f0e2a7b3d4c5e");
  EXPECT_EQ(str(o, "msg"),
            "request 9c1f0e2a7b3d4c5e IDAAS.SDK.LOGIN.1002: sns/oauth2/access_token errcode 40029");

  EXPECT_EQ(str(parse_line(format_line("admin request 0123456789abcdef ADMIN.0500: boom",
                                       spdlog::level::err)),
                "request_id"),
            "0123456789abcdef");
  EXPECT_EQ(
      str(parse_line(format_line(
              "outbox: recorded a sms message for +86 138****0000 (request fedcba9876543210)")),
          "request_id"),
      "fedcba9876543210");
}

TEST(JsonLogFormat, MessagesThatNameNoRequestHaveNoRequestId) {
  for (const std::string message :
       {"request timed out", "request 9c1f0e2a7b3d4c5e", "requests 9c1f0e2a7b3d4c5e x",
        "request not-an-id! x", "request 9c1f x", "signal 15: draining 0 requests",
        "a (request done)", "request \"9c1f0e2a7b3d4c5e\" x"}) {
    const boost::json::object o = parse_line(format_line(message));
    EXPECT_FALSE(o.contains("request_id")) << message;
    EXPECT_EQ(str(o, "msg"), message);
  }
}

TEST(JsonLogFormat, ALoggerWithTheFormatterWritesOneObjectPerLine) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("test", sink);
  logger.set_formatter(std::make_unique<JsonLogFormatter>());
  logger.info("request {} {}: {}", "00112233aabbccdd", "IDAAS.SDK.COM.0002", "line\nbreak \"q\"");
  logger.warn("plain {}", "中文");
  std::istringstream lines(out.str());
  std::string line;
  std::vector<boost::json::object> objects;
  while (std::getline(lines, line)) objects.push_back(parse_line(line + "\n"));
  ASSERT_EQ(objects.size(), 2u) << out.str();
  EXPECT_EQ(str(objects[0], "request_id"), "00112233aabbccdd");
  EXPECT_EQ(str(objects[0], "msg"),
            "request 00112233aabbccdd IDAAS.SDK.COM.0002: line\nbreak \"q\"");
  EXPECT_EQ(str(objects[1], "level"), "warn");
  EXPECT_EQ(str(objects[1], "msg"), "plain 中文");
  EXPECT_FALSE(objects[1].contains("request_id"));
}

TEST(JsonLogFormat, ApplyRejectsUnknownFormats) {
  EXPECT_NO_THROW(apply_log_format("text"));
  EXPECT_THROW(apply_log_format("xml"), std::invalid_argument);
}

TEST(JsonLogFormat, ConfigDefaultsToTextAndRejectsOtherFormats) {
  EXPECT_EQ(load_config("").log.format, "text");
  setenv("CIAMD_LOG_FORMAT", "json", 1);
  EXPECT_EQ(load_config("").log.format, "json");
  setenv("CIAMD_LOG_FORMAT", "yaml", 1);
  EXPECT_THROW(load_config(""), ConfigError);
  unsetenv("CIAMD_LOG_FORMAT");
}

}  // namespace
}  // namespace ciamd
