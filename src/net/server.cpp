#include "net/server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
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

#include "exec/runtime.hpp"
#include "net/server_core.hpp"

namespace ciamd {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace net_detail {

std::uint64_t ServerCore::register_connection(std::function<void(ConnectionSignal)> on_signal) {
  const std::lock_guard lock(mutex_);
  const auto id = ++next_id_;
  connections_.emplace(id, std::move(on_signal));
  return id;
}

void ServerCore::unregister_connection(std::uint64_t id) {
  std::function<void()> hook;
  {
    const std::lock_guard lock(mutex_);
    if (connections_.erase(id) == 0 || !connections_.empty()) return;
    hook = on_empty_;
  }
  if (hook) hook();
}

void ServerCore::signal_connections(ConnectionSignal signal) {
  std::vector<std::function<void(ConnectionSignal)>> receivers;
  {
    const std::lock_guard lock(mutex_);
    receivers.reserve(connections_.size());
    for (const auto& [id, receiver] : connections_) receivers.push_back(receiver);
  }
  // Outside the lock: a receiver may drop the last reference to a connection, whose destructor
  // unregisters itself.
  for (const auto& receiver : receivers) receiver(signal);
}

std::size_t ServerCore::registered_connections() {
  const std::lock_guard lock(mutex_);
  return connections_.size();
}

void ServerCore::on_empty(std::function<void()> hook) {
  const std::lock_guard lock(mutex_);
  on_empty_ = std::move(hook);
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

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
  using Clock = std::chrono::steady_clock;

  Impl(Runtime& runtime, ServerOptions options, Router router)
      : io(runtime.io()),
        core(std::make_shared<net_detail::ServerCore>(std::move(options), std::move(router))),
        // The acceptor lives on a strand of its own so that stop() can close it from any thread.
        // The drain's state and timer share that strand, so they need no lock either.
        acceptor(asio::make_strand(io)),
        drain_timer(acceptor.get_executor()) {}

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
      // Registers the connection before the loop can end, so a drain that sees the loop ended
      // and no registered connection has really seen the last one.
      net_detail::serve_connection(self->core, std::move(socket));
    }
  }

  // Everything below runs on the acceptor's strand.

  // However the loop ended: a drain is only done once no new connection can appear.
  void accept_loop_ended() {
    accept_ended = true;
    check_drained();
  }

  void begin_drain(Clock::time_point deadline, std::function<void(const DrainResult&)> done) {
    if (drain_finished) {
      if (done) asio::post(io, [done = std::move(done), result = drain_result] { done(result); });
      return;
    }
    if (done) drain_waiters.push_back(std::move(done));
    if (!draining) {
      draining = true;
      drain_result.requests_in_flight = core->requests_in_flight;
      drain_result.connections_open = core->open_connections;
      responses_before_drain = core->responses_written;
      boost::system::error_code ignored;
      acceptor.close(ignored);
      // A server that was never started has no accept loop to wait for.
      if (!started.exchange(true)) accept_ended = true;
      core->on_empty([weak = weak_from_this()] {
        if (auto self = weak.lock()) {
          asio::post(self->acceptor.get_executor(), [self] { self->check_drained(); });
        }
      });
      core->signal_connections(net_detail::ConnectionSignal::kDrain);
      arm_drain_timer(deadline);
    } else if (deadline < drain_deadline) {
      arm_drain_timer(deadline);  // a second, more impatient request (a second signal)
    }
    check_drained();
  }

  void arm_drain_timer(Clock::time_point deadline) {
    drain_deadline = deadline;
    // Replacing the expiry cancels the earlier wait, whose handler then sees the error and returns.
    drain_timer.expires_at(deadline);
    drain_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->finish_drain(true);
    });
  }

  void check_drained() {
    if (draining && !drain_finished && accept_ended && core->registered_connections() == 0) {
      finish_drain(false);
    }
  }

  void finish_drain(bool timed_out) {
    if (drain_finished) return;
    drain_finished = true;
    drain_timer.cancel();
    core->on_empty(nullptr);
    if (timed_out) {
      drain_result.timed_out = true;
      drain_result.connections_cut = core->registered_connections();
      core->signal_connections(net_detail::ConnectionSignal::kForceClose);
    }
    drain_result.responses_written = core->responses_written - responses_before_drain;
    // Posted, never called here: a caller's `done` may take locks or stop the runtime.
    for (auto& done : drain_waiters) {
      asio::post(io, [done = std::move(done), result = drain_result] { done(result); });
    }
    drain_waiters.clear();
  }

  asio::io_context& io;
  std::shared_ptr<net_detail::ServerCore> core;
  tcp::acceptor acceptor;
  std::uint16_t port = 0;
  std::atomic<bool> started{false};

  asio::steady_timer drain_timer;
  bool accept_ended = false;
  bool draining = false;
  bool drain_finished = false;
  Clock::time_point drain_deadline;
  std::uint64_t responses_before_drain = 0;
  DrainResult drain_result;
  std::vector<std::function<void(const DrainResult&)>> drain_waiters;
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
                 asio::bind_executor(impl_->acceptor.get_executor(),
                                     [self = impl_](const std::exception_ptr& failure) {
                                       self->accept_loop_ended();
                                       if (!failure) return;
                                       try {
                                         std::rethrow_exception(failure);
                                       } catch (const std::exception& e) {
                                         spdlog::critical("accept loop failed: {}", e.what());
                                       }
                                     }));
}

void HttpServer::stop() {
  impl_->core->stopping = true;
  asio::post(impl_->acceptor.get_executor(), [self = impl_] {
    boost::system::error_code ignored;
    self->acceptor.close(ignored);
  });
  impl_->core->signal_connections(net_detail::ConnectionSignal::kDrain);
}

void HttpServer::drain(std::chrono::milliseconds timeout,
                       std::function<void(const DrainResult&)> done) {
  // Set here rather than on the strand, so a request that ends from now on already answers with
  // "Connection: close".
  impl_->core->stopping = true;
  const auto deadline = Impl::Clock::now() + timeout;
  asio::post(impl_->acceptor.get_executor(), [self = impl_, deadline, done = std::move(done)] {
    self->begin_drain(deadline, done);
  });
}

std::size_t HttpServer::open_connections() const {
  return impl_->core->open_connections;
}

std::size_t HttpServer::requests_in_flight() const {
  return impl_->core->requests_in_flight;
}

}  // namespace ciamd
