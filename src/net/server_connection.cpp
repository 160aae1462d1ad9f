// One server connection: an optional TLS handshake, then requests until the connection ends.
//
// Timeouts. Beast's tcp_stream closes the socket when its expiry fires, which suits the phases
// whose timeout simply ends the connection (handshake, waiting for the next request, writing,
// lingering close). While a request is being read, though, a timeout must still be answered with
// the rendered kTimeout response, so that phase uses a separate deadline timer that only cancels
// the pending read and leaves the socket usable.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <string_view>
#include <type_traits>

#include "net/request_reader.hpp"
#include "net/server_core.hpp"

namespace ciamd::net_detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = std::size_t{16} * 1024;
// After a "Connection: close" response: how long, and how much, the client may keep sending
// before we close regardless.
constexpr auto kLingerTimeout = 2s;
constexpr std::size_t kMaxLingerBytes = std::size_t{1024} * 1024;
// During a drain, how long a connection that has not sent its first request yet may take to do so.
// Its client connected before the listener closed and has usually sent the request already (it may
// still be on its way), so closing at once would drop it; waiting for the full read_timeout would
// let a client that only pre-connected hold the shutdown up.
constexpr auto kDrainFirstRequestGrace = 500ms;

using TlsStream = asio::ssl::stream<beast::tcp_stream>;
using Parser = RequestParser;

// Framing belongs to the server: a handler's Content-Length or Connection would contradict the
// body and keep-alive decision made here.
bool is_framing_header(std::string_view name) {
  const auto lower_equals = [name](std::string_view expected) {
    return name.size() == expected.size() &&
           std::equal(name.begin(), name.end(), expected.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  };
  return lower_equals("content-length") || lower_equals("transfer-encoding") ||
         lower_equals("connection");
}

void log_if_failed(const std::exception_ptr& failure) {
  if (!failure) return;
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    spdlog::error("connection ended by an exception: {}", e.what());
  } catch (...) {
    spdlog::error("connection ended by a non-standard exception");
  }
}

template <class Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Connection(std::shared_ptr<ServerCore> core, tcp::socket socket, std::string peer)
      : core_(std::move(core)),
        stream_(make_stream(std::move(socket), *core_)),
        deadline_(stream_.get_executor()),
        peer_(std::move(peer)) {
    ++core_->open_connections;
  }

  ~Connection() {
    // Counted down first: unregistering the last connection may end a drain, whose caller may
    // then read open_connections.
    --core_->open_connections;
    core_->unregister_connection(registration_);
  }

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start() {
    registration_ =
        core_->register_connection([weak = this->weak_from_this()](ConnectionSignal signal) {
          if (auto self = weak.lock()) {
            asio::post(self->stream_.get_executor(), [self, signal] { self->on_signal(signal); });
          }
        });
    asio::co_spawn(stream_.get_executor(), run(this->shared_from_this()), log_if_failed);
  }

 private:
  enum class Next { kKeepAlive, kClose, kDrop };

  static Stream make_stream(tcp::socket&& socket, ServerCore& core) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *core.tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // `self` keeps the connection alive for as long as the coroutine runs.
  Task<void> run([[maybe_unused]] std::shared_ptr<Connection> self) {
    if constexpr (kTls) {
      lowest().expires_after(core_->options.read_timeout);
      auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, kAwait);
      if (ec) co_return;  // scanners, plain-HTTP clients, untrusting clients: nobody to answer
    }
    for (bool first = true;; first = false) {
      // A new connection gets read_timeout to start its request; an idle keep-alive one gets
      // idle_timeout. Either way, a client that sends nothing is closed without a response.
      const auto wait = first ? core_->options.read_timeout : core_->options.idle_timeout;
      if (!co_await wait_for_request(wait)) co_return;
      switch (co_await serve_one()) {
        case Next::kKeepAlive:
          served_any_ = true;
          continue;
        case Next::kClose:
          co_await close_gracefully();
          co_return;
        case Next::kDrop:
          co_return;
      }
    }
  }

  // Waits for the first bytes of the next request; false when the connection should just close.
  Task<bool> wait_for_request(std::chrono::milliseconds timeout) {
    if (buffer_.size() > 0) co_return true;  // a pipelined request is already here
    if (core_->stopping) {
      if (served_any_) co_return false;  // a keep-alive client can send its next one elsewhere
      timeout = std::min(timeout, std::chrono::milliseconds(kDrainFirstRequestGrace));
    }
    lowest().expires_after(timeout);
    idle_ = true;  // set in the same strand step that starts the read: see close_if_idle()
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), kAwait);
    idle_ = false;
    if (ec) co_return false;
    buffer_.commit(n);
    co_return true;
  }

  Task<Next> serve_one() {
    // Counted from the first byte to the end of the response, for the shutdown log.
    ++core_->requests_in_flight;
    struct InFlight {
      ServerCore& core;
      ~InFlight() { --core.requests_in_flight; }
    } in_flight{*core_};
    Parser parser;
    parser.header_limit(static_cast<std::uint32_t>(core_->options.max_header_bytes));
    parser.body_limit(core_->options.max_body_bytes);
    const beast::error_code ec = co_await read_request(parser);
    std::string request_id = new_request_id();

    if (ec) {
      const auto limit = classify_read_error(ec);
      if (!limit) co_return Next::kDrop;
      // The body limit is checked once every header field has been parsed, so X-L is there even
      // though the parser does not count the header as done.
      const bool have_fields = parser.is_header_done() || *limit == LimitError::kBodyTooLarge;
      const std::string x_l = have_fields ? std::string(parser.get()["X-L"]) : "";
      HttpResponse response = core_->options.render_limit_error(*limit, x_l);
      const bool written = co_await write(std::move(response), false, request_id, 11, false);
      co_return written ? Next::kClose : Next::kDrop;
    }

    auto message = parser.release();
    const unsigned version = message.version();
    const bool head = message.method() == http::verb::head;
    const bool client_keeps_alive = message.keep_alive();
    const HttpRequest request = to_request(std::move(message), std::move(request_id), peer_);
    HttpResponse response;
    try {
      std::optional<HttpResponse> refused;
      if (core_->options.screen_request) refused = core_->options.screen_request(request);
      // An if rather than ?: around co_await: GCC 12 mishandles the temporaries of the latter.
      if (refused) {
        response = std::move(*refused);
      } else {
        response = co_await core_->router.dispatch(request);
      }
    } catch (const std::exception& e) {
      spdlog::error("request {} failed: {}", request.request_id, e.what());
      response = core_->options.render_internal_error(request.headers.get("X-L"));
    }
    // Checked after the handler, so a stop() during a slow handler still closes this connection.
    const bool keep_alive = client_keeps_alive && !core_->stopping;
    if (!co_await write(std::move(response), keep_alive, request.request_id, version, head)) {
      co_return Next::kDrop;
    }
    co_return keep_alive ? Next::kKeepAlive : Next::kClose;
  }

  // Reads one whole request under read_timeout. A timeout is reported as beast::error::timeout.
  Task<beast::error_code> read_request(Parser& parser) {
    lowest().expires_never();  // the deadline below owns this phase
    arm_deadline(core_->options.read_timeout);
    beast::error_code ec = co_await read_header(parser);
    if (!ec) ec = check_header(parser.get());
    std::size_t ignored = 0;
    if (!ec && !parser.is_done() &&
        beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      http::response<http::empty_body> go_on{http::status::continue_, parser.get().version()};
      std::tie(ec, ignored) = co_await http::async_write(stream_, go_on, kAwait);
    }
    if (!ec && !parser.is_done()) {
      std::tie(ec, ignored) = co_await http::async_read(stream_, buffer_, parser, kAwait);
    }
    const bool timed_out = disarm_deadline();
    if (ec && timed_out) co_return beast::error::timeout;
    co_return ec;
  }

  // http::async_read_header, except that every header byte the parser consumes also goes through
  // a FoldDetector, which needs the raw bytes.
  Task<beast::error_code> read_header(Parser& parser) {
    FoldDetector folds;
    parser.eager(false);  // stop at the end of the header: body bytes are not header lines
    beast::error_code ec;
    for (;;) {
      if (feed_header(parser, folds, buffer_, ec)) co_return ec;  // whole, or not HTTP
      std::size_t n = 0;
      std::tie(ec, n) = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), kAwait);
      if (ec == asio::error::eof) {
        if (!parser.got_some()) co_return http::error::end_of_stream;
        parser.put_eof(ec);  // a request cut off in its header: partial_message
        co_return ec ? ec : beast::error_code(http::error::partial_message);
      }
      if (ec) co_return ec;
      buffer_.commit(n);
    }
  }

  void arm_deadline(std::chrono::milliseconds timeout) {
    timed_out_ = false;
    const auto generation = ++deadline_generation_;
    deadline_.expires_after(timeout);
    // Runs on this connection's strand (the timer's executor). The generation check makes a
    // firing that raced with disarm_deadline() harmless.
    deadline_.async_wait([weak = this->weak_from_this(), generation](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || generation != self->deadline_generation_) return;
      self->timed_out_ = true;
      self->lowest().cancel();
    });
  }

  bool disarm_deadline() {
    ++deadline_generation_;
    deadline_.cancel();
    return timed_out_;
  }

  // `head`: the response to a HEAD request keeps its Content-Length but carries no body.
  Task<bool> write(HttpResponse response, bool keep_alive, const std::string& request_id,
                   unsigned version, bool head) {
    http::response<http::string_body> message;
    message.version(version);
    message.result(static_cast<unsigned>(response.status));
    for (const auto& [name, value] : response.headers.fields()) {
      if (!is_framing_header(name)) message.insert(name, value);
    }
    message.set("X-Request-Id", request_id);
    message.body() = std::move(response.body);
    message.keep_alive(keep_alive);
    // A 304 has no body and no framing of its own (RFC 9110 8.6: a Content-Length there would have
    // to be the 200's); prepare_payload would add "Content-Length: 0".
    if (response.status != 304) message.prepare_payload();
    if (head) message.body().clear();
    // A client too slow to take the response within read_timeout is not worth waiting for.
    lowest().expires_after(core_->options.read_timeout);
    auto [ec, n] = co_await http::async_write(stream_, message, kAwait);
    if (!ec) ++core_->responses_written;
    co_return !ec;
  }

  Task<void> close_gracefully() {
    lowest().expires_after(kLingerTimeout);
    if constexpr (kTls) {
      co_await stream_.async_shutdown(kAwait);  // close_notify; errors change nothing now
    } else {
      // Lingering close: half-close, then discard what the client is still sending (the rest of an
      // oversized body, say). Closing with unread data would make the kernel send a RST, which can
      // destroy our response before the client has read it.
      beast::error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      std::array<char, 4096> scratch{};
      for (std::size_t drained = 0; !ec && drained < kMaxLingerBytes;) {
        std::size_t n = 0;
        std::tie(ec, n) = co_await lowest().async_read_some(asio::buffer(scratch), kAwait);
        drained += n;
      }
    }
    lowest().close();
  }

  // Called through a post to the strand by stop() and drain().
  void on_signal(ConnectionSignal signal) {
    if (signal == ConnectionSignal::kForceClose) {
      // The drain's time is up. Whatever the coroutine is awaiting fails and it ends; a handler
      // still running finds the socket closed when it tries to answer.
      lowest().close();
      return;
    }
    // kDrain: only a connection waiting for a request is cut; one in the middle of a request
    // finishes it (and then sees `stopping`).
    if (!idle_) return;
    if (served_any_) {
      // The client may have just sent its next request: if its bytes are here, the pending read
      // is about to complete and the request gets answered, so only a quiet connection is cut.
      // (A request still on the wire is the usual keep-alive race, which clients must handle.)
      beast::error_code ec;
      if (lowest().socket().available(ec) == 0 || ec) lowest().cancel();
      return;
    }
    // Connected, but its first request has not arrived: see kDrainFirstRequestGrace. The pending
    // read keeps its own, longer, expiry; this timer cuts it short unless the request arrives.
    const auto generation = ++deadline_generation_;
    deadline_.expires_after(kDrainFirstRequestGrace);
    deadline_.async_wait([weak = this->weak_from_this(), generation](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || generation != self->deadline_generation_ || !self->idle_) return;
      self->lowest().cancel();
    });
  }

  std::shared_ptr<ServerCore> core_;
  Stream stream_;
  beast::flat_buffer buffer_;
  asio::steady_timer deadline_;
  std::uint64_t deadline_generation_ = 0;
  bool timed_out_ = false;
  bool idle_ = false;
  bool served_any_ = false;  // a keep-alive connection that has answered at least one request
  std::string peer_;
  std::uint64_t registration_ = 0;
};

std::string peer_ip(asio::ip::address address) {
  // A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d; rate limits want a.b.c.d.
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

}  // namespace

void serve_connection(std::shared_ptr<ServerCore> core, tcp::socket socket) {
  beast::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  if (ec) return;  // the client left between accept and now
  if (core->tls) {
    std::make_shared<Connection<TlsStream>>(std::move(core), std::move(socket),
                                            peer_ip(peer.address()))
        ->start();
  } else {
    std::make_shared<Connection<beast::tcp_stream>>(std::move(core), std::move(socket),
                                                    peer_ip(peer.address()))
        ->start();
  }
}

}  // namespace ciamd::net_detail
