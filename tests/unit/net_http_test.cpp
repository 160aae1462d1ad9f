// net: HttpServer and HttpClient against each other (and against raw sockets) on loopback.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <future>
#include <stdexcept>
#include <vector>

#include "net/client.hpp"
#include "net/server.hpp"
#include "unit/net_test_support.hpp"

namespace ciamd {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

int status_for(LimitError error) {
  switch (error) {
    case LimitError::kHeaderTooLarge:
      return 431;
    case LimitError::kBodyTooLarge:
      return 413;
    case LimitError::kTimeout:
      return 408;
    case LimitError::kMalformed:
      return 400;
  }
  return 500;
}

ServerOptions test_options() {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.max_header_bytes = 2048;
  options.max_body_bytes = 1024;
  options.read_timeout = 200ms;
  options.render_limit_error = [](LimitError error, std::string_view x_l) {
    return HttpResponse::json(status_for(error), "limit x_l=" + std::string(x_l));
  };
  options.render_internal_error = [](std::string_view x_l) {
    return HttpResponse::json(500, "internal x_l=" + std::string(x_l));
  };
  return options;
}

Router test_router() {
  Router router;
  router.add("GET", "/hello", [](const HttpRequest& request) -> Task<HttpResponse> {
    auto response = HttpResponse::json(200, request.request_id);
    response.headers.set("X-Peer", request.peer_address);
    response.headers.set("X-Query", form_value(request.query, "name"));
    response.headers.set("X-Path", request.path);
    co_return response;
  });
  router.add("HEAD", "/hello", [](const HttpRequest& request) -> Task<HttpResponse> {
    co_return HttpResponse::json(200, request.request_id);
  });
  router.add("POST", "/echo", [](const HttpRequest& request) -> Task<HttpResponse> {
    auto response = HttpResponse::json(201, request.body);
    response.headers.set("X-Echo-Type", std::string(request.headers.get("content-type")));
    co_return response;
  });
  router.add("GET", "/boom", [](const HttpRequest&) -> Task<HttpResponse> {
    throw std::runtime_error("handler bug");
    co_return HttpResponse::empty(200);
  });
  router.add("GET", "/slow", [](const HttpRequest&) -> Task<HttpResponse> {
    asio::steady_timer timer(co_await asio::this_coro::executor, 5s);
    co_await timer.async_wait(asio::use_awaitable);
    co_return HttpResponse::empty(200);
  });
  return router;
}

class ServerClientTest : public testing::LiveRuntime {
 protected:
  ServerClientTest() : server_(runtime_, test_options(), test_router()) { server_.start(); }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + path;
  }
  ClientResponse send(HttpClient& client, ClientRequest request) {
    return await(client.send(std::move(request)));
  }

  HttpServer server_;
};

TEST_F(ServerClientTest, GetRoundTripFillsTheRequest) {
  HttpClient client(runtime_, ClientOptions{});
  const auto response = send(client, {"GET", url("/hello?name=a+b%21"), {}, ""});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.headers.get("content-type"), "application/json");
  EXPECT_EQ(response.headers.get("X-Peer"), "127.0.0.1");
  EXPECT_EQ(response.headers.get("X-Query"), "a b!");
  EXPECT_EQ(response.headers.get("X-Path"), "/hello");
  // The request id the handler saw is the one echoed in X-Request-Id.
  ASSERT_EQ(response.body.size(), 16U);
  EXPECT_EQ(response.body.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(response.headers.get("X-Request-Id"), response.body);
  EXPECT_EQ(response.headers.get("Content-Length"), "16");
}

TEST_F(ServerClientTest, PostRoundTripAndMissOnUnknownPath) {
  HttpClient client(runtime_, ClientOptions{});
  Headers headers;
  headers.set("Content-Type", "text/plain");
  const auto response = send(client, {"POST", url("/echo"), headers, "ping"});
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, "ping");
  EXPECT_EQ(response.headers.get("X-Echo-Type"), "text/plain");
  EXPECT_EQ(send(client, {"GET", url("/nowhere"), {}, ""}).status, 404);
}

TEST_F(ServerClientTest, KeepAliveReusesOneConnection) {
  HttpClient client(runtime_, ClientOptions{});
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    const auto response = send(client, {"GET", url("/hello"), {}, ""});
    ASSERT_EQ(response.status, 200);
    ids.push_back(response.body);
    EXPECT_EQ(server_.open_connections(), 1U);
  }
  EXPECT_NE(ids[0], ids[1]);  // a fresh request id per request, not per connection
}

TEST_F(ServerClientTest, ConcurrentRequestsFromManyCoroutines) {
  HttpClient client(runtime_, ClientOptions{});
  std::vector<std::future<ClientResponse>> pending;
  for (int i = 0; i < 16; ++i) {
    pending.push_back(asio::co_spawn(
        asio::make_strand(runtime_.io()),
        client.send({"POST", url("/echo"), {}, "body " + std::to_string(i)}), asio::use_future));
  }
  for (int i = 0; i < 16; ++i) {
    const auto response = pending[static_cast<std::size_t>(i)].get();
    EXPECT_EQ(response.status, 201);
    EXPECT_EQ(response.body, "body " + std::to_string(i));
  }
  EXPECT_LE(server_.open_connections(), 16U);
}

TEST_F(ServerClientTest, HeaderTooLargeGetsTheRenderedLimitError) {
  HttpClient client(runtime_, ClientOptions{});
  Headers headers;
  headers.set("X-Padding", std::string(4096, 'p'));
  headers.set("X-L", "zh-CN");
  const auto response = send(client, {"GET", url("/hello"), headers, ""});
  EXPECT_EQ(response.status, 431);
  EXPECT_EQ(response.body, "limit x_l=");  // the header was never fully read
  EXPECT_EQ(response.headers.get("Connection"), "close");
  EXPECT_EQ(response.headers.get("X-Request-Id").size(), 16U);
}

TEST_F(ServerClientTest, BodyTooLargeGetsTheRenderedLimitErrorWithXL) {
  HttpClient client(runtime_, ClientOptions{});
  Headers headers;
  headers.set("X-L", "en");
  const auto response = send(client, {"POST", url("/echo"), headers, std::string(8192, 'b')});
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.body, "limit x_l=en");
  EXPECT_EQ(response.headers.get("Connection"), "close");
  // The client is still good for the next call (on a new connection).
  EXPECT_EQ(send(client, {"POST", url("/echo"), {}, "small"}).body, "small");
}

TEST_F(ServerClientTest, ThrowingHandlerGetsTheInternalError) {
  HttpClient client(runtime_, ClientOptions{});
  Headers headers;
  headers.set("X-L", "zh-CN");
  const auto response = send(client, {"GET", url("/boom"), headers, ""});
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body, "internal x_l=zh-CN");
  EXPECT_EQ(response.body.find("handler bug"), std::string::npos);
  // The connection survives a failing handler.
  EXPECT_EQ(send(client, {"GET", url("/hello"), {}, ""}).status, 200);
  EXPECT_EQ(server_.open_connections(), 1U);
}

TEST_F(ServerClientTest, ClientTimesOutOnASlowHandler) {
  ClientOptions options;
  options.request_timeout = 200ms;
  HttpClient client(runtime_, options);
  try {
    send(client, {"GET", url("/slow"), {}, ""});
    FAIL() << "expected a timeout";
  } catch (const UpstreamError& e) {
    EXPECT_EQ(e.kind(), UpstreamError::Kind::kTimeout) << e.what();
  }
}

TEST_F(ServerClientTest, ConnectionRefusedIsAConnectError) {
  std::uint16_t closed_port = 0;
  {
    asio::io_context io;
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    closed_port = probe.local_endpoint().port();
  }
  HttpClient client(runtime_, ClientOptions{});
  try {
    send(client, {"GET", "http://127.0.0.1:" + std::to_string(closed_port) + "/", {}, ""});
    FAIL() << "expected a connect error";
  } catch (const UpstreamError& e) {
    EXPECT_EQ(e.kind(), UpstreamError::Kind::kConnect) << e.what();
  }
}

TEST_F(ServerClientTest, OversizedResponseIsAProtocolError) {
  ClientOptions options;
  options.max_response_bytes = 8;  // /hello answers with 16 bytes
  HttpClient client(runtime_, options);
  try {
    send(client, {"GET", url("/hello"), {}, ""});
    FAIL() << "expected a protocol error";
  } catch (const UpstreamError& e) {
    EXPECT_EQ(e.kind(), UpstreamError::Kind::kProtocol) << e.what();
  }
}

TEST_F(ServerClientTest, BadUrlIsAnInvalidArgument) {
  HttpClient client(runtime_, ClientOptions{});
  EXPECT_THROW(send(client, {"GET", "ftp://127.0.0.1/", {}, ""}), std::invalid_argument);
  EXPECT_THROW(send(client, {"GET", "/relative", {}, ""}), std::invalid_argument);
}

// A blocking client socket for sending what HttpClient never would.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  void send(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }
  // Everything the server sends until it closes the connection.
  std::string read_to_end() {
    std::string data;
    boost::system::error_code ec;
    asio::read(socket_, asio::dynamic_buffer(data), ec);
    return data;
  }
  // One response whose body is `body_size` bytes long.
  std::string read_response(std::size_t body_size) {
    std::string data;
    const auto header_end = asio::read_until(socket_, asio::dynamic_buffer(data), "\r\n\r\n");
    if (data.size() < header_end + body_size) {
      asio::read(socket_, asio::dynamic_buffer(data),
                 asio::transfer_exactly(header_end + body_size - data.size()));
    }
    return data;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
};

TEST_F(ServerClientTest, MalformedRequestGetsTheRenderedError) {
  RawConnection raw(server_.port());
  raw.send("\x01\x02 / HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto response = raw.read_to_end();
  EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0U) << response;
  EXPECT_NE(response.find("Connection: close"), std::string::npos);
}

TEST_F(ServerClientTest, PartialRequestTimesOutWithTheRenderedError) {
  RawConnection raw(server_.port());
  raw.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-L: en\r\n");  // never finished
  const auto response = raw.read_to_end();
  EXPECT_EQ(response.rfind("HTTP/1.1 408", 0), 0U) << response;
  EXPECT_NE(response.find("Connection: close"), std::string::npos);
  EXPECT_NE(response.find("X-Request-Id: "), std::string::npos);
}

TEST_F(ServerClientTest, SilentConnectionIsClosedWithoutAResponse) {
  RawConnection raw(server_.port());
  EXPECT_EQ(raw.read_to_end(), "");
}

TEST_F(ServerClientTest, StopClosesIdleKeepAliveConnections) {
  RawConnection raw(server_.port());
  raw.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto response = raw.read_response(16);
  EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0U) << response;
  EXPECT_EQ(response.find("Connection: close"), std::string::npos);
  server_.stop();
  EXPECT_EQ(raw.read_to_end(), "");  // closed by stop(), long before any idle timeout
}

TEST_F(ServerClientTest, HttpOneZeroClientGetsConnectionClose) {
  RawConnection raw(server_.port());
  raw.send("GET /hello HTTP/1.0\r\n\r\n");
  const auto response = raw.read_to_end();
  EXPECT_EQ(response.rfind("HTTP/1.0 200", 0), 0U) << response;
}

TEST_F(ServerClientTest, HeadResponseHasLengthButNoBody) {
  RawConnection raw(server_.port());
  raw.send(
      "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const auto response = raw.read_to_end();
  const auto head_end = response.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << response;
  EXPECT_NE(response.substr(0, head_end).find("Content-Length: 16"), std::string::npos);
  // The next response starts right after the HEAD response's header block.
  EXPECT_EQ(response.substr(head_end + 4, 12), "HTTP/1.1 200") << response;
}

TEST_F(ServerClientTest, PipelinedRequestsAreAnsweredInOrder) {
  RawConnection raw(server_.port());
  raw.send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\ntwo");
  const auto response = raw.read_to_end();
  const auto first = response.find("one");
  const auto second = response.find("two");
  ASSERT_NE(first, std::string::npos) << response;
  ASSERT_NE(second, std::string::npos) << response;
  EXPECT_LT(first, second);
}

// --- RFC 9112 framing and syntax (issue 16) ------------------------------------------------------

// How many responses `bytes` holds: each starts with a status line.
std::size_t count_responses(const std::string& bytes) {
  std::size_t n = 0;
  for (auto at = bytes.find("HTTP/1."); at != std::string::npos;
       at = bytes.find("HTTP/1.", at + 1)) {
    ++n;
  }
  return n;
}

// Sends `request` followed by a second, innocent request on the same connection, and expects one
// 400 with "Connection: close" and nothing else: the bytes after a request whose framing cannot be
// trusted must never be answered as a request of their own.
void expect_refused_and_closed(std::uint16_t port, const std::string& request) {
  RawConnection raw(port);
  raw.send(request + "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const auto response = raw.read_to_end();
  EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0U) << request << "\n--- got:\n" << response;
  EXPECT_NE(response.find("Connection: close"), std::string::npos) << request;
  EXPECT_EQ(count_responses(response), 1U) << request << "\n--- got:\n" << response;
}

TEST_F(ServerClientTest, TransferEncodingOtherThanChunkedIsRefusedAndCloses) {
  for (const char* coding : {"gzip", "xchunked", "identity", "chunked, identity", "gzip, chunked",
                             "chunked, chunked", "chunked;q=1", ""}) {
    expect_refused_and_closed(server_.port(), std::string("POST /echo HTTP/1.1\r\nHost: x\r\n") +
                                                  "Transfer-Encoding: " + coding + "\r\n\r\n");
  }
  // Two Transfer-Encoding lines are a list too, whatever each says.
  expect_refused_and_closed(server_.port(),
                            "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n3\r\none\r\n0\r\n\r\n");
}

TEST_F(ServerClientTest, ChunkedBodyIsStillRead) {
  for (const char* coding : {"chunked", "Chunked", "CHUNKED"}) {
    RawConnection raw(server_.port());
    raw.send(std::string("POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n") +
             "Transfer-Encoding: " + coding + "\r\n\r\n3\r\none\r\n0\r\n\r\n");
    const auto response = raw.read_to_end();
    EXPECT_EQ(response.rfind("HTTP/1.1 201", 0), 0U) << coding << ": " << response;
    EXPECT_TRUE(response.ends_with("\r\n\r\none")) << response;
  }
}

TEST_F(ServerClientTest, TransferEncodingInHttpOneZeroIsRefused) {
  RawConnection raw(server_.port());
  raw.send("POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\none\r\n0\r\n\r\n");
  const auto response = raw.read_to_end();
  EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0U) << response;
  EXPECT_EQ(count_responses(response), 1U) << response;
}

// RFC 9112 6.3 point 3: with both, the length is ambiguous to some intermediary, whichever wins.
TEST_F(ServerClientTest, TransferEncodingWithContentLengthIsRefused) {
  expect_refused_and_closed(server_.port(),
                            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  expect_refused_and_closed(server_.port(),
                            "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                            "Content-Length: 5\r\n\r\n0\r\n\r\n");
  expect_refused_and_closed(server_.port(),
                            "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n"
                            "Content-Length: 5\r\n\r\nhello");
}

TEST_F(ServerClientTest, MissingOrRepeatedHostIsRefused) {
  expect_refused_and_closed(server_.port(), "GET /hello HTTP/1.1\r\n\r\n");
  expect_refused_and_closed(server_.port(), "GET /hello HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n");
  expect_refused_and_closed(server_.port(), "GET /hello HTTP/1.1\r\nHost: x\r\nhost: x\r\n\r\n");
  // RFC 9112 3.2: more than one Host is an error in any version; none is only one in HTTP/1.1.
  RawConnection raw(server_.port());
  raw.send("GET /hello HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n");
  EXPECT_EQ(raw.read_to_end().rfind("HTTP/1.1 400", 0), 0U);
}

TEST_F(ServerClientTest, ObsFoldIsRefusedOnEveryHeader) {
  for (const char* fold :
       {"X-Note: a\r\n b\r\n", "X-Note: a\r\n\tb\r\n", "X-Note:\r\n b\r\n", "X-L: zh\r\n -CN\r\n",
        "Content-Type: application/json\r\n ;a=b\r\n", "X-client-id: abc\r\n def\r\n"}) {
    expect_refused_and_closed(server_.port(),
                              std::string("GET /hello HTTP/1.1\r\nHost: x\r\n") + fold + "\r\n");
  }
  // Folding the Host header itself, or whitespace before the first header line.
  expect_refused_and_closed(server_.port(), "GET /hello HTTP/1.1\r\nHost: x\r\n y\r\n\r\n");
  expect_refused_and_closed(server_.port(), "GET /hello HTTP/1.1\r\n Host: x\r\n\r\n");
}

// RFC 9112 3.2.2: a server must accept absolute-form; the target's authority replaces Host, and the
// request is routed by the target's path.
TEST_F(ServerClientTest, AbsoluteFormTargetIsRoutedByItsPath) {
  for (const char* target :
       {"http://example.test/hello?name=z", "HTTPS://example.test:8443/hello?name=z"}) {
    RawConnection raw(server_.port());
    raw.send(std::string("GET ") + target +
             " HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n");
    const auto response = raw.read_to_end();
    EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0U) << target << ": " << response;
    EXPECT_NE(response.find("X-Path: /hello\r\n"), std::string::npos) << response;
    EXPECT_NE(response.find("X-Query: z\r\n"), std::string::npos) << response;
  }
}

TEST_F(ServerClientTest, OtherRequestTargetsAreRefused) {
  for (const char* target : {"hello", "ftp://example.test/hello", "http://user@example.test/hello",
                             "http:///hello", "*"}) {
    expect_refused_and_closed(server_.port(),
                              std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
  }
}

class StaleConnectionTest : public testing::LiveRuntime {};

// A server that answers one request per connection (keep-alive, by HTTP/1.1 default) and then
// hangs up, so the client's pooled connection is always stale by the next request. It serves
// `connections` connections, counting them in `accepted`.
std::jthread serve_one_request_per_connection(asio::io_context& io, tcp::acceptor& acceptor,
                                              std::atomic<int>& accepted, int connections) {
  return std::jthread([&io, &acceptor, &accepted, connections] {
    for (int i = 0; i < connections; ++i) {
      tcp::socket socket(io);
      boost::system::error_code ec;
      acceptor.accept(socket, ec);
      if (ec) return;
      ++accepted;
      std::string request;
      asio::read_until(socket, asio::dynamic_buffer(request), "\r\n\r\n", ec);
      const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      asio::write(socket, asio::buffer(response), ec);
    }
  });
}

TEST_F(StaleConnectionTest, StaleKeepAliveConnectionIsRetriedOnAFreshOne) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  std::atomic<int> accepted{0};
  std::jthread one_shot_server = serve_one_request_per_connection(io, acceptor, accepted, 2);

  HttpClient client(runtime_, ClientOptions{});
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  std::string first, second;
  EXPECT_NO_THROW(first = await(client.send({"GET", url, {}, ""})).body);
  EXPECT_NO_THROW(second = await(client.send({"GET", url, {}, ""})).body);
  if (accepted.load() < 2) {  // only when the client misbehaved: unblock the server thread
    tcp::socket unblock(io);
    boost::system::error_code ec;
    unblock.connect(acceptor.local_endpoint(), ec);
  }
  one_shot_server.join();
  EXPECT_EQ(first, "ok");
  EXPECT_EQ(second, "ok");
  EXPECT_EQ(accepted.load(), 2);
}

// A POST may carry a single-use code: on a stale pooled connection it fails rather than being sent
// a second time.
TEST_F(StaleConnectionTest, StalePooledConnectionIsNotRetriedForPost) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  std::atomic<int> accepted{0};
  std::jthread one_shot_server = serve_one_request_per_connection(io, acceptor, accepted, 1);

  HttpClient client(runtime_, ClientOptions{});
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  EXPECT_EQ(await(client.send({"GET", url, {}, ""})).body, "ok");
  one_shot_server.join();  // the server hung up: the pooled connection is stale
  try {
    await(client.send({"POST", url, {}, "{}"}));
    ADD_FAILURE() << "a POST on a stale connection must not be retried";
  } catch (const UpstreamError& e) {
    EXPECT_EQ(e.kind(), UpstreamError::Kind::kConnect);
  }
  EXPECT_EQ(accepted.load(), 1);
}

}  // namespace
}  // namespace ciamd
