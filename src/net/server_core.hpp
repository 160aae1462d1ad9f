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

// What the server asks of its live connections.
enum class ConnectionSignal {
  // Stop accepting more work: a connection between requests closes now, one that has not sent its
  // first request yet gets a short grace, and one in the middle of a request finishes it.
  kDrain,
  // The drain took too long: close the socket whatever the connection is doing.
  kForceClose,
};

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
  // Requests read (at least their first bytes) and not yet answered or abandoned.
  std::atomic<std::size_t> requests_in_flight{0};
  // Responses written completely, over the server's life: a drain reports the difference.
  std::atomic<std::uint64_t> responses_written{0};

  // Each connection registers a callback that acts on a ConnectionSignal on the connection's own
  // strand, so that a drain neither waits out the keep-alive timeout of idle clients nor cuts a
  // request in the middle.
  std::uint64_t register_connection(std::function<void(ConnectionSignal)> on_signal);
  void unregister_connection(std::uint64_t id);
  void signal_connections(ConnectionSignal signal);
  std::size_t registered_connections();
  // Called (outside the lock, on whichever thread ends the connection) each time the last
  // registered connection unregisters; a drain uses it to learn that it is done.
  void on_empty(std::function<void()> hook);

 private:
  std::mutex mutex_;
  std::uint64_t next_id_ = 0;
  std::unordered_map<std::uint64_t, std::function<void(ConnectionSignal)>> connections_;
  std::function<void()> on_empty_;
};

// Serves `socket` (whose executor is the connection's own strand) until the connection ends.
void serve_connection(std::shared_ptr<ServerCore> core, boost::asio::ip::tcp::socket socket);

// 16 lowercase hex characters from a per-thread PRNG: unique enough to find a request in the logs,
// and not a secret.
std::string new_request_id();

}  // namespace ciamd::net_detail
