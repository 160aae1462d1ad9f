#include "api/json_body.hpp"

#include <boost/json/parse.hpp>
#include <cctype>

namespace ciamd {
namespace {

// "application/json", optionally with parameters ("; charset=utf-8"), any case.
bool is_json_media_type(std::string_view content_type) {
  const std::string_view type = content_type.substr(0, content_type.find(';'));
  constexpr std::string_view kJson = "application/json";
  std::string_view t = type;
  // Optional whitespace (RFC 9110 OWS) is spaces and tabs.
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  if (t.size() != kJson.size()) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(t[i])) != kJson[i]) return false;
  }
  return true;
}

}  // namespace

Result<boost::json::object> parse_json_object(const HttpRequest& http) {
  if (!is_json_media_type(http.headers.get("Content-Type"))) return ErrorCode::kContentTypeNotJson;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(http.body, ec);
  if (ec) return ErrorCode::kBodyNotJson;
  if (!v.is_object()) return ErrorCode::kBodyNotObject;
  return std::move(v.as_object());
}

Result<std::string> required_string(const boost::json::object& body, std::string_view key,
                                    ErrorCode missing) {
  const boost::json::value* v = body.if_contains(key);
  if (v == nullptr) return missing;
  if (!v->is_string()) return ErrorCode::kParamWrongType;
  std::string_view s = v->as_string();
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return missing;
  return std::string(s);
}

}  // namespace ciamd
