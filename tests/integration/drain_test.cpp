// SIGTERM under load: `ciamd serve` stops accepting, finishes every request it has (WeChat logins
// waiting ~300 ms on a slowed-down upstream, JWKS reads on keep-alive connections), then exits 0
// with the audit rows of every answered login written.
//
// What a client may see once the signal is sent: its connect refused, or (racing with the close)
// a connection reset or closed before any byte of a response, when the server never read that
// request. What it must never see: a 5xx, a truncated response, or a wait that times out.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "integration/support/suite.hpp"

namespace it {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kDrainTimeoutMs = 3000;  // written into [server] drain_timeout_ms below
constexpr int kUpstreamLatencyMs = 300;
constexpr int kLoginThreads = 6;
constexpr int kJwksThreads = 2;
constexpr int kCodesPerThread = 8;  // ~1 s of logins at ~300 ms each, with room to spare
// A request sent this long before SIGTERM has surely reached the server before the signal did.
constexpr auto kReadSurelyWithin = std::chrono::milliseconds(50);

// How one request ended, from the client's side.
enum class Outcome {
  kComplete,    // a whole response: status line, headers, Content-Length bytes of body
  kRefused,     // connect failed
  kNoResponse,  // reset or closed before the first byte of a response
  kTruncated,   // closed or reset part-way through a response
  kTimedOut,    // nothing more within the client's wait
};

struct Exchange {
  Outcome outcome = Outcome::kRefused;
  int status = 0;
  bool connection_close = false;
  std::string head;  // for failure messages
};

// A client on raw sockets, so that every way a request can end is told apart (the harness's
// HttpConnection reports them all as exceptions).
class Client {
 public:
  explicit Client(int port) : port_(port) {}
  ~Client() { disconnect(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return fd_ >= 0; }

  // Sends one request on the current connection (connecting first when there is none) and reads
  // its response. The connection is dropped after a failure or a "Connection: close" response.
  Exchange send(const std::string& request) {
    Exchange ex;
    if (fd_ < 0 && !connect()) return ex;  // kRefused
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      ex.outcome = Outcome::kNoResponse;
      disconnect();
      return ex;
    }
    ex = read_response();
    if (ex.outcome != Outcome::kComplete || ex.connection_close) disconnect();
    return ex;
  }

 private:
  bool connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      disconnect();
      return false;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    buf_.clear();
    return true;
  }

  void disconnect() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // 0: closed or reset; -1: timed out.
  int fill() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 10'000) <= 0) return -1;
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return 0;
    buf_.append(chunk, static_cast<std::size_t>(n));
    return 1;
  }

  Exchange read_response() {
    Exchange ex;
    std::size_t head_end = std::string::npos;
    while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      const bool had_bytes = !buf_.empty();
      const int r = fill();
      if (r < 0) ex.outcome = Outcome::kTimedOut;
      if (r == 0) ex.outcome = had_bytes ? Outcome::kTruncated : Outcome::kNoResponse;
      if (r <= 0) {
        ex.head = buf_;
        return ex;
      }
    }
    ex.head = buf_.substr(0, head_end);
    ex.status = buf_.size() >= 12 ? std::atoi(buf_.c_str() + 9) : 0;
    std::string lower = ex.head;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ex.connection_close = lower.find("\r\nconnection: close") != std::string::npos;
    const auto length_at = lower.find("\r\ncontent-length:");
    const std::size_t length =
        length_at == std::string::npos ? 0 : std::stoul(lower.substr(length_at + 17));
    while (buf_.size() < head_end + 4 + length) {
      const int r = fill();
      if (r <= 0) {
        ex.outcome = r < 0 ? Outcome::kTimedOut : Outcome::kTruncated;
        return ex;
      }
    }
    buf_.erase(0, head_end + 4 + length);
    ex.outcome = Outcome::kComplete;
    return ex;
  }

  int port_;
  int fd_ = -1;
  std::string buf_;
};

std::string http_request(const std::string& method, const std::string& target,
                         const Headers& headers, const std::string& body, bool close) {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) r += k + ": " + v + "\r\n";
  if (close) r += "Connection: close\r\n";
  if (method == "POST") r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

// What all client threads saw, split by whether the request was sent before SIGTERM.
struct Tally {
  std::mutex mutex;
  int completed_before = 0;
  int completed_after = 0;  // sent before the signal, answered after it: drained
  int closing_after = 0;    // of those, the ones whose response closed the connection
  int started_after = 0;    // sent after the signal and still answered (connection already open)
  int logins_answered = 0;  // login responses: each one must have left an audit row
  int logins_drained = 0;   // logins sent before the signal and answered after it
  int refused_after = 0;
  int no_response_after = 0;
  std::vector<std::string> failures;

  void record(const Exchange& ex, bool login, Clock::time_point sent, Clock::time_point done,
              Clock::time_point signal, const std::string& what) {
    const std::lock_guard lock(mutex);
    const bool sent_after = sent >= signal;
    const auto describe = [&](const std::string& problem) {
      failures.push_back(what + ": " + problem + (sent_after ? " (sent after" : " (sent before") +
                         " SIGTERM) " + ex.head.substr(0, 200));
    };
    switch (ex.outcome) {
      case Outcome::kComplete:
        if (login) ++logins_answered;
        if (login && !sent_after && done >= signal) ++logins_drained;
        if (ex.status >= 500) {
          describe("HTTP " + std::to_string(ex.status));
        } else if (ex.status != 200) {
          describe("unexpected status " + std::to_string(ex.status));
        }
        if (sent_after) {
          ++started_after;
        } else if (done >= signal) {
          // Sent before the signal, answered after it. Whether it said "Connection: close"
          // depends on when the server saw the signal, not on this clock: counted, not judged.
          ++completed_after;
          if (ex.connection_close) ++closing_after;
        } else {
          ++completed_before;
        }
        return;
      case Outcome::kRefused:
        if (sent_after) {
          ++refused_after;
        } else {
          describe("connect refused before the signal");
        }
        return;
      case Outcome::kNoResponse:
        // Racing with the close of the listener or of an idle keep-alive connection: the server
        // never read this request. One sent well before the signal was read (a login takes
        // ~300 ms) and must have been answered.
        if (sent >= signal - kReadSurelyWithin) {
          ++no_response_after;
        } else {
          describe("cut: no response to a request the server had read");
        }
        return;
      case Outcome::kTruncated:
        describe("truncated response");
        return;
      case Outcome::kTimedOut:
        describe("timed out");
        return;
    }
  }
};

class Drain : public EnvSuite {};

TEST_F(Drain, SigtermUnderLoadAnswersEveryRequestInFlightAndExitsZero) {
  // A bound short enough that the harness (which kills after 10 s) tells a drain that waits out
  // its timeout from a hung one; restarting the server makes it read the key.
  {
    std::string toml = read_file(env().config_path());
    const auto at = toml.find("[server]\n");
    ASSERT_NE(at, std::string::npos) << toml;
    toml.insert(at + 9, "drain_timeout_ms = " + std::to_string(kDrainTimeoutMs) + "\n");
    write_file(env().config_path(), toml);
    ASSERT_EQ(env().stop_server(), 0);
    env().start_server();
  }
  const std::string client_id = env().create_app({.unbound = "auto_create"});
  // Every code exchange waits on the simulator, as a login waits on a slow WeChat.
  const FaultGuard slow_upstream(
      env().sim(),
      {{"path", "/sns/oauth2/access_token"}, {"latency_ms", kUpstreamLatencyMs}, {"count", -1}});
  std::vector<std::vector<std::string>> codes(kLoginThreads);
  for (auto& thread_codes : codes) {
    for (int i = 0; i < kCodesPerThread; ++i) thread_codes.push_back(env().fresh_code());
  }
  const Headers login_headers = env().login_headers(client_id);
  const std::int64_t audit_before = count_rows(env().db())["audit_events"];

  const int port = env().port();
  std::atomic<bool> signalled{false};
  std::atomic<Clock::rep> last_login_sent{0};
  std::atomic<Clock::rep> signal_at{Clock::time_point::max().time_since_epoch().count()};
  Tally tally;
  const auto signal_time = [&] { return Clock::time_point(Clock::duration(signal_at.load())); };

  // Each thread sends requests back to back until, after the signal, the server stops answering.
  const auto run = [&](int index) {
    const bool login = index < kLoginThreads;
    // Half the login threads use one connection per request, the rest keep-alive.
    const bool close_each = login && index % 2 == 0;
    Client client(port);
    std::size_t next_code = 0;
    for (;;) {
      std::string request;
      if (login) {
        if (next_code == codes[static_cast<std::size_t>(index)].size()) return;
        const std::string body = boost::json::serialize(
            boost::json::object{{"code", codes[static_cast<std::size_t>(index)][next_code++]}});
        request = http_request("POST", kLoginPath, login_headers, body, close_each);
      } else {
        request = http_request("GET", kKeysPath, {}, "", false);
      }
      const auto sent = Clock::now();
      if (login) last_login_sent = sent.time_since_epoch().count();
      const Exchange ex = client.send(request);
      const auto done = Clock::now();
      tally.record(ex, login, sent, done, signal_time(),
                   (login ? "login thread " : "jwks thread ") + std::to_string(index));
      if (ex.outcome != Outcome::kComplete && signalled) return;
      if (ex.outcome == Outcome::kRefused || ex.outcome == Outcome::kTruncated ||
          ex.outcome == Outcome::kTimedOut) {
        return;
      }
    }
  };
  std::vector<std::jthread> threads;
  for (int i = 0; i < kLoginThreads + kJwksThreads; ++i) threads.emplace_back(run, i);

  // The logins run in step (same start, same latency): signal ~100 ms after a round of them was
  // sent, so that they are surely being handled, not on the wire, when the signal arrives.
  std::this_thread::sleep_for(1s);
  const auto round_after = Clock::now().time_since_epoch().count();
  while (last_login_sent.load() < round_after) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(2 * kReadSurelyWithin);
  const auto signal = Clock::now();
  signal_at = signal.time_since_epoch().count();
  signalled = true;
  const int exit_code = env().stop_server();  // SIGTERM, then waits for the exit
  const auto exit_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - signal).count();
  threads.clear();  // joins: each thread ends at its first refusal after the signal

  EXPECT_EQ(exit_code, 0) << env().server_output();
  EXPECT_LT(exit_ms, kDrainTimeoutMs) << "a drain with ~300 ms requests must not wait it out";
  for (const std::string& failure : tally.failures) ADD_FAILURE() << failure;
  EXPECT_GT(tally.completed_before, 0);
  // Every login thread sends back to back, so nearly all have one waiting on the upstream.
  EXPECT_GE(tally.logins_drained, kLoginThreads / 2)
      << "too few logins were in flight at the signal: the test measured little";
  // Each thread stops at its first failure after the signal, so at most one such race per thread.
  EXPECT_LE(tally.no_response_after, kLoginThreads + kJwksThreads);

  const std::string log = env().server_output();
  EXPECT_NE(log.find("draining"), std::string::npos) << log;
  EXPECT_NE(log.find("stopped: drained"), std::string::npos) << log;
  // The pool finished the audit writes of every answered login before the store closed.
  EXPECT_EQ(count_rows(env().db())["audit_events"] - audit_before, tally.logins_answered);

  std::cout << "[drain] completed before SIGTERM " << tally.completed_before
            << ", in flight at SIGTERM and completed during the drain " << tally.completed_after
            << " (" << tally.closing_after << " with Connection: close)"
            << ", sent after SIGTERM on an open connection and answered " << tally.started_after
            << ", refused after " << tally.refused_after << ", no response after (never read) "
            << tally.no_response_after << ", logins answered " << tally.logins_answered << " ("
            << tally.logins_drained << " during the drain)"
            << ", exit " << exit_code << " after " << exit_ms << " ms\n";
  const auto line_at = log.find("stopped: drained");
  if (line_at != std::string::npos) {
    std::cout << "[drain] server: " << log.substr(line_at, log.find('\n', line_at) - line_at)
              << "\n";
  }
  // Leaves the Env as it found it for any later test of this suite.
  env().start_server();
}

}  // namespace
}  // namespace it
