#include "notify/webhook.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <stdexcept>
#include <utility>

#include "core/clock.hpp"
#include "exec/runtime.hpp"
#include "net/client.hpp"
#include "notify/format.hpp"
#include "tokens/crypto.hpp"

namespace ciamd {

namespace {

constexpr int kMaxAttempts = 10;
constexpr std::chrono::milliseconds kMaxBackoff{60'000};

void validate(const WebhookOptions& options) {
  const auto parsed = boost::urls::parse_absolute_uri(options.url);
  if (!parsed || (parsed->scheme_id() != boost::urls::scheme::http &&
                  parsed->scheme_id() != boost::urls::scheme::https)) {
    throw std::invalid_argument("sms webhook: the URL must be an absolute http(s) URL");
  }
  if (options.secret.empty()) throw std::invalid_argument("sms webhook: the secret is empty");
  if (options.max_attempts < 1 || options.max_attempts > kMaxAttempts) {
    throw std::invalid_argument("sms webhook: max_attempts must be 1 to 10");
  }
  if (options.backoff_ms.count() < 0 || options.backoff_ms > kMaxBackoff) {
    throw std::invalid_argument("sms webhook: backoff_ms must be 0 to 60000");
  }
}

std::string render_body(const Notification& message, UnixSeconds now) {
  boost::json::object body;
  body["channel"] = notify::channel_name(message.channel);
  body["to"] = message.to;
  body["text"] = message.text;
  body["purpose"] = message.purpose;
  body["request_id"] = message.request_id;
  body["sent_at"] = notify::rfc3339_utc(now);
  return boost::json::serialize(body);
}

bool retryable(int status) {
  return status >= 500 && status <= 599;
}

}  // namespace

WebhookSmsSender::WebhookSmsSender(HttpClient& client, WebhookOptions options)
    : client_(client), options_(std::move(options)) {
  validate(options_);
}

std::chrono::milliseconds WebhookSmsSender::delay_after(const WebhookOptions& options,
                                                        int attempt) {
  // attempt <= 10 and backoff <= 60 s keep this far from overflow (60 s * 2^9).
  return options.backoff_ms * (1LL << (attempt - 1));
}

std::string WebhookSmsSender::signature(std::string_view secret, long long t,
                                        std::string_view body) {
  const std::string stamp = std::to_string(t);
  std::string signed_text = stamp;
  signed_text += '.';
  signed_text += body;
  return "t=" + stamp + ",v1=" + crypto::hex_encode(crypto::hmac_sha256(secret, signed_text));
}

Task<Status> WebhookSmsSender::deliver(const Notification& message) {
  const std::string body = render_body(message, system_now());
  std::string last_failure;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    if (attempt > 1) co_await sleep_for(delay_after(options_, attempt - 1));
    ClientRequest request{"POST", options_.url, {}, body};
    request.headers.set("Content-Type", "application/json");
    request.headers.set("X-Ciamd-Signature", signature(options_.secret, system_now(), body));
    try {
      const ClientResponse response = co_await client_.send(std::move(request));
      if (response.status >= 200 && response.status <= 299) co_return Done{};
      last_failure = "HTTP " + std::to_string(response.status);
      if (!retryable(response.status)) {
        co_return ApiError{ErrorCode::kCodeSendFailed,
                           "sms webhook refused the message: " + last_failure};
      }
    } catch (const UpstreamError& e) {
      // The message names the gateway's origin only, never the path, the body or the secret.
      last_failure = e.what();
    }
    spdlog::warn("sms webhook attempt {}/{} failed: {} (request {})", attempt,
                 options_.max_attempts, last_failure, message.request_id);
  }
  co_return ApiError{ErrorCode::kCodeSendFailed, "sms webhook failed after " +
                                                     std::to_string(options_.max_attempts) +
                                                     " attempts, last: " + last_failure};
}

}  // namespace ciamd
