#include "api/json_body.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <cctype>
#include <string>
#include <unordered_set>
#include <vector>

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

// A Boost.JSON parser handler that only looks for a key appearing twice in one object, at any
// depth. boost::json::parse keeps the last of them, another reader may keep the first: a body that
// two readers can understand differently is refused (RFC 8259 4 leaves the meaning open).
class DuplicateKeyFinder {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  bool found() const { return found_; }

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_array_begin(boost::system::error_code&) { return true; }
  bool on_array_end(std::size_t, boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    open_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code&) {
    open_.pop_back();
    return true;
  }
  bool on_string_part(boost::json::string_view, std::size_t, boost::system::error_code&) {
    return true;
  }
  bool on_string(boost::json::string_view, std::size_t, boost::system::error_code&) { return true; }
  // Keys arrive unescaped, so "\u0063ode" and "code" are the same key.
  bool on_key_part(boost::json::string_view s, std::size_t, boost::system::error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::system::error_code&) {
    key_.append(s.data(), s.size());
    found_ = !open_.back().insert(std::move(key_)).second;
    key_.clear();
    return !found_;  // the first duplicate answers the question
  }
  bool on_number_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t, boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_uint64(std::uint64_t, boost::json::string_view, boost::system::error_code&) {
    return true;
  }
  bool on_double(double, boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_bool(bool, boost::system::error_code&) { return true; }
  bool on_null(boost::system::error_code&) { return true; }
  bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }

 private:
  std::vector<std::unordered_set<std::string>> open_;  // the keys of each object being read
  std::string key_;
  bool found_ = false;
};

// Whether `json` (already known to parse) has an object with a key twice.
bool has_duplicate_key(std::string_view json) {
  boost::json::basic_parser<DuplicateKeyFinder> parser{boost::json::parse_options{}};
  boost::system::error_code ec;
  parser.write_some(false, json.data(), json.size(), ec);
  return parser.handler().found();
}

}  // namespace

Result<boost::json::object> parse_json_object(const HttpRequest& http) {
  if (!is_json_media_type(http.headers.get("Content-Type"))) return ErrorCode::kContentTypeNotJson;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(http.body, ec);
  if (ec) return ErrorCode::kBodyNotJson;
  if (!v.is_object()) return ErrorCode::kBodyNotObject;
  if (has_duplicate_key(http.body)) return ErrorCode::kBodyDuplicateKey;
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
