#include "net/client_connection.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace ciamd::net_detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using Kind = UpstreamError::Kind;

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
using TlsStream = asio::ssl::stream<beast::tcp_stream>;

UpstreamError failure(const beast::error_code& ec, const std::string& doing, Kind otherwise) {
  const Kind kind = ec == beast::error::timeout ? Kind::kTimeout : otherwise;
  return UpstreamError(kind, doing + ": " + ec.message());
}

// Failures after the connection is up: the peer hung up or reset (kConnect), TLS broke (kTls),
// or the bytes were not an acceptable HTTP response, including one over the size limit
// (kProtocol).
Kind exchange_failure_kind(const beast::error_code& ec) {
  if (ec == http::error::end_of_stream) return Kind::kConnect;
  if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
    return Kind::kProtocol;
  }
  if (ec.category() == asio::error::get_ssl_category() ||
      ec.category() == asio::ssl::error::get_stream_category()) {
    return Kind::kTls;
  }
  return Kind::kConnect;
}

// A resolve that can be abandoned at a deadline. getaddrinfo itself cannot be interrupted, so
// the wait is on a timer that the resolver's completion cancels; on timeout the lookup finishes
// in the background, owning this state.
struct PendingResolve {
  explicit PendingResolve(const asio::any_io_executor& executor)
      : resolver(executor), done(executor) {}
  tcp::resolver resolver;
  asio::steady_timer done;
  beast::error_code ec;
  tcp::resolver::results_type results;
  bool finished = false;
};

template <class Stream>
class Connection final : public ClientConnection {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Connection(const asio::any_io_executor& strand, asio::ssl::context* tls)
      : stream_(make_stream(strand, tls)) {}

  asio::any_io_executor executor() override { return stream_.get_executor(); }

  Task<Exchange> open_and_exchange(const Origin& origin,
                                   std::shared_ptr<const OutboundMessage> message,
                                   const ClientOptions& options) override {
    co_await connect(origin, options.connect_timeout);
    auto result = co_await exchange(origin, *message, options, /*reused=*/false);
    co_return std::move(*result);  // a fresh connection never reports itself stale
  }

  Task<std::optional<Exchange>> exchange_reused(const Origin& origin,
                                                std::shared_ptr<const OutboundMessage> message,
                                                const ClientOptions& options) override {
    co_return co_await exchange(origin, *message, options, /*reused=*/true);
  }

 private:
  static Stream make_stream(const asio::any_io_executor& strand, asio::ssl::context* tls) {
    if constexpr (kTls) {
      return Stream(strand, *tls);
    } else {
      return Stream(strand);
    }
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  Task<void> connect(const Origin& origin, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const auto endpoints = co_await resolve(origin, deadline);
    lowest().expires_at(deadline);
    auto [ec, endpoint] = co_await lowest().async_connect(endpoints, kAwait);
    if (ec) throw failure(ec, "connecting to " + origin.describe(), Kind::kConnect);
    if constexpr (kTls) {
      prepare_tls(origin.host);
      auto [handshake_ec] =
          co_await stream_.async_handshake(asio::ssl::stream_base::client, kAwait);
      if (handshake_ec) {
        throw failure(handshake_ec, "TLS handshake with " + origin.describe(), Kind::kTls);
      }
    }
  }

  Task<tcp::resolver::results_type> resolve(const Origin& origin,
                                            std::chrono::steady_clock::time_point deadline) {
    auto pending = std::make_shared<PendingResolve>(executor());
    pending->done.expires_at(deadline);
    // Both completions run on this connection's strand, so `finished` needs no lock.
    pending->resolver.async_resolve(
        origin.host, origin.port,
        [pending](const beast::error_code& ec, const tcp::resolver::results_type& results) {
          pending->ec = ec;
          pending->results = std::move(results);
          pending->finished = true;
          pending->done.cancel();
        });
    co_await pending->done.async_wait(kAwait);
    if (!pending->finished) {
      pending->resolver.cancel();
      throw UpstreamError(Kind::kTimeout, "resolving " + origin.describe() + ": timed out");
    }
    if (pending->ec) throw failure(pending->ec, "resolving " + origin.describe(), Kind::kConnect);
    co_return std::move(pending->results);
  }

  void prepare_tls(const std::string& host) requires kTls {
    stream_.set_verify_mode(asio::ssl::verify_peer);
    stream_.set_verify_callback(asio::ssl::host_name_verification(host));
    beast::error_code not_an_address;
    asio::ip::make_address(host, not_an_address);
    // SNI carries host names only (RFC 6066); an IP literal is verified against the certificate's
    // IP addresses instead.
    if (not_an_address && SSL_set_tlsext_host_name(stream_.native_handle(), host.c_str()) != 1) {
      throw UpstreamError(Kind::kTls, "cannot set SNI for " + host);
    }
  }

  Task<std::optional<Exchange>> exchange(const Origin& origin, const OutboundMessage& message,
                                         const ClientOptions& options, bool reused) {
    // One deadline for writing the request and reading the whole response.
    lowest().expires_after(options.request_timeout);
    auto [write_ec, written] = co_await http::async_write(stream_, message, kAwait);
    if (write_ec) {
      if (reused && write_ec != beast::error::timeout) co_return std::nullopt;
      throw failure(write_ec, "sending to " + origin.describe(), exchange_failure_kind(write_ec));
    }

    http::response_parser<http::string_body> parser;
    const auto header_limit = std::min<std::size_t>(options.max_response_bytes,
                                                    std::numeric_limits<std::uint32_t>::max());
    parser.header_limit(static_cast<std::uint32_t>(header_limit));
    parser.body_limit(options.max_response_bytes);
    auto [read_ec, read] = co_await http::async_read(stream_, buffer_, parser, kAwait);
    if (read_ec) {
      const bool nothing_arrived = !parser.got_some() && buffer_.size() == 0;
      if (reused && read_ec != beast::error::timeout && nothing_arrived) co_return std::nullopt;
      throw failure(read_ec, "reading from " + origin.describe(), exchange_failure_kind(read_ec));
    }

    Exchange out;
    // parser.keep_alive() also says no when the body was delimited by the server closing.
    out.reusable = parser.keep_alive() && buffer_.size() == 0;
    auto response = parser.release();
    out.response.status = static_cast<int>(response.result_int());
    for (const auto& field : response) {
      out.response.headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    out.response.body = std::move(response.body());
    co_return out;
  }

  Stream stream_;
  beast::flat_buffer buffer_;
};

}  // namespace

std::shared_ptr<ClientConnection> make_client_connection(asio::io_context& io,
                                                         asio::ssl::context* tls) {
  const asio::any_io_executor strand = asio::make_strand(io);
  if (tls) return std::make_shared<Connection<TlsStream>>(strand, tls);
  return std::make_shared<Connection<beast::tcp_stream>>(strand, nullptr);
}

}  // namespace ciamd::net_detail
