// tests/support/webhook_receiver: a tiny HTTP/1.1 server on 127.0.0.1 (ephemeral port) standing in
// for an SMS gateway. It records every request (before answering, so once a client's send returned
// the request is in requests()) and answers with a scripted sequence of statuses: {503, 503, 200}
// answers the first two requests 503 and every later one 200 (the last status repeats). Each answer
// closes the connection. Plain POSIX sockets, no ciamd code; request bodies need Content-Length.
//
//   WebhookReceiver gateway({503, 200});
//   sender options.url = gateway.url();
//   ... gateway.requests().size() == 2, gateway.requests()[1].header("X-Ciamd-Signature") ...
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/loopback_listener.hpp"

namespace ciamd::test_support {

struct WebhookRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first value of header `name` (case-insensitive); "" when absent.
  std::string header(std::string_view name) const;
};

class WebhookReceiver {
 public:
  explicit WebhookReceiver(std::vector<int> statuses = {200});
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::uint16_t port() const { return listener_->port(); }
  std::string url(std::string_view path = "/sms") const;

  // Replaces the script; the next request gets statuses[0].
  void script(std::vector<int> statuses);
  std::vector<WebhookRequest> requests() const;
  // Waits until at least `count` requests arrived; false if `timeout` passes first. For senders
  // that deliver in the background; a bound on a wait, never a measurement.
  bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const;

 private:
  void serve(Connection& connection);

  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<int> statuses_;             // guarded by mutex_
  std::size_t answered_ = 0;              // guarded by mutex_: requests answered since script()
  std::vector<WebhookRequest> requests_;  // guarded by mutex_
  // Last: destroyed (stopped and joined) first, while everything its threads touch still lives.
  std::unique_ptr<LoopbackListener> listener_;
};

}  // namespace ciamd::test_support
