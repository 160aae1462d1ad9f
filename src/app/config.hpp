// app/config: the server's configuration. A TOML file, then environment overrides: every key
// `[section] key` can be set by `CIAMD_<SECTION>_<KEY>` (upper case), e.g. `[server] listen` by
// CIAMD_SERVER_LISTEN. Unknown keys and malformed values are errors, so a typo cannot silently
// fall back to a default. docs/configuration.md documents every key in config_keys().
//
//   Config cfg = load_config("/etc/ciamd/ciamd.toml");   // throws ConfigError
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "flows/verification/settings.hpp"

namespace ciamd {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Config {
  struct Server {
    std::string listen = "127.0.0.1:8080";
    std::int64_t threads = 0;  // 0: one per core
    std::int64_t blocking_threads = 8;
    std::int64_t max_header_bytes = 8192;
    std::int64_t max_body_bytes = 65536;
    std::int64_t read_timeout_ms = 10'000;
    std::int64_t idle_timeout_ms = 60'000;
    std::int64_t drain_timeout_ms = 10'000;  // SIGTERM: how long requests in flight may take
    std::int64_t app_cache_ttl_ms = 5'000;
    bool development = false;  // allows the outbox sender
  } server;
  struct Admin {
    // The admin API, health and metrics listener. Loopback by default: expose it only to the
    // operators' network. "" turns it off.
    std::string listen = "127.0.0.1:8081";
  } admin;
  struct Database {
    std::string url = "sqlite://ciamd.db";
  } database;
  struct Upstream {
    std::string wechat_base_url = "https://api.weixin.qq.com";
    std::string weibo_base_url = "https://api.weibo.com";
    std::string ca_file;
    std::int64_t connect_timeout_ms = 3'000;
    std::int64_t request_timeout_ms = 5'000;
  } upstream;
  struct Tokens {
    std::string issuer = "http://127.0.0.1:8080";
    std::int64_t state_token_ttl = 1800;
    // How often a running server rereads the signing keys (a rotation by `ciamd keys rotate` or
    // another node); a rotated-in key waits key_publish_lead seconds in the JWKS before it signs.
    std::int64_t key_reload_interval = 30;
    std::int64_t key_publish_lead = 600;
    std::int64_t jwks_max_age = 300;  // Cache-Control max-age of the JWKS and discovery document
  } tokens;
  struct Maintenance {
    // The background purge of expired sessions, flows (with their codes) and rate-limit records:
    // every purge_interval seconds, in batches of purge_batch rows.
    std::int64_t purge_interval = 300;
    std::int64_t purge_batch = 1000;
  } maintenance;
  struct Security {
    std::string master_key;
    std::string master_key_file;
  } security;
  struct Notify {
    std::string sms;    // "" (none), "webhook" or "outbox"
    std::string email;  // "" (none), "smtp" or "outbox"
    std::string webhook_url;
    std::string webhook_secret;
    std::int64_t webhook_max_attempts = 3;
    std::int64_t webhook_backoff_ms = 200;
    std::string smtp_host;
    std::int64_t smtp_port = 587;
    std::string smtp_security = "starttls";
    std::string smtp_username;
    std::string smtp_password;
    std::string smtp_from;
    std::string smtp_ca_file;
    std::int64_t smtp_timeout_ms = 10'000;
    std::string outbox_file = "outbox.jsonl";
  } notify;
  // [verification]: the flows' own settings type, defaults included.
  VerificationSettings verification;
  struct Log {
    std::string level = "info";
    std::string format = "text";  // "text" or "json" (one JSON object per line, app/logging)
  } log;
};

struct ConfigKey {
  std::string_view section;
  std::string_view key;
};

// Defaults, then the file (when `path` is not empty), then the environment; then validation.
Config load_config(const std::string& path);

// Every key the configuration knows, in documentation order.
std::vector<ConfigKey> config_keys();

// "CIAMD_SERVER_LISTEN" for {"server", "listen"}.
std::string env_name(const ConfigKey& key);

// The 32-byte master key, from master_key (base64) or master_key_file; throws ConfigError.
std::string master_key_bytes(const Config& cfg);

// "127.0.0.1:8080" / "[::1]:8080" -> host and port; throws ConfigError.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};
ListenAddress parse_listen(std::string_view listen);

}  // namespace ciamd
