// Env's configuration file: the ciamd.toml every Env writes before migrating and serving.
#include <openssl/rand.h>

#include <stdexcept>

#include "integration/support/env.hpp"
#include "support/smtp_sink.hpp"
#include "support/webhook_receiver.hpp"

namespace it {
namespace {

// 32 random bytes, base64: [security] master_key.
std::string fresh_master_key() {
  std::string key(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return base64_encode(key);
}

}  // namespace

std::string Env::notify_toml() const {
  const NotifySetup& n = options_.notify;
  std::string t = "[notify]\n";
  t += "sms = \"" + n.sms + "\"\n";
  t += "email = \"" + n.email + "\"\n";
  t += "outbox_file = \"" + outbox_path().string() + "\"\n";
  if (webhook_) {
    t += "webhook_url = \"" + webhook_->url() + "\"\n";
    t += "webhook_secret = \"" + n.webhook_secret + "\"\n";
    t += "webhook_max_attempts = " + std::to_string(n.webhook_max_attempts) + "\n";
    t += "webhook_backoff_ms = " + std::to_string(n.webhook_backoff_ms) + "\n";
  }
  if (smtp_) {
    t += "smtp_host = \"127.0.0.1\"\n";
    t += "smtp_port = " + std::to_string(smtp_->port()) + "\n";
    t += "smtp_security = \"none\"\n";
    t += "smtp_from = \"" + n.smtp_from + "\"\n";
    t += "smtp_timeout_ms = " + std::to_string(n.smtp_timeout_ms) + "\n";
  }
  return t;
}

std::string Env::verification_toml() const {
  const VerificationSetup& v = options_.verification;
  return "[verification]\n"
         "code_ttl = " +
         std::to_string(v.code_ttl) + "\nmax_attempts = " + std::to_string(v.max_attempts) +
         "\nresend_interval = " + std::to_string(v.resend_interval) +
         "\ndaily_cap_per_target = " + std::to_string(v.daily_cap_per_target) +
         "\ndaily_cap_per_peer = " + std::to_string(v.daily_cap_per_peer) +
         "\ntargets_per_flow = " + std::to_string(v.targets_per_flow) +
         "\ndaily_targets_per_device = " + std::to_string(v.daily_targets_per_device) + "\n";
}

void Env::write_config() {
  const std::string base_url =
      options_.wechat_base_url.value_or("https://127.0.0.1:" + std::to_string(sim_->https_port()));
  const std::string ca_line =
      options_.trust_sim_ca ? "ca_file = \"" + sim_->ca_file().string() + "\"\n" : "";
  // A fresh master key per Env: nothing sealed in one test can be opened by another.
  const std::string toml =
      "[server]\n"
      "listen = \"127.0.0.1:0\"\n"
      "threads = 2\n"
      "app_cache_ttl_ms = " +
      std::to_string(kAppCacheTtlMs) +
      "\n"
      "development = true\n"
      "[admin]\n"
      "listen = \"127.0.0.1:0\"\n"
      "[database]\n"
      "url = \"" +
      db().url() +
      "\"\n"
      "[upstream]\n"
      "wechat_base_url = \"" +
      base_url +
      "\"\n"
      "weibo_base_url = \"https://127.0.0.1:" +
      std::to_string(sim_->https_port()) + "\"\n" + ca_line +
      "connect_timeout_ms = 1000\n"
      "request_timeout_ms = " +
      std::to_string(kUpstreamTimeoutMs) +
      "\n"
      "[tokens]\n"
      "issuer = \"" +
      kIssuer +
      "\"\n"
      "state_token_ttl = " +
      std::to_string(options_.state_token_ttl) +
      "\n"
      "key_reload_interval = " +
      std::to_string(options_.key_reload_interval) +
      "\n"
      "[maintenance]\n"
      "purge_interval = " +
      std::to_string(options_.purge_interval) +
      "\n"
      "[security]\n"
      "master_key = \"" +
      fresh_master_key() +
      "\"\n"
      "[log]\n"
      "level = \"info\"\n"
      "format = \"" +
      options_.log_format + "\"\n" + notify_toml() + verification_toml();
  write_file(config_path(), toml);
}

}  // namespace it
