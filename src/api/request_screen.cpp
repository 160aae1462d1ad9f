#include "api/request_screen.hpp"

#include <array>
#include <string_view>

#include "api/render.hpp"
#include "core/utf8.hpp"

namespace ciamd {
namespace {

// The headers ciamd reads as a single value (the common headers of docs/api.md, the session token,
// the bearer token of the admin API and of post-login calls, and the body's media type). RFC 9110
// 5.3: none of them is a list, so a sender may not repeat them.
constexpr std::array<std::string_view, 10> kSingular{
    "X-operating-sys-version",
    "X-device-fingerprint",
    "X-agent",
    "X-device-ip",
    "X-client-id",
    "X-state-token",
    "X-L",
    "session-token",
    "Authorization",
    "Content-Type",
};

}  // namespace

std::optional<ErrorCode> screen_headers(const Headers& headers) {
  for (const auto& [name, value] : headers.fields()) {
    if (!is_valid_utf8(value)) return ErrorCode::kHeaderNotUtf8;
  }
  for (const std::string_view singular : kSingular) {
    int seen = 0;
    for (const auto& [name, value] : headers.fields()) {
      if (iequals(name, singular) && ++seen > 1) return ErrorCode::kHeaderRepeated;
    }
  }
  return std::nullopt;
}

std::optional<HttpResponse> screen_request(const HttpRequest& http) {
  const std::optional<ErrorCode> broken = screen_headers(http.headers);
  if (!broken) return std::nullopt;
  return render_error(ApiError{*broken}, language_from_header(http.headers.get("X-L")),
                      http.request_id);
}

}  // namespace ciamd
