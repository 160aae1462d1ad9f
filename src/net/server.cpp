#include "net/server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <random>
#include <stdexcept>
#include <vector>

#include "net/runtime.hpp"
#include "net/server_core.hpp"

namespace ciamd {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace net_detail {

std::uint64_t ServerCore::register_connection(std::function<void()> close_if_idle) {
  const std::lock_guard lock(mutex_);
  const auto id = ++next_id_;
  connections_.emplace(id, std::move(close_if_idle));
  return id;
}

void ServerCore::unregister_connection(std::uint64_t id) {
  const std::lock_guard lock(mutex_);
  connections_.erase(id);
}

void ServerCore::close_idle_connections() {
  std::vector<std::function<void()>> closers;
  {
    const std::lock_guard lock(mutex_);
    closers.reserve(connections_.size());
    for (const auto& [id, closer] : connections_) closers.push_back(closer);
  }
  // Outside the lock: a closer may drop the last reference to a connection, whose destructor
  // unregisters itself.
  for (const auto& closer : closers) closer();
}

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t bits = rng();
  std::string id(16, '0');
  for (char& c : id) {
    c = kHex[bits & 0xf];
    bits >>= 4;
  }
  return id;
}

}  // namespace net_detail

namespace {

tcp::endpoint listen_endpoint(asio::io_context& io, const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) return {address, port};
  // A host name ("localhost"): resolved once, at startup, so blocking is fine here.
  tcp::resolver resolver(io);
  const auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
  if (ec || results.empty()) {
    throw std::runtime_error("cannot resolve listen address " + host + ": " + ec.message());
  }
  return results.begin()->endpoint();
}

asio::ssl::context make_server_tls(const TlsFiles& files) {
  asio::ssl::context tls(asio::ssl::context::tls_server);
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1 | asio::ssl::context::no_compression);
  tls.use_certificate_chain_file(files.certificate_chain_file);
  tls.use_private_key_file(files.private_key_file, asio::ssl::context::pem);
  return tls;
}

}  // namespace

struct HttpServer::Impl {
  Impl(Runtime& runtime, ServerOptions options, Router router)
      : io(runtime.io()),
        core(std::make_shared<net_detail::ServerCore>(std::move(options), std::move(router))),
        // The acceptor lives on a strand of its own so that stop() can close it from any thread.
        acceptor(asio::make_strand(io)) {}

  static Task<void> accept_loop(std::shared_ptr<Impl> self) {
    for (;;) {
      // Each connection gets its own strand: its coroutine, timers and closer never run
      // concurrently, while different connections use all the runtime's threads.
      auto [ec, socket] = co_await self->acceptor.async_accept(
          asio::any_io_executor(asio::make_strand(self->io)), asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) co_return;
        spdlog::warn("accept failed: {}", ec.message());
        // Typically out of file descriptors: pause instead of spinning on the same error.
        asio::steady_timer pause(self->acceptor.get_executor(), std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      net_detail::serve_connection(self->core, std::move(socket));
    }
  }

  asio::io_context& io;
  std::shared_ptr<net_detail::ServerCore> core;
  tcp::acceptor acceptor;
  std::uint16_t port = 0;
  std::atomic<bool> started{false};
};

HttpServer::HttpServer(Runtime& runtime, ServerOptions options, Router router) {
  if (!options.render_limit_error || !options.render_internal_error) {
    throw std::invalid_argument("ServerOptions needs render_limit_error and render_internal_error");
  }
  const std::optional<TlsFiles> tls_files = options.tls;
  const std::string host = options.host;
  const std::uint16_t requested_port = options.port;
  impl_ = std::make_shared<Impl>(runtime, std::move(options), std::move(router));
  if (tls_files) impl_->core->tls.emplace(make_server_tls(*tls_files));

  const auto endpoint = listen_endpoint(impl_->io, host, requested_port);
  auto& acceptor = impl_->acceptor;
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(requested_port) +
                             ": " + ec.message());
  }
  impl_->port = acceptor.local_endpoint().port();
}

HttpServer::~HttpServer() {
  stop();
}

std::uint16_t HttpServer::port() const {
  return impl_->port;
}

void HttpServer::start() {
  if (impl_->started.exchange(true)) return;
  asio::co_spawn(impl_->acceptor.get_executor(), Impl::accept_loop(impl_),
                 [](const std::exception_ptr& failure) {
                   if (!failure) return;
                   try {
                     std::rethrow_exception(failure);
                   } catch (const std::exception& e) {
                     spdlog::critical("accept loop failed: {}", e.what());
                   }
                 });
}

void HttpServer::stop() {
  impl_->core->stopping = true;
  asio::post(impl_->acceptor.get_executor(), [self = impl_] {
    boost::system::error_code ignored;
    self->acceptor.close(ignored);
  });
  impl_->core->close_idle_connections();
}

std::size_t HttpServer::open_connections() const {
  return impl_->core->open_connections;
}

}  // namespace ciamd
