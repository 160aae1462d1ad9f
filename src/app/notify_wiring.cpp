#include "app/notify_wiring.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "notify/outbox.hpp"
#include "notify/smtp.hpp"
#include "notify/webhook.hpp"

namespace ciamd {
namespace {

constexpr int kSmtpThreads = 2;

SmtpSecurity smtp_security(const std::string& text) {
  if (text == "tls") return SmtpSecurity::kTls;
  if (text == "none") return SmtpSecurity::kNone;
  return SmtpSecurity::kStartTls;
}

std::unique_ptr<Sender> sms_sender(const Config& cfg, HttpClient& client) {
  const auto& n = cfg.notify;
  if (n.sms == "webhook") {
    WebhookOptions o;
    o.url = n.webhook_url;
    o.secret = n.webhook_secret;
    o.max_attempts = static_cast<int>(n.webhook_max_attempts);
    o.backoff_ms = std::chrono::milliseconds(n.webhook_backoff_ms);
    return std::make_unique<WebhookSmsSender>(client, std::move(o));
  }
  if (n.sms == "outbox") return std::make_unique<OutboxSender>(n.outbox_file);
  return nullptr;
}

std::unique_ptr<Sender> email_sender(const Config& cfg, NotifySenders& out) {
  const auto& n = cfg.notify;
  if (n.email == "smtp") {
    SmtpOptions o;
    o.host = n.smtp_host;
    o.port = static_cast<std::uint16_t>(n.smtp_port);
    o.security = smtp_security(n.smtp_security);
    o.username = n.smtp_username;
    o.password = n.smtp_password;
    o.from = n.smtp_from;
    o.ca_file = n.smtp_ca_file;
    o.timeout_ms = std::chrono::milliseconds(n.smtp_timeout_ms);
    out.smtp_pool = std::make_unique<BlockingPool>(kSmtpThreads);
    return std::make_unique<SmtpEmailSender>(*out.smtp_pool, std::move(o));
  }
  if (n.email == "outbox") return std::make_unique<OutboxSender>(n.outbox_file);
  return nullptr;
}

}  // namespace

NotifySenders build_senders(const Config& cfg, HttpClient& client) {
  NotifySenders out;
  try {
    out.sms = sms_sender(cfg, client);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(std::string("[notify] sms = \"") + cfg.notify.sms + "\": " + e.what());
  }
  try {
    out.email = email_sender(cfg, out);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(std::string("[notify] email = \"") + cfg.notify.email + "\": " + e.what());
  }
  if (!out.sms) spdlog::warn("[notify] sms is not set: sms/send answers IDAAS.SDK.CAPTCHA.0006");
  if (!out.email) {
    spdlog::warn("[notify] email is not set: email/send answers IDAAS.SDK.CAPTCHA.0006");
  }
  if (cfg.notify.sms == "outbox" || cfg.notify.email == "outbox") {
    spdlog::warn("development outbox {} holds live verification codes", cfg.notify.outbox_file);
  }
  return out;
}

}  // namespace ciamd
