#include "app/logging.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "core/utf8.hpp"

namespace ciamd {
namespace {

constexpr std::size_t kMinIdLength = 8;
constexpr std::size_t kMaxIdLength = 64;

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_request_id(std::string_view id) {
  if (id.size() < kMinIdLength || id.size() > kMaxIdLength) return false;
  for (char c : id) {
    if (!is_hex(c)) return false;
  }
  return true;
}

// The id right after `prefix` at the start of `message`, ended by a space.
std::string_view id_after_prefix(std::string_view message, std::string_view prefix) {
  if (!message.starts_with(prefix)) return {};
  const std::string_view rest = message.substr(prefix.size());
  const auto space = rest.find(' ');
  if (space == std::string_view::npos) return {};
  const std::string_view id = rest.substr(0, space);
  return is_request_id(id) ? id : std::string_view{};
}

// The id of a message ending in "(request <id>)".
std::string_view id_at_end(std::string_view message) {
  constexpr std::string_view kOpen = "(request ";
  if (!message.ends_with(')')) return {};
  const auto open = message.rfind(kOpen);
  if (open == std::string_view::npos) return {};
  const std::string_view id =
      message.substr(open + kOpen.size(), message.size() - 1 - open - kOpen.size());
  return is_request_id(id) ? id : std::string_view{};
}

std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

// "2026-11-21T13:29:26.123Z".
std::string utc_timestamp(spdlog::log_clock::time_point time) {
  using namespace std::chrono;
  const auto ms = time_point_cast<milliseconds>(time);
  auto millis = ms.time_since_epoch().count() % 1000;
  auto seconds = floor<std::chrono::seconds>(ms);
  if (millis < 0) millis += 1000;
  const std::time_t t = system_clock::to_time_t(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                              tm.tm_sec, static_cast<int>(millis));
  return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
}

}  // namespace

std::string_view log_request_id(std::string_view message) {
  if (auto id = id_after_prefix(message, "request "); !id.empty()) return id;
  if (auto id = id_after_prefix(message, "admin request "); !id.empty()) return id;
  return id_at_end(message);
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence_length(text.substr(i));
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD for a byte that starts no well-formed sequence
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const std::string_view message(msg.payload.data(), msg.payload.size());
  std::string line;
  line.reserve(message.size() + 96);
  line += "{\"ts\":\"";
  line += utc_timestamp(msg.time);
  line += "\",\"level\":\"";
  line += level_name(msg.level);
  line += "\",\"msg\":";
  append_json_string(line, message);
  if (const std::string_view id = log_request_id(message); !id.empty()) {
    line += ",\"request_id\":";
    append_json_string(line, id);
  }
  line += "}\n";
  dest.append(line.data(), line.data() + line.size());
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const {
  return std::make_unique<JsonLogFormatter>();
}

void apply_log_format(std::string_view format) {
  if (format == "text") return;
  if (format != "json") {
    throw std::invalid_argument("unknown log format '" + std::string(format) + "'");
  }
  spdlog::set_formatter(std::make_unique<JsonLogFormatter>());
}

}  // namespace ciamd
