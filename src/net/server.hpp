// net/server: an HTTP/1.1 (optionally HTTPS) server on Beast coroutines. One coroutine per
// connection, keep-alive, and hard limits on what a client may send.
//
//   ServerOptions opts; opts.host = "127.0.0.1"; opts.port = 0;   // 0: an ephemeral port
//   HttpServer server(runtime, opts, std::move(router));
//   server.start();  log(server.port());  runtime.run();
//   ...
//   server.drain(10s, [&](const DrainResult&) { runtime.stop(); });   // on SIGTERM
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "net/http.hpp"
#include "net/router.hpp"

namespace ciamd {

class Runtime;

// What went wrong before a request could reach the router. kMalformed covers bytes that are not
// HTTP/1.x and requests against RFC 9112's framing rules: a Transfer-Encoding other than exactly
// "chunked" (or in HTTP/1.0, or beside Content-Length), no Host in HTTP/1.1 or more than one, a
// folded header line, a target neither in origin-form nor in http(s) absolute-form. Every one of
// them closes the connection.
enum class LimitError { kHeaderTooLarge, kBodyTooLarge, kTimeout, kMalformed };
// Renders the error response for a limit violation; `x_l` is the X-L header when it was read.
using LimitErrorRenderer = std::function<HttpResponse(LimitError, std::string_view x_l)>;

struct TlsFiles {
  std::string certificate_chain_file;  // PEM
  std::string private_key_file;        // PEM
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::size_t max_header_bytes = std::size_t{8} * 1024;
  std::size_t max_body_bytes = std::size_t{64} * 1024;
  std::chrono::milliseconds read_timeout{10'000};  // to receive one whole request
  std::chrono::milliseconds idle_timeout{60'000};  // keep-alive wait for the next request
  std::optional<TlsFiles> tls;
  LimitErrorRenderer render_limit_error;  // required
  // Renders the response when a handler throws (the exception is logged with the request id,
  // never sent). Required.
  std::function<HttpResponse(std::string_view x_l)> render_internal_error;
  // Looks at every request that arrived whole and well framed before the router does: a response
  // it returns is sent instead (and the connection stays open), so a refused request reaches no
  // handler. Optional; for rules of the application's own, such as which header values it takes.
  std::function<std::optional<HttpResponse>(const HttpRequest&)> screen_request;
};

// What a drain found and did, for the shutdown log.
struct DrainResult {
  std::size_t requests_in_flight = 0;   // requests being read or handled when the drain began
  std::size_t connections_open = 0;     // connections open when the drain began
  std::uint64_t responses_written = 0;  // responses completed during the drain
  bool timed_out = false;               // the timeout passed with connections left
  std::size_t connections_cut = 0;      // connections closed by force at the timeout
};

class HttpServer {
 public:
  // Binds and listens immediately (throws std::runtime_error when it cannot).
  HttpServer(Runtime& runtime, ServerOptions options, Router router);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;  // the bound port, also when 0 was asked for
  void start();                // begins accepting on the runtime's threads
  void stop();                 // stops accepting; connections close after their current request

  // A graceful stop. Closes the listening socket at once (new connections are refused), closes
  // idle keep-alive connections, and lets every other connection finish the request it is reading
  // or handling and write its response with "Connection: close". A connection that has not sent
  // its first request yet gets a short grace to do so, since its client may have sent it already.
  // `done` runs on the runtime's threads once no connection is left, or once `timeout` has passed;
  // then the connections still open are closed without a response.
  //
  // Thread-safe. A later call while a drain is under way does not restart it: its `done` runs when
  // the drain ends, and its timeout only counts if it ends the drain sooner, so a second call with
  // a zero timeout cuts what is left at once (a second SIGTERM). A call after the drain has ended
  // runs `done` at once with the same result.
  void drain(std::chrono::milliseconds timeout, std::function<void(const DrainResult&)> done);

  std::size_t open_connections() const;
  std::size_t requests_in_flight() const;  // being read or handled, not yet answered

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ciamd
