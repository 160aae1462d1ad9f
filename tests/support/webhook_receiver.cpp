#include "support/webhook_receiver.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace ciamd::test_support {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

}  // namespace

std::string WebhookRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return "";
}

WebhookReceiver::WebhookReceiver(std::vector<int> statuses) {
  script(std::move(statuses));
  listener_ = std::make_unique<LoopbackListener>([this](Connection& c) { serve(c); });
}

WebhookReceiver::~WebhookReceiver() = default;

std::string WebhookReceiver::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
}

void WebhookReceiver::script(std::vector<int> statuses) {
  if (statuses.empty()) throw std::invalid_argument("webhook receiver: an empty script");
  const std::lock_guard lock(mutex_);
  statuses_ = std::move(statuses);
  answered_ = 0;
}

std::vector<WebhookRequest> WebhookReceiver::requests() const {
  const std::lock_guard lock(mutex_);
  return requests_;
}

bool WebhookReceiver::wait_for_requests(std::size_t count,
                                        std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
}

void WebhookReceiver::serve(Connection& connection) {
  const auto request_line = connection.read_line();
  if (!request_line) return;  // a client that connected and left (a pool's probe)
  WebhookRequest request;
  const auto first_space = request_line->find(' ');
  const auto second_space = request_line->find(' ', first_space + 1);
  if (first_space == std::string::npos || second_space == std::string::npos) {
    connection.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    return;
  }
  request.method = request_line->substr(0, first_space);
  request.target = request_line->substr(first_space + 1, second_space - first_space - 1);
  for (;;) {
    const auto line = connection.read_line();
    if (!line) return;
    if (line->empty()) break;
    const auto colon = line->find(':');
    if (colon == std::string::npos) continue;
    request.headers.emplace_back(line->substr(0, colon),
                                 std::string(trim(std::string_view(*line).substr(colon + 1))));
  }
  const std::string length = request.header("Content-Length");
  if (!length.empty()) {
    const auto body = connection.read_exact(std::stoul(length));
    if (!body) return;
    request.body = *body;
  }
  int status = 0;
  {
    const std::lock_guard lock(mutex_);
    status = statuses_[std::min(answered_, statuses_.size() - 1)];
    ++answered_;
    requests_.push_back(std::move(request));
  }
  arrived_.notify_all();
  const std::string body = "{}";
  connection.write("HTTP/1.1 " + std::to_string(status) + " " + reason(status) +
                   "\r\nContent-Type: application/json\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
}

}  // namespace ciamd::test_support
