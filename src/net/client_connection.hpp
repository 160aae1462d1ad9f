// Internal to net/ (not part of the contract): one outbound connection of HttpClient.
//
// Every connection has its own strand, and all of its I/O runs as coroutines on that strand: the
// caller's coroutine awaits them through co_spawn. A pooled connection can therefore be reused by
// callers on any thread or strand; only the hand-over through the idle pool is shared, and that
// is guarded by the pool's mutex.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "exec/task.hpp"
#include "net/client.hpp"

namespace ciamd::net_detail {

using OutboundMessage = boost::beast::http::request<boost::beast::http::string_body>;

struct Origin {
  bool tls = false;
  std::string host;  // without brackets for IPv6; used for DNS, SNI and certificate checks
  std::string port;

  // Safe to log: never includes the path or query, which may carry secrets.
  std::string describe() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

struct Exchange {
  ClientResponse response;
  bool reusable = false;  // the server allows keep-alive and the stream is clean
};

class ClientConnection {
 public:
  virtual ~ClientConnection() = default;

  virtual boost::asio::any_io_executor executor() = 0;

  // Resolves, connects and (for https) handshakes within connect_timeout, then exchanges.
  virtual Task<Exchange> open_and_exchange(const Origin& origin,
                                           std::shared_ptr<const OutboundMessage> message,
                                           const ClientOptions& options) = 0;

  // An exchange on a connection from the idle pool. nullopt means the connection turned out to
  // be stale (the server had closed it: failure before any response byte); the caller retries on
  // a fresh connection.
  virtual Task<std::optional<Exchange>> exchange_reused(
      const Origin& origin, std::shared_ptr<const OutboundMessage> message,
      const ClientOptions& options) = 0;

  std::chrono::steady_clock::time_point idle_since{};
};

// `tls` is null for http:// origins. The context must outlive the connection.
std::shared_ptr<ClientConnection> make_client_connection(boost::asio::io_context& io,
                                                         boost::asio::ssl::context* tls);

}  // namespace ciamd::net_detail
