// The server's reading of requests from a connection: raw bytes through the Beast parser under the
// server's header and body limits, the obsolete-folding watch, the RFC 9112 framing checks, the
// body, the conversion to an HttpRequest, and the header screen every request meets before routing
// (api/request_screen). It follows Connection::read_request in net/server_connection.cpp step by
// step, over the same functions (net/request_reader.hpp), with the socket replaced by the input.
//
// The first input byte sets how many bytes each read delivers: a connection feeds the parser
// whatever each read returned, so request lines and fields split at any byte must read the same.
// Keep-alive requests are read one after another from the rest, as pipelined requests are.
#include <algorithm>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "api/request_screen.hpp"
#include "net/http.hpp"
#include "net/request_reader.hpp"
#include "net/server.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using namespace ciamd;
using namespace ciamd::net_detail;

// The rest of the input, handed out one read at a time.
struct Wire {
  std::string_view rest;
  std::size_t chunk = 1;

  // False at the end of the input, which the connection sees as EOF.
  bool read_into(beast::flat_buffer& buffer) {
    if (rest.empty()) return false;
    const std::size_t n = std::min(chunk, rest.size());
    std::memcpy(buffer.prepare(n).data(), rest.data(), n);
    buffer.commit(n);
    rest.remove_prefix(n);
    return true;
  }
};

// Connection::read_header, then check_header, then the body as http::async_read reads it.
beast::error_code read_request(RequestParser& parser, Wire& wire, beast::flat_buffer& buffer) {
  FoldDetector folds;
  parser.eager(false);
  beast::error_code ec;
  while (!feed_header(parser, folds, buffer, ec)) {
    if (!wire.read_into(buffer)) {
      if (!parser.got_some()) return http::error::end_of_stream;
      parser.put_eof(ec);
      return ec ? ec : beast::error_code(http::error::partial_message);
    }
  }
  if (ec) return ec;
  if ((ec = check_header(parser.get()))) return ec;
  parser.eager(true);  // as http::async_read sets it
  while (!parser.is_done()) {
    if (buffer.size() > 0) {
      const std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec && ec != http::error::need_more) return ec;
      ec = {};
      if (used > 0) continue;
    }
    if (!wire.read_into(buffer)) {
      parser.put_eof(ec);
      if (ec) return ec;
      return parser.is_done() ? beast::error_code() : http::error::partial_message;
    }
  }
  return {};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ServerOptions limits;  // the defaults: what a listener without configuration enforces
  Wire wire{{reinterpret_cast<const char*>(data) + 1, size - 1}, std::size_t{data[0]} + 1};
  beast::flat_buffer buffer;
  // A connection serves requests until one is refused or does not keep the connection alive.
  for (int served = 0; served < 8; ++served) {
    if (buffer.size() == 0 && !wire.read_into(buffer)) return 0;
    RequestParser parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    const beast::error_code ec = read_request(parser, wire, buffer);
    if (ec) {
      // What serve_one does with a failed read: the X-L of the limit error's language.
      const auto limit = classify_read_error(ec);
      if (limit && (parser.is_header_done() || *limit == LimitError::kBodyTooLarge)) {
        const std::string x_l(parser.get()["X-L"]);
      }
      return 0;
    }
    auto message = parser.release();
    const bool keep_alive = message.keep_alive();
    const HttpRequest request = to_request(std::move(message), "0123456789abcdef", "127.0.0.1");
    (void)screen_request(request);
    (void)form_value(request.query, "client_id");
    if (!keep_alive) return 0;
  }
  return 0;
}
