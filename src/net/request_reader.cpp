// The bytes-to-request rules of a server connection (net/request_reader.hpp).
#include "net/request_reader.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>

namespace ciamd::net_detail {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<LimitError> classify_read_error(const beast::error_code& ec) {
  if (ec == http::error::header_limit) return LimitError::kHeaderTooLarge;
  if (ec == http::error::body_limit) return LimitError::kBodyTooLarge;
  if (ec == beast::error::timeout) return LimitError::kTimeout;
  // Any other parser complaint means the bytes were not HTTP; socket-level errors (reset, EOF in
  // the middle of a request) mean the client is gone and there is nobody to answer.
  const bool parse_error =
      ec.category() == http::make_error_code(http::error::bad_method).category();
  if (parse_error && ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return LimitError::kMalformed;
  }
  return std::nullopt;
}

bool FoldDetector::feed(std::string_view bytes) {
  for (const char c : bytes) {
    if (line_start_ && (c == ' ' || c == '\t')) folded_ = true;
    line_start_ = previous_ == '\r' && c == '\n';
    previous_ = c;
  }
  return !folded_;
}

bool feed_header(RequestParser& parser, FoldDetector& folds, beast::flat_buffer& buffer,
                 beast::error_code& ec) {
  // The parser stops between parts (after the request line) with bytes left: feed it again.
  while (buffer.size() > 0) {
    const auto data = buffer.data();
    const std::size_t used = parser.put(data, ec);
    const bool unfolded = folds.feed({static_cast<const char*>(data.data()), used});
    buffer.consume(used);
    if (!unfolded) {
      ec = http::error::bad_field;
      return true;
    }
    if (ec == http::error::need_more) {
      ec = {};
      return false;
    }
    if (ec || parser.is_header_done()) return true;
  }
  return false;
}

std::optional<AbsoluteTarget> absolute_target(std::string_view target) {
  std::string_view rest;
  for (const std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() && iequals(target.substr(0, scheme.size()), scheme)) {
      rest = target.substr(scheme.size());
      break;
    }
  }
  if (rest.empty()) return std::nullopt;
  const auto end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, end);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  const std::string_view origin = end == std::string_view::npos ? "" : rest.substr(end);
  // "http://host?q" has an empty path, which is "/" (RFC 9112 3.2.1).
  if (!origin.empty() && origin.front() != '/' && origin.front() != '?') return std::nullopt;
  return AbsoluteTarget{authority, origin};
}

beast::error_code check_header(const http::request_header<>& header) {
  std::size_t hosts = 0;
  std::size_t transfer_encodings = 0;
  bool content_length = false;
  std::string_view coding;
  for (const auto& field : header) {
    if (field.name() == http::field::host) ++hosts;
    if (field.name() == http::field::content_length) content_length = true;
    if (field.name() == http::field::transfer_encoding) {
      ++transfer_encodings;
      coding = trim_ows(field.value());
    }
  }
  // RFC 9112 3.2: one Host, and in HTTP/1.1 exactly one.
  if (hosts > 1 || (hosts == 0 && header.version() >= 11)) return http::error::bad_value;
  // RFC 9112 6.1 and 6.3: chunked is the only coding ciamd decodes, so anything but exactly
  // "chunked" (another coding, a list, chunked twice) leaves the body's length unknown; HTTP/1.0
  // has no Transfer-Encoding at all; and with Content-Length beside it the length is ambiguous to
  // whichever intermediary picked the other one.
  if (transfer_encodings > 0) {
    if (transfer_encodings > 1 || !iequals(coding, "chunked") || header.version() < 11 ||
        content_length) {
      return http::error::bad_transfer_encoding;
    }
  }
  const std::string_view target = header.target();
  if (!target.starts_with('/') && !absolute_target(target)) return http::error::bad_target;
  return {};
}

HttpRequest to_request(http::request<http::string_body>&& message, std::string request_id,
                       const std::string& peer) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  std::optional<std::string> authority;
  if (const auto absolute = absolute_target(request.target)) {
    // RFC 9112 3.2.2: the target's authority replaces Host, and the request is served as if it
    // had come in origin-form.
    authority = std::string(absolute->authority);
    request.target = absolute->origin.starts_with('/') ? std::string(absolute->origin)
                                                       : "/" + std::string(absolute->origin);
  }
  const auto question = request.target.find('?');
  request.path = request.target.substr(0, question);
  if (question != std::string::npos) request.query = request.target.substr(question + 1);
  for (const auto& field : message) {
    if (authority && field.name() == http::field::host) {
      request.headers.add(std::string(field.name_string()), *authority);
      continue;
    }
    request.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.peer_address = peer;
  request.request_id = std::move(request_id);
  return request;
}

}  // namespace ciamd::net_detail
