#include "net/client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "exec/runtime.hpp"
#include "net/client_connection.hpp"

namespace ciamd {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using net_detail::ClientConnection;
using net_detail::Exchange;
using net_detail::OutboundMessage;

namespace {

struct Target {
  net_detail::Origin origin;
  std::string host_header;  // as written in the URL, brackets and explicit port included
  std::string path_and_query;
};

template <class StringView>
std::string str(const StringView& view) {
  return std::string(view.data(), view.size());
}

// Bad URLs are a bug or a configuration error, not an upstream failure, hence invalid_argument.
Target parse_target(const std::string& url) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) throw std::invalid_argument("HttpClient: not an absolute URL");
  const boost::urls::url_view& u = *parsed;
  Target target;
  if (u.scheme_id() == boost::urls::scheme::https) {
    target.origin.tls = true;
  } else if (u.scheme_id() != boost::urls::scheme::http) {
    throw std::invalid_argument("HttpClient: only http and https URLs are supported");
  }
  target.origin.host = u.host_address();
  if (target.origin.host.empty()) throw std::invalid_argument("HttpClient: URL without a host");
  target.origin.port = u.has_port() ? str(u.port()) : (target.origin.tls ? "443" : "80");
  target.host_header = str(u.encoded_host_and_port());
  target.path_and_query = str(u.encoded_path());
  if (target.path_and_query.empty()) target.path_and_query = "/";
  if (u.has_query()) target.path_and_query += "?" + str(u.encoded_query());
  return target;
}

OutboundMessage build_message(ClientRequest&& request, const Target& target) {
  OutboundMessage message;
  message.version(11);
  message.method_string(request.method);
  message.target(target.path_and_query);
  message.set(http::field::host, target.host_header);
  message.set(http::field::user_agent, "ciamd/0.1");
  for (const auto& [name, value] : request.headers.fields()) message.set(name, value);
  message.body() = std::move(request.body);
  message.prepare_payload();  // Content-Length from the body, whatever the caller set
  return message;
}

}  // namespace

struct HttpClient::Impl {
  Impl(Runtime& runtime, ClientOptions options_in)
      : io(runtime.io()), options(std::move(options_in)), tls(asio::ssl::context::tls_client) {
    tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                    asio::ssl::context::no_tlsv1_1 | asio::ssl::context::no_compression);
    tls.set_default_verify_paths();
    if (!options.ca_file.empty()) tls.load_verify_file(options.ca_file);
    tls.set_verify_mode(asio::ssl::verify_peer);
  }

  // The most recently used live connection to `key`, or null.
  std::shared_ptr<ClientConnection> take_idle(const std::string& key) {
    std::vector<std::shared_ptr<ClientConnection>> expired;
    std::shared_ptr<ClientConnection> found;
    {
      const std::lock_guard lock(mutex);
      const auto it = idle.find(key);
      if (it == idle.end()) return nullptr;
      auto& stack = it->second;  // oldest at the front
      const auto cutoff = std::chrono::steady_clock::now() - options.idle_keepalive;
      while (!stack.empty() && stack.front()->idle_since < cutoff) {
        expired.push_back(std::move(stack.front()));
        stack.pop_front();
      }
      if (!stack.empty()) {
        found = std::move(stack.back());
        stack.pop_back();
      }
    }
    for (auto& connection : expired) release(std::move(connection));
    return found;
  }

  void give_back(const std::string& key, std::shared_ptr<ClientConnection> connection) {
    if (options.max_idle_per_host == 0) return release(std::move(connection));
    connection->idle_since = std::chrono::steady_clock::now();
    std::shared_ptr<ClientConnection> evicted;
    {
      const std::lock_guard lock(mutex);
      auto& stack = idle[key];
      stack.push_back(std::move(connection));
      if (stack.size() > options.max_idle_per_host) {
        evicted = std::move(stack.front());
        stack.pop_front();
      }
    }
    if (evicted) release(std::move(evicted));
  }

  // Destroys a connection on its own strand, after anything the stream still has queued there.
  static void release(std::shared_ptr<ClientConnection> connection) {
    auto executor = connection->executor();
    asio::post(executor, [doomed = std::move(connection)] {});
  }

  asio::io_context& io;
  const ClientOptions options;
  asio::ssl::context tls;  // declared before `idle`: pooled TLS streams refer to it
  std::mutex mutex;
  std::unordered_map<std::string, std::deque<std::shared_ptr<ClientConnection>>> idle;
};

HttpClient::HttpClient(Runtime& runtime, ClientOptions options)
    : impl_(std::make_shared<Impl>(runtime, std::move(options))) {}

HttpClient::~HttpClient() = default;

Metrics* HttpClient::metrics() const {
  return impl_->options.metrics;
}

Task<ClientResponse> HttpClient::send(ClientRequest request) {
  // A copy, so that a call still in flight keeps the pool and TLS context alive on its own.
  const std::shared_ptr<Impl> impl = impl_;
  const Target target = parse_target(request.url);
  // RFC 9110 9.2.2: only idempotent requests are sent again automatically. A POST may carry a
  // single-use code that the provider spent before the connection dropped.
  const bool idempotent = request.method == "GET" || request.method == "HEAD";
  const auto message =
      std::make_shared<const OutboundMessage>(build_message(std::move(request), target));
  const std::string key = target.origin.describe();

  std::optional<Exchange> result;
  std::shared_ptr<ClientConnection> connection = impl->take_idle(key);
  if (connection) {
    result = co_await asio::co_spawn(
        connection->executor(), connection->exchange_reused(target.origin, message, impl->options),
        asio::use_awaitable);
  }
  if (!result && connection && !idempotent) {
    Impl::release(std::move(connection));
    throw UpstreamError(UpstreamError::Kind::kConnect, "pooled connection to " + key +
                                                           " closed before answering a " +
                                                           std::string(message->method_string()));
  }
  if (!result) {  // no idle connection, or it was stale: once more on a fresh one
    connection =
        net_detail::make_client_connection(impl->io, target.origin.tls ? &impl->tls : nullptr);
    result = co_await asio::co_spawn(
        connection->executor(),
        connection->open_and_exchange(target.origin, message, impl->options), asio::use_awaitable);
  }
  if (result->reusable) {
    impl->give_back(key, std::move(connection));
  } else {
    Impl::release(std::move(connection));
  }
  co_return std::move(result->response);
}

}  // namespace ciamd
