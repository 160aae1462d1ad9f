#include "integration/support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace it {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("http client: " + what + ": " + std::strerror(errno));
}

}  // namespace

Headers without(Headers h, std::string_view name) {
  std::erase_if(h, [&](const auto& kv) { return iequals(kv.first, name); });
  return h;
}

Headers with(Headers h, std::string_view name, std::string_view value) {
  h = without(std::move(h), name);
  h.emplace_back(name, value);
  return h;
}

std::optional<std::string> HttpResult::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return std::nullopt;
}

boost::json::value HttpResult::json() const {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec) throw std::runtime_error("response body is not JSON: " + describe());
  return v;
}

std::string HttpResult::string_field(std::string_view key) const {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return {};
  const boost::json::value* field = v.as_object().if_contains(key);
  return field != nullptr && field->is_string() ? std::string(field->as_string()) : std::string();
}

std::string HttpResult::describe() const {
  return "HTTP " + std::to_string(status) + " " + body;
}

HttpConnection::HttpConnection(int port, std::chrono::milliseconds io_timeout)
    : port_(port), timeout_(io_timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) fail("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int saved = errno;
    ::close(fd_);
    fd_ = -1;
    errno = saved;
    fail("connect to 127.0.0.1:" + std::to_string(port_));
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

HttpConnection::~HttpConnection() {
  if (fd_ >= 0) ::close(fd_);
}

HttpResult HttpConnection::request(std::string_view method, std::string_view target,
                                   const Headers& headers, std::string_view body) {
  std::string req;
  req.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  bool has_host = false;
  bool has_length = false;
  for (const auto& [k, v] : headers) {
    has_host = has_host || iequals(k, "host");
    has_length = has_length || iequals(k, "content-length") || iequals(k, "transfer-encoding");
  }
  if (!has_host) req += "Host: 127.0.0.1:" + std::to_string(port_) + "\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!has_length && (!body.empty() || method == "POST" || method == "PUT")) {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n";
  req.append(body);
  return send_raw(req);
}

HttpResult HttpConnection::send_raw(std::string_view bytes) {
  write_until_response(bytes);
  return read_response();
}

bool HttpConnection::closed_by_peer() {
  if (!buf_.empty()) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  char c = 0;
  const ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

void HttpConnection::write_until_response(std::string_view bytes) {
  while (!bytes.empty()) {
    pollfd p{fd_, POLLOUT | POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(timeout_.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) throw std::runtime_error("http client: write timed out");
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) return;  // the server already answered
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      if (errno == EPIPE || errno == ECONNRESET) return;  // read whatever the server said
      fail("send");
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

bool HttpConnection::fill() {
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(timeout_.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) throw std::runtime_error("http client: read timed out, got so far: " + buf_);
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("recv (got so far: " + buf_ + ")");
    if (n == 0) return false;
    buf_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
}

std::string HttpConnection::read_line() {
  for (;;) {
    const auto pos = buf_.find("\r\n");
    if (pos != std::string::npos) {
      std::string line = buf_.substr(0, pos);
      buf_.erase(0, pos + 2);
      return line;
    }
    if (!fill()) throw std::runtime_error("http client: connection closed mid-head: " + buf_);
  }
}

HttpResult HttpConnection::read_response() {
  HttpResult res;
  const std::string status_line = read_line();
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12) {
    throw std::runtime_error("http client: bad status line: " + status_line);
  }
  res.status = std::stoi(status_line.substr(9, 3));
  for (std::string line = read_line(); !line.empty(); line = read_line()) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) throw std::runtime_error("http client: bad header: " + line);
    res.headers.emplace_back(line.substr(0, colon), trim(std::string_view(line).substr(colon + 1)));
  }
  const auto te = res.header("transfer-encoding");
  const auto cl = res.header("content-length");
  if (te && iequals(trim(*te), "chunked")) {
    for (;;) {
      const std::size_t size = std::stoul(read_line(), nullptr, 16);
      while (buf_.size() < size + 2) {
        if (!fill()) throw std::runtime_error("http client: closed mid-chunk");
      }
      res.body.append(buf_, 0, size);
      buf_.erase(0, size + 2);
      if (size == 0) break;
    }
  } else if (cl) {
    const std::size_t size = std::stoul(*cl);
    while (buf_.size() < size) {
      if (!fill()) throw std::runtime_error("http client: closed mid-body: " + buf_);
    }
    res.body = buf_.substr(0, size);
    buf_.erase(0, size);
  } else if (res.status != 204 && res.status != 304 && res.status >= 200) {
    while (fill()) {
    }
    res.body = std::move(buf_);
    buf_.clear();
  }
  return res;
}

HttpResult request(int port, std::string_view method, std::string_view target,
                   const Headers& headers, std::string_view body) {
  HttpConnection c(port);
  return c.request(method, target, with(headers, "Connection", "close"), body);
}

HttpResult send_raw(int port, std::string_view bytes) {
  HttpConnection c(port);
  return c.send_raw(bytes);
}

}  // namespace it
