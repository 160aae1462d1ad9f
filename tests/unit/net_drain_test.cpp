// net: HttpServer::drain() on loopback, with raw client sockets so that each test controls exactly
// when a request is sent and sees exactly what the server answers (or that it closed).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "net/server.hpp"
#include "unit/net_test_support.hpp"

namespace ciamd {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

ServerOptions drain_options() {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.read_timeout = 5s;
  options.idle_timeout = 60s;  // far beyond any test: an idle close before it is the drain's doing
  options.render_limit_error = [](LimitError, std::string_view) {
    return HttpResponse::json(400, "limit");
  };
  options.render_internal_error = [](std::string_view) { return HttpResponse::json(500, "bug"); };
  return options;
}

// GET /sleep?ms=N answers 200 after N ms, holding no thread meanwhile (like a login waiting on an
// upstream); GET /hello answers at once.
Router drain_router() {
  Router router;
  router.add("GET", "/hello", [](const HttpRequest&) -> Task<HttpResponse> {
    co_return HttpResponse::json(200, "hello");
  });
  router.add("GET", "/sleep", [](const HttpRequest& request) -> Task<HttpResponse> {
    co_await sleep_for(std::chrono::milliseconds(std::stoi(form_value(request.query, "ms"))));
    co_return HttpResponse::json(200, "slept");
  });
  return router;
}

// A blocking loopback client on plain POSIX sockets whose every wait is bounded, so a server that
// never answers fails the test instead of hanging it.
class RawClient {
 public:
  // Connects; check connected() (a refused connection is an expected outcome in these tests).
  explicit RawClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      connect_errno_ = errno;
    }
  }
  ~RawClient() { close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connect_errno_ == 0; }
  // What a client does after a "Connection: close" response; until then the server lingers (up to
  // a bound) so that its response is not destroyed by a reset, and a drain counts the connection.
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int connect_errno() const { return connect_errno_; }

  void send(const std::string& bytes) const {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  void get(const std::string& target) const {
    send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
  }

  // Everything received until the server closes the connection or `within` passes; `closed`
  // tells which (a reset counts as closed).
  std::string read_to_end(std::chrono::milliseconds within, bool* closed = nullptr) const {
    return read_until([](const std::string&) { return false; }, within, closed);
  }
  // One response with a body of `body_size` bytes (the tests' bodies have known lengths).
  std::string read_response(std::size_t body_size, std::chrono::milliseconds within) const {
    return read_until(
        [body_size](const std::string& data) {
          const auto end = data.find("\r\n\r\n");
          return end != std::string::npos && data.size() >= end + 4 + body_size;
        },
        within, nullptr);
  }

 private:
  template <class Done>
  std::string read_until(Done done, std::chrono::milliseconds within, bool* closed) const {
    std::string data;
    const auto deadline = Clock::now() + within;
    if (closed != nullptr) *closed = false;
    while (!done(data)) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left <= 0ms) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) {
        if (closed != nullptr) *closed = true;
        break;
      }
      data.append(chunk, static_cast<std::size_t>(n));
    }
    return data;
  }

  int fd_ = -1;
  int connect_errno_ = 0;
};

// Polls `pred` every 5 ms for up to `within`.
template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds within = 2s) {
  const auto deadline = Clock::now() + within;
  while (!pred()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// A drain's `done`, observable from the test thread.
struct DrainWatch {
  std::shared_ptr<std::promise<DrainResult>> promise =
      std::make_shared<std::promise<DrainResult>>();
  std::future<DrainResult> future = promise->get_future();
  Clock::time_point started = Clock::now();

  std::function<void(const DrainResult&)> callback() const {
    return [promise = promise](const DrainResult& result) { promise->set_value(result); };
  }
  bool finished_within(std::chrono::milliseconds within) {
    return future.wait_for(within) == std::future_status::ready;
  }
  std::chrono::milliseconds took() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  }
};

class DrainTest : public testing::LiveRuntime {
 protected:
  DrainTest() : server_(runtime_, drain_options(), drain_router()) { server_.start(); }

  HttpServer server_;
};

// The response line and the body: the rest of a response varies (request id).
bool is_ok_and_closes(const std::string& response, std::string_view body) {
  return response.rfind("HTTP/1.1 200", 0) == 0 &&
         response.find("Connection: close\r\n") != std::string::npos &&
         response.ends_with(std::string("\r\n\r\n") + std::string(body));
}

TEST_F(DrainTest, SlowRequestInFlightFinishesWithItsResponse) {
  RawClient client(server_.port());
  ASSERT_TRUE(client.connected());
  client.get("/sleep?ms=300");
  ASSERT_TRUE(wait_until([&] { return server_.requests_in_flight() == 1; }));

  DrainWatch watch;
  server_.drain(5s, watch.callback());
  EXPECT_FALSE(watch.finished_within(50ms)) << "the drain must wait for the handler";

  bool closed = false;
  const std::string response = client.read_to_end(3s, &closed);
  EXPECT_TRUE(is_ok_and_closes(response, "slept")) << response;
  EXPECT_TRUE(closed) << "the server closes the connection after the response";
  client.close();

  ASSERT_TRUE(watch.finished_within(2s));
  const DrainResult result = watch.future.get();
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.requests_in_flight, 1U);
  EXPECT_EQ(result.connections_open, 1U);
  EXPECT_EQ(result.responses_written, 1U);
  EXPECT_EQ(result.connections_cut, 0U);
  EXPECT_EQ(server_.open_connections(), 0U);
}

TEST_F(DrainTest, NewConnectionsAreRefusedOnceTheDrainHasBegun) {
  RawClient slow(server_.port());
  ASSERT_TRUE(slow.connected());
  slow.get("/sleep?ms=1000");
  ASSERT_TRUE(wait_until([&] { return server_.requests_in_flight() == 1; }));

  DrainWatch watch;
  server_.drain(5s, watch.callback());
  // The listening socket is closed on the server's strand shortly after drain() returns. A connect
  // racing with that close may be reset instead (it was in the listen backlog, never accepted).
  EXPECT_TRUE(
      wait_until([&] { return RawClient(server_.port()).connect_errno() == ECONNREFUSED; }, 1s));
  EXPECT_FALSE(watch.finished_within(0ms)) << "refusing new connections while one is in flight";

  EXPECT_TRUE(is_ok_and_closes(slow.read_to_end(3s), "slept"));
  slow.close();
  ASSERT_TRUE(watch.finished_within(2s));
  EXPECT_FALSE(watch.future.get().timed_out);

  // After the drain: still refused, and a late drain() reports the same result at once.
  EXPECT_EQ(RawClient(server_.port()).connect_errno(), ECONNREFUSED);
  DrainWatch again;
  server_.drain(5s, again.callback());
  ASSERT_TRUE(again.finished_within(1s));
  EXPECT_EQ(again.future.get().requests_in_flight, 1U);
}

TEST_F(DrainTest, IdleKeepAliveConnectionIsClosedAtOnce) {
  RawClient idle(server_.port());
  ASSERT_TRUE(idle.connected());
  idle.get("/hello");
  const std::string first = idle.read_response(5, 2s);
  ASSERT_EQ(first.rfind("HTTP/1.1 200", 0), 0U) << first;
  ASSERT_EQ(first.find("Connection: close"), std::string::npos) << "kept alive before the drain";
  // The server counts the request until its write has completed, a moment after the client has it.
  ASSERT_TRUE(wait_until([&] { return server_.requests_in_flight() == 0; }));

  DrainWatch watch;
  server_.drain(5s, watch.callback());
  bool closed = false;
  EXPECT_EQ(idle.read_to_end(2s, &closed), "");
  EXPECT_TRUE(closed);
  ASSERT_TRUE(watch.finished_within(1s));
  const DrainResult result = watch.future.get();
  EXPECT_LT(watch.took(), 1s) << "an idle connection must not hold the drain";
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.requests_in_flight, 0U);
  EXPECT_EQ(result.connections_open, 1U);
}

TEST_F(DrainTest, HandlerLongerThanTheTimeoutIsCutWhenTheTimeoutPasses) {
  RawClient client(server_.port());
  ASSERT_TRUE(client.connected());
  client.get("/sleep?ms=3000");
  ASSERT_TRUE(wait_until([&] { return server_.requests_in_flight() == 1; }));

  DrainWatch watch;
  server_.drain(300ms, watch.callback());
  ASSERT_TRUE(watch.finished_within(2s));
  const auto took = watch.took();
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 1500ms);
  const DrainResult result = watch.future.get();
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.requests_in_flight, 1U);
  EXPECT_EQ(result.connections_cut, 1U);
  EXPECT_EQ(result.responses_written, 0U);

  bool closed = false;
  EXPECT_EQ(client.read_to_end(1s, &closed), "");
  EXPECT_TRUE(closed) << "the connection is closed without a response";
}

TEST_F(DrainTest, SecondDrainWithZeroTimeoutCutsAtOnce) {
  RawClient client(server_.port());
  ASSERT_TRUE(client.connected());
  client.get("/sleep?ms=3000");
  ASSERT_TRUE(wait_until([&] { return server_.requests_in_flight() == 1; }));

  DrainWatch first;
  server_.drain(10s, first.callback());
  EXPECT_FALSE(first.finished_within(100ms));
  DrainWatch second;
  server_.drain(0ms, second.callback());  // what a second SIGTERM does
  ASSERT_TRUE(second.finished_within(1s));
  ASSERT_TRUE(first.finished_within(1s)) << "one drain, both callers told";
  EXPECT_LT(first.took(), 2s);
  EXPECT_TRUE(first.future.get().timed_out);
  EXPECT_TRUE(second.future.get().timed_out);
  EXPECT_EQ(client.read_to_end(1s), "");
}

// A client that connected before the listener closed may still be sending its first request: it is
// served if the request arrives within a short grace, and cut otherwise.
TEST_F(DrainTest, ConnectionWithoutARequestYetGetsAShortGrace) {
  RawClient late_sender(server_.port());
  RawClient silent(server_.port());
  ASSERT_TRUE(late_sender.connected());
  ASSERT_TRUE(silent.connected());
  ASSERT_TRUE(wait_until([&] { return server_.open_connections() == 2; }));

  DrainWatch watch;
  server_.drain(5s, watch.callback());
  std::this_thread::sleep_for(100ms);
  late_sender.get("/hello");
  EXPECT_TRUE(is_ok_and_closes(late_sender.read_to_end(2s), "hello"));
  late_sender.close();

  bool closed = false;
  EXPECT_EQ(silent.read_to_end(2s, &closed), "");
  EXPECT_TRUE(closed);
  ASSERT_TRUE(watch.finished_within(2s));
  EXPECT_LT(watch.took(), 1500ms) << "the grace is short, not the read timeout";
  EXPECT_FALSE(watch.future.get().timed_out);
}

TEST_F(DrainTest, DrainWithNothingOpenFinishesAtOnce) {
  DrainWatch watch;
  server_.drain(5s, watch.callback());
  ASSERT_TRUE(watch.finished_within(1s));
  const DrainResult result = watch.future.get();
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.connections_open, 0U);
}

}  // namespace
}  // namespace ciamd
