// notify/webhook: SMS through an HTTP gateway. Each message is one POST, Content-Type
// application/json, of
//   {"channel":"sms","to":"+8615907132852","text":"...","purpose":"REGISTER_SMS",
//    "request_id":"...","sent_at":"2024-05-01T08:00:00Z"}
// signed in the header
//   X-Ciamd-Signature: t=<unix seconds>,v1=<lower-case hex HMAC-SHA256(secret, "<t>.<body>")>
// A gateway recomputes the HMAC over the exact body bytes it received, compares it in constant
// time, and refuses a t far from its own clock (a replayed request).
//
// Retry rule: when attempt n (1, 2, ...) ends in a transport failure (connect, TLS, timeout,
// malformed answer) or an HTTP 5xx, the message is sent again after backoff_ms * 2^(n-1) (200 ms,
// then 400 ms, ...), up to max_attempts sends in all; a 2xx is success; any other status (a 4xx:
// the gateway refused the message) fails at once.
// The body is the same on every attempt (a gateway may deduplicate on request_id); the signature
// is made afresh, so t is current. The wait holds no thread. Per-send timeouts are the
// HttpClient's, so a delivery takes at most max_attempts * (connect + request timeout) + the
// backoffs.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "notify/sender.hpp"

namespace ciamd {

class HttpClient;

struct WebhookOptions {
  std::string url;                            // absolute http:// or https:// URL of the gateway
  std::string secret;                         // the HMAC key; never logged
  int max_attempts = 3;                       // 1 to 10
  std::chrono::milliseconds backoff_ms{200};  // 0 to 60 s
};

class WebhookSmsSender final : public Sender {
 public:
  // Throws std::invalid_argument for a URL that is not absolute http(s), an empty secret, or
  // max_attempts / backoff_ms out of range: configuration errors belong to startup, not delivery.
  WebhookSmsSender(HttpClient& client, WebhookOptions options);

  Task<Status> deliver(const Notification& message) override;

  // The wait after failed attempt n (1, 2, ...): backoff_ms * 2^(n-1).
  static std::chrono::milliseconds delay_after(const WebhookOptions& options, int attempt);
  // The X-Ciamd-Signature value for `body` signed at `t`.
  static std::string signature(std::string_view secret, long long t, std::string_view body);

 private:
  HttpClient& client_;
  WebhookOptions options_;
};

}  // namespace ciamd
