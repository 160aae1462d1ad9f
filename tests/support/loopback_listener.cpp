#include "support/loopback_listener.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace ciamd::test_support {

namespace {

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string("loopback listener: ") + what + ": " + std::strerror(errno));
}

// Binds a new TCP socket to 127.0.0.1 on an ephemeral port; returns it and the port.
std::pair<UniqueFd, std::uint16_t> bind_loopback() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) fail("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail("bind");
  socklen_t length = sizeof address;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    fail("getsockname");
  }
  return {std::move(fd), ntohs(address.sin_port)};
}

}  // namespace

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

bool Connection::fill() {
  std::array<char, std::size_t{16} * 1024> chunk{};
  const int n = ssl_ ? SSL_read(ssl_.get(), chunk.data(), static_cast<int>(chunk.size()))
                     : static_cast<int>(::recv(fd_, chunk.data(), chunk.size(), 0));
  if (n <= 0) return false;
  buffer_.append(chunk.data(), static_cast<std::size_t>(n));
  return true;
}

std::optional<std::string> Connection::read_line(std::size_t max) {
  for (;;) {
    const auto end = buffer_.find('\n');
    if (end != std::string::npos) {
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    if (buffer_.size() > max || !fill()) return std::nullopt;
  }
}

std::optional<std::string> Connection::read_exact(std::size_t n) {
  while (buffer_.size() < n) {
    if (!fill()) return std::nullopt;
  }
  std::string out = buffer_.substr(0, n);
  buffer_.erase(0, n);
  return out;
}

bool Connection::write(std::string_view data) {
  while (!data.empty()) {
    const int n = ssl_ ? SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size()))
                       : static_cast<int>(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL));
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool Connection::start_tls(SSL_CTX* context) {
  buffer_.clear();
  ssl_.reset(SSL_new(context));
  if (!ssl_ || SSL_set_fd(ssl_.get(), fd_) != 1) return false;
  return SSL_accept(ssl_.get()) == 1;
}

LoopbackListener::LoopbackListener(Serve serve) : serve_(std::move(serve)) {
  // SSL_write on a socket the client already closed would raise SIGPIPE and end the whole test
  // binary; a failed write is reported by its return value instead.
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] { std::signal(SIGPIPE, SIG_IGN); });

  auto [fd, port] = bind_loopback();
  if (::listen(fd.get(), 64) != 0) fail("listen");
  listen_fd_ = std::move(fd);
  port_ = port;
  std::array<int, 2> pipe_fds{};
  if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0) fail("pipe");
  wake_read_ = UniqueFd(pipe_fds[0]);
  wake_write_ = UniqueFd(pipe_fds[1]);
  acceptor_ = std::jthread([this] { accept_loop(); });
}

LoopbackListener::~LoopbackListener() {
  stop();
}

void LoopbackListener::accept_loop() {
  for (;;) {
    std::array<pollfd, 2> fds{pollfd{listen_fd_.get(), POLLIN, 0},
                              pollfd{wake_read_.get(), POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      std::perror("loopback listener: poll");
      return;
    }
    if (fds[1].revents != 0) return;
    const int fd = ::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // the client gave up before we accepted (ECONNABORTED) or EINTR
    const std::lock_guard lock(mutex_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    open_fds_.push_back(fd);
    workers_.emplace_back([this, fd] { serve_one(fd); });
  }
}

void LoopbackListener::serve_one(int fd) {
  {
    Connection connection(fd);
    try {
      serve_(connection);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "loopback listener: a connection handler threw: %s\n", e.what());
    }
  }  // frees the TLS session before the socket goes
  const std::lock_guard lock(mutex_);
  std::erase(open_fds_, fd);
  // Closed under the lock so that stop() never shuts down a number already reused elsewhere.
  ::close(fd);
}

void LoopbackListener::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    for (const int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  if (acceptor_.joinable()) {
    const char wake = 'x';
    if (::write(wake_write_.get(), &wake, 1) != 1) std::perror("loopback listener: wake");
    acceptor_.join();
  }
  std::vector<std::jthread> workers;
  {
    const std::lock_guard lock(mutex_);
    workers.swap(workers_);
  }
  workers.clear();  // joins them; each takes the lock once more to close its socket
}

RefusingPort::RefusingPort() {
  auto [fd, port] = bind_loopback();
  fd_ = std::move(fd);
  port_ = port;
}

}  // namespace ciamd::test_support
