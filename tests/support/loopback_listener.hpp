// tests/support/loopback_listener: the base of the test servers (SMTP sink, webhook receiver). A
// TCP listener on 127.0.0.1 with an ephemeral port; every accepted connection is served on its own
// thread by the given function until the peer leaves or the listener stops. Plain POSIX sockets
// and OpenSSL only, no ciamd code: the servers that judge ciamd do not share its networking.
//
//   LoopbackListener listener([](Connection& c) { while (auto line = c.read_line()) ...; });
//   connect to 127.0.0.1:listener.port() ...
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace ciamd::test_support {

struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
struct SslCtxFree {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
using SslContextPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// A file descriptor closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

// One accepted connection: buffered reads, writes, and an optional server-side TLS upgrade. Reads
// return nullopt once the peer closed, an error occurred or the listener is stopping.
class Connection {
 public:
  explicit Connection(int fd) : fd_(fd) {}

  // The next line without its line ending (CRLF or LF); nullopt at the end or past `max` bytes.
  std::optional<std::string> read_line(std::size_t max = std::size_t{64} * 1024);
  std::optional<std::string> read_exact(std::size_t n);
  bool write(std::string_view data);
  // The TLS handshake as a server; from then on reads and writes are encrypted. Bytes the client
  // sent before the handshake finished (a pipelining attack on STARTTLS) are discarded.
  bool start_tls(SSL_CTX* context);
  bool tls() const { return ssl_ != nullptr; }

 private:
  bool fill();  // appends what arrives next to buffer_; false at the end

  int fd_;  // owned by the listener, which closes it after the serving function returns
  std::unique_ptr<SSL, SslFree> ssl_;
  std::string buffer_;
};

class LoopbackListener {
 public:
  using Serve = std::function<void(Connection&)>;

  // Binds 127.0.0.1:0, listens and starts accepting (throws std::runtime_error when it cannot).
  explicit LoopbackListener(Serve serve);
  ~LoopbackListener();  // stop()
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  std::uint16_t port() const { return port_; }
  // Stops accepting, shuts the open connections down (their reads end) and joins every thread.
  void stop();

 private:
  void accept_loop();
  void serve_one(int fd);

  Serve serve_;
  UniqueFd listen_fd_;
  UniqueFd wake_read_;  // a pipe: writing to wake_write_ ends the accept loop's poll()
  UniqueFd wake_write_;
  std::uint16_t port_ = 0;
  std::mutex mutex_;
  bool stopping_ = false;              // guarded by mutex_
  std::vector<int> open_fds_;          // guarded by mutex_; closed only by their serving thread
  std::vector<std::jthread> workers_;  // guarded by mutex_
  std::jthread acceptor_;
};

// A loopback port that refuses connections for as long as this object lives: a socket bound to it
// but not listening, so no other process can take the port in the meantime.
class RefusingPort {
 public:
  RefusingPort();
  std::uint16_t port() const { return port_; }

 private:
  UniqueFd fd_;
  std::uint16_t port_ = 0;
};

}  // namespace ciamd::test_support
