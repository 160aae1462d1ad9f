// app/config: the server's configuration. A TOML file, then environment overrides: every key
// `[section] key` can be set by `CIAMD_<SECTION>_<KEY>` (upper case), e.g. `[server] listen` by
// CIAMD_SERVER_LISTEN. Unknown keys and malformed values are errors, so a typo cannot silently
// fall back to a default. So are CIAMD_* variables that name no key (CIAMD_SERVR_LISTEN), except
// the few the project's own tools set (kNotConfigVariables in config.cpp).
// docs/configuration.md documents every key in config_keys().
//
//   Config cfg = load_config("/etc/ciamd/ciamd.toml");   // throws ConfigError
#pragma once

#include <cstdint>
#include <map>
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
  // Where each key that is not a default came from, "[section] key" -> "the environment variable
  // CIAMD_..." or "the file PATH": messages about a value then say where to change it.
  std::map<std::string, std::string, std::less<>> origins;
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

// "[security] master_key_file (set by CIAMD_SECURITY_MASTER_KEY_FILE)", "... (set in FILE)", or
// "[security] master_key_file (or CIAMD_SECURITY_MASTER_KEY_FILE)" for a default: the key, and
// where the operator changes it.
std::string describe_key(const Config& cfg, const ConfigKey& key);

// The 32-byte master key, from master_key (base64) or master_key_file; throws ConfigError that
// says what is wrong (a missing, unreadable or malformed file) and which setting names it.
std::string master_key_bytes(const Config& cfg);

// Settings that work but are unsafe in production, one actionable sentence each: a master key
// file readable by group or others, a loopback issuer or development mode on a non-loopback
// listener. `serve` logs them at warning level and starts anyway (a staging host may mean it).
std::vector<std::string> startup_warnings(const Config& cfg);

// True for 127.0.0.0/8, ::1 and localhost: an address only this machine reaches.
bool is_loopback_host(std::string_view host);

// "127.0.0.1:8080" / "[::1]:8080" -> host and port; throws ConfigError.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};
ListenAddress parse_listen(std::string_view listen);

}  // namespace ciamd
