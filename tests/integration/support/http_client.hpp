// A deliberately small HTTP/1.1 client on raw POSIX sockets. Tests need to send exactly the bytes
// they mean (oversized heads, wrong content types, broken JSON), which a full client library would
// "fix" for them. Every wait is bounded, so a hung server fails a test instead of hanging it.
//
//   HttpResult r = request(port, "POST", "/api/v2/sdk/login/wechat", headers, R"({"code":"x"})");
//   r.status; r.header("content-type"); r.json();
//   HttpConnection c(port);  // keep-alive: several requests on one socket
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace it {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Returns a copy of `h` without any header named `name` (case-insensitive).
Headers without(Headers h, std::string_view name);
// Returns a copy of `h` where `name` is set to `value` (replacing any existing one).
Headers with(Headers h, std::string_view name, std::string_view value);

struct HttpResult {
  int status = 0;
  Headers headers;
  std::string body;

  // First header with that name, compared case-insensitively.
  std::optional<std::string> header(std::string_view name) const;
  // The body parsed as JSON; throws with the body in the message when it is not JSON.
  boost::json::value json() const;
  // The string at `key` of a JSON object body; "" when the body is not such an object or the
  // field is absent or not a string (load tests read answers that may be torn or HTML).
  std::string string_field(std::string_view key) const;
  // "HTTP 400 {...}" for assertion messages.
  std::string describe() const;
};

class HttpConnection {
 public:
  explicit HttpConnection(int port,
                          std::chrono::milliseconds io_timeout = std::chrono::seconds(20));
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends one request (adds Host and, when absent, Content-Length) and reads one response.
  HttpResult request(std::string_view method, std::string_view target, const Headers& headers,
                     std::string_view body = {});
  // Writes `bytes` verbatim and reads one response. Stops writing early when the server answers
  // (or resets) before taking all of it, as a server rejecting an oversized request may.
  HttpResult send_raw(std::string_view bytes);
  // True when the server has closed its side (EOF is readable without blocking).
  bool closed_by_peer();

 private:
  void write_until_response(std::string_view bytes);
  HttpResult read_response();
  bool fill();  // reads more into buf_; false on EOF
  std::string read_line();

  int port_;
  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string buf_;
};

// One-shot helpers: a fresh connection, `Connection: close`.
HttpResult request(int port, std::string_view method, std::string_view target,
                   const Headers& headers = {}, std::string_view body = {});
HttpResult send_raw(int port, std::string_view bytes);

}  // namespace it
