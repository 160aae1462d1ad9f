// Internal to net/ (not part of the contract): the state an HttpServer shares with its
// connections, and the function that starts serving one accepted socket.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "net/router.hpp"
#include "net/server.hpp"

namespace ciamd::net_detail {

// Owned jointly by the server and every live connection, so a connection may outlive the
// HttpServer object that accepted it.
struct ServerCore {
  ServerCore(ServerOptions options_in, Router router_in)
      : options(std::move(options_in)), router(std::move(router_in)) {}

  const ServerOptions options;
  const Router router;
  std::optional<boost::asio::ssl::context> tls;  // set when options.tls is
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> open_connections{0};

  // Each connection registers a callback that closes it if it is waiting for a next request, so
  // that stop() does not have to wait out the keep-alive timeout of idle clients.
  std::uint64_t register_connection(std::function<void()> close_if_idle);
  void unregister_connection(std::uint64_t id);
  void close_idle_connections();

 private:
  std::mutex mutex_;
  std::uint64_t next_id_ = 0;
  std::unordered_map<std::uint64_t, std::function<void()>> connections_;
};

// Serves `socket` (whose executor is the connection's own strand) until the connection ends.
void serve_connection(std::shared_ptr<ServerCore> core, boost::asio::ip::tcp::socket socket);

// 16 lowercase hex characters from a per-thread PRNG: unique enough to find a request in the logs,
// and not a secret.
std::string new_request_id();

}  // namespace ciamd::net_detail
