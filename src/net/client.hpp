// net/client: an outbound HTTP/HTTPS client for calling providers. Certificate verification is
// always on (system trust store, or the CA file the configuration names), SNI is sent, and idle
// connections are reused per (scheme, host, port).
//
//   HttpClient client(runtime, ClientOptions{});
//   ClientResponse r = co_await client.send({"GET", "https://api.weixin.qq.com/sns/...", {}, ""});
//
// A GET or HEAD that finds a pooled connection closed by the peer is sent once more on a fresh
// connection; other methods are never sent twice (the failure is an UpstreamError kConnect).
//
// Transport failures (DNS, connect, TLS, timeout, malformed response, response too large) throw
// UpstreamError; any HTTP status is a normal ClientResponse. A URL that is not absolute http(s)
// throws std::invalid_argument (a bug or a configuration error, not an upstream failure).
// Error messages name the origin (scheme://host:port) only, never the path or query.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>

#include "exec/task.hpp"
#include "net/http.hpp"

namespace ciamd {

class Metrics;
class Runtime;

struct ClientOptions {
  std::string ca_file;  // extra trusted CA (PEM); empty: the system store only
  std::chrono::milliseconds connect_timeout{3'000};
  std::chrono::milliseconds request_timeout{5'000};  // write request + read response
  std::size_t max_idle_per_host = 32;
  std::chrono::seconds idle_keepalive{30};
  std::size_t max_response_bytes = std::size_t{1024} * 1024;
  // Where callers record their upstream calls (idp/upstream_call.hpp); null: not recorded. The
  // client carries it so every connector sharing the client reports without extra plumbing.
  Metrics* metrics = nullptr;
};

struct ClientRequest {
  std::string method;  // "GET" or "POST"
  std::string url;     // absolute http:// or https:// URL
  Headers headers;
  std::string body;
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

class UpstreamError : public std::runtime_error {
 public:
  enum class Kind {
    kConnect,   // DNS failure, refused, reset, or closed before a response
    kTls,       // handshake or certificate verification failed, or the session broke
    kTimeout,   // connect_timeout or request_timeout ran out
    kProtocol,  // not a valid HTTP response, or larger than max_response_bytes
  };
  UpstreamError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

class HttpClient {
 public:
  HttpClient(Runtime& runtime, ClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Task<ClientResponse> send(ClientRequest request);
  Metrics* metrics() const;  // ClientOptions::metrics

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ciamd
