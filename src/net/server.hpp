// net/server: an HTTP/1.1 (optionally HTTPS) server on Beast coroutines. One coroutine per
// connection, keep-alive, and hard limits on what a client may send.
//
//   ServerOptions opts; opts.host = "127.0.0.1"; opts.port = 0;   // 0: an ephemeral port
//   HttpServer server(runtime, opts, std::move(router));
//   server.start();  log(server.port());  runtime.run();
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

// What went wrong before a request could reach the router.
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
  std::size_t open_connections() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ciamd
