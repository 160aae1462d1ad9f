// Internal to net/ (not part of the contract): the rules by which a server connection turns the
// bytes it reads into an HttpRequest or refuses them, apart from the socket, so that the fuzzing
// harness (fuzz/http_request.cpp) drives the very code the server runs.
//
//   RequestParser parser;  FoldDetector folds;
//   while (!feed_header(parser, folds, buffer, ec)) { ...read more into buffer... }
//   if (!ec) ec = check_header(parser.get());
//   ...read the body...; HttpRequest r = to_request(parser.release(), id, peer);
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "net/http.hpp"
#include "net/server.hpp"

namespace ciamd::net_detail {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// The response a failed read gets, if any: a limit broken or bytes that are not HTTP. nullopt when
// the client is gone (reset, EOF between or in the middle of requests): nobody to answer.
std::optional<LimitError> classify_read_error(const boost::beast::error_code& ec);

// Watches the header bytes the parser consumes for obsolete line folding (RFC 9112 5.2): a line
// that starts with a space or a tab. Beast joins such a line to the previous field's value, so the
// fold can only be seen in the raw bytes; it is refused rather than unfolded because an
// intermediary that reads it differently would see other headers than we do. This also catches
// whitespace between the request line and the first field (RFC 9112 2.2).
class FoldDetector {
 public:
  // False once a folded line has been seen in `bytes` or in the bytes before them.
  bool feed(std::string_view bytes);

 private:
  char previous_ = 0;
  bool line_start_ = false;
  bool folded_ = false;
};

// Feeds what `buffer` holds to `parser` (set to eager(false)) and consumes what it used, every
// consumed byte also going through `folds`. True when the header is finished: read whole (`ec`
// clear) or refused (`ec` set, a fold is http::error::bad_field). False when more bytes are needed.
bool feed_header(RequestParser& parser, FoldDetector& folds, boost::beast::flat_buffer& buffer,
                 boost::beast::error_code& ec);

// The parts of an absolute-form target ("http://host:port/path?query", RFC 9112 3.2.2).
struct AbsoluteTarget {
  std::string_view authority;
  std::string_view origin;  // path and query: "/path?query"
};

// Splits an absolute-form target; nullopt for anything else. Only http and https name this server;
// userinfo ("user@host") is refused as RFC 9110 4.2.4 recommends, since it is a classic way of
// disguising the real host.
std::optional<AbsoluteTarget> absolute_target(std::string_view target);

// The framing and syntax rules of RFC 9112 that Beast leaves to the application, checked once the
// header is read and before any body byte is. A failure is reported as a parser error, so it is
// answered as a malformed request and the connection is closed: after a request whose length is in
// doubt, the next bytes cannot be trusted to start a request (request smuggling).
boost::beast::error_code check_header(const boost::beast::http::request_header<>& header);

// The request handlers see: an absolute-form target is served as origin-form with its authority
// as Host; path and query split at the first '?'.
HttpRequest to_request(boost::beast::http::request<boost::beast::http::string_body>&& message,
                       std::string request_id, const std::string& peer);

}  // namespace ciamd::net_detail
