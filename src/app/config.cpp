#include "app/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <variant>

#include "tokens/base64.hpp"

namespace ciamd {
namespace {

using Slot = std::variant<std::string*, std::int64_t*, bool*>;

struct Field {
  ConfigKey name;
  Slot (*slot)(Config&);
  std::int64_t min = 0;  // for integers
  std::int64_t max = 0;
};

// The single list of keys: the TOML reader, the environment reader and the docs test use it.
const std::vector<Field>& fields() {
  static const std::vector<Field> kFields{
      {{"server", "listen"}, [](Config& c) -> Slot { return &c.server.listen; }},
      {{"server", "threads"}, [](Config& c) -> Slot { return &c.server.threads; }, 0, 256},
      {{"server", "blocking_threads"},
       [](Config& c) -> Slot { return &c.server.blocking_threads; },
       1,
       256},
      {{"server", "max_header_bytes"},
       [](Config& c) -> Slot { return &c.server.max_header_bytes; },
       1024,
       1 << 20},
      {{"server", "max_body_bytes"},
       [](Config& c) -> Slot { return &c.server.max_body_bytes; },
       1024,
       16 << 20},
      {{"server", "read_timeout_ms"},
       [](Config& c) -> Slot { return &c.server.read_timeout_ms; },
       100,
       600'000},
      {{"server", "idle_timeout_ms"},
       [](Config& c) -> Slot { return &c.server.idle_timeout_ms; },
       100,
       3'600'000},
      {{"server", "drain_timeout_ms"},
       [](Config& c) -> Slot { return &c.server.drain_timeout_ms; },
       0,
       600'000},
      {{"server", "app_cache_ttl_ms"},
       [](Config& c) -> Slot { return &c.server.app_cache_ttl_ms; },
       0,
       3'600'000},
      {{"server", "development"}, [](Config& c) -> Slot { return &c.server.development; }},
      {{"admin", "listen"}, [](Config& c) -> Slot { return &c.admin.listen; }},
      {{"database", "url"}, [](Config& c) -> Slot { return &c.database.url; }},
      {{"upstream", "wechat_base_url"},
       [](Config& c) -> Slot { return &c.upstream.wechat_base_url; }},
      {{"upstream", "weibo_base_url"},
       [](Config& c) -> Slot { return &c.upstream.weibo_base_url; }},
      {{"upstream", "ca_file"}, [](Config& c) -> Slot { return &c.upstream.ca_file; }},
      {{"upstream", "connect_timeout_ms"},
       [](Config& c) -> Slot { return &c.upstream.connect_timeout_ms; },
       10,
       60'000},
      {{"upstream", "request_timeout_ms"},
       [](Config& c) -> Slot { return &c.upstream.request_timeout_ms; },
       10,
       120'000},
      {{"tokens", "issuer"}, [](Config& c) -> Slot { return &c.tokens.issuer; }},
      {{"tokens", "state_token_ttl"},
       [](Config& c) -> Slot { return &c.tokens.state_token_ttl; },
       10,
       86'400},
      {{"tokens", "key_reload_interval"},
       [](Config& c) -> Slot { return &c.tokens.key_reload_interval; },
       1,
       3'600},
      {{"tokens", "key_publish_lead"},
       [](Config& c) -> Slot { return &c.tokens.key_publish_lead; },
       0,
       604'800},
      {{"tokens", "jwks_max_age"},
       [](Config& c) -> Slot { return &c.tokens.jwks_max_age; },
       0,
       86'400},
      {{"maintenance", "purge_interval"},
       [](Config& c) -> Slot { return &c.maintenance.purge_interval; },
       1,
       86'400},
      {{"maintenance", "purge_batch"},
       [](Config& c) -> Slot { return &c.maintenance.purge_batch; },
       10,
       100'000},
      {{"security", "master_key"}, [](Config& c) -> Slot { return &c.security.master_key; }},
      {{"security", "master_key_file"},
       [](Config& c) -> Slot { return &c.security.master_key_file; }},
      {{"notify", "sms"}, [](Config& c) -> Slot { return &c.notify.sms; }},
      {{"notify", "email"}, [](Config& c) -> Slot { return &c.notify.email; }},
      {{"notify", "webhook_url"}, [](Config& c) -> Slot { return &c.notify.webhook_url; }},
      {{"notify", "webhook_secret"}, [](Config& c) -> Slot { return &c.notify.webhook_secret; }},
      {{"notify", "webhook_max_attempts"},
       [](Config& c) -> Slot { return &c.notify.webhook_max_attempts; },
       1,
       10},
      {{"notify", "webhook_backoff_ms"},
       [](Config& c) -> Slot { return &c.notify.webhook_backoff_ms; },
       0,
       60'000},
      {{"notify", "smtp_host"}, [](Config& c) -> Slot { return &c.notify.smtp_host; }},
      {{"notify", "smtp_port"}, [](Config& c) -> Slot { return &c.notify.smtp_port; }, 1, 65535},
      {{"notify", "smtp_security"}, [](Config& c) -> Slot { return &c.notify.smtp_security; }},
      {{"notify", "smtp_username"}, [](Config& c) -> Slot { return &c.notify.smtp_username; }},
      {{"notify", "smtp_password"}, [](Config& c) -> Slot { return &c.notify.smtp_password; }},
      {{"notify", "smtp_from"}, [](Config& c) -> Slot { return &c.notify.smtp_from; }},
      {{"notify", "smtp_ca_file"}, [](Config& c) -> Slot { return &c.notify.smtp_ca_file; }},
      {{"notify", "smtp_timeout_ms"},
       [](Config& c) -> Slot { return &c.notify.smtp_timeout_ms; },
       100,
       600'000},
      {{"notify", "outbox_file"}, [](Config& c) -> Slot { return &c.notify.outbox_file; }},
      {{"verification", "code_ttl"},
       [](Config& c) -> Slot { return &c.verification.code_ttl; },
       1,
       86'400},
      {{"verification", "max_attempts"},
       [](Config& c) -> Slot { return &c.verification.max_attempts; },
       1,
       100},
      {{"verification", "resend_interval"},
       [](Config& c) -> Slot { return &c.verification.resend_interval; },
       0,
       86'400},
      {{"verification", "daily_cap_per_target"},
       [](Config& c) -> Slot { return &c.verification.daily_cap_per_target; },
       1,
       1'000'000},
      {{"verification", "daily_cap_per_peer"},
       [](Config& c) -> Slot { return &c.verification.daily_cap_per_peer; },
       1,
       1'000'000},
      {{"verification", "targets_per_flow"},
       [](Config& c) -> Slot { return &c.verification.targets_per_flow; },
       1,
       100},
      {{"verification", "daily_targets_per_device"},
       [](Config& c) -> Slot { return &c.verification.daily_targets_per_device; },
       1,
       1'000'000},
      {{"verification", "sms_template_en"},
       [](Config& c) -> Slot { return &c.verification.sms_template_en; }},
      {{"verification", "sms_template_zh"},
       [](Config& c) -> Slot { return &c.verification.sms_template_zh; }},
      {{"verification", "email_subject_en"},
       [](Config& c) -> Slot { return &c.verification.email_subject_en; }},
      {{"verification", "email_subject_zh"},
       [](Config& c) -> Slot { return &c.verification.email_subject_zh; }},
      {{"verification", "email_template_en"},
       [](Config& c) -> Slot { return &c.verification.email_template_en; }},
      {{"verification", "email_template_zh"},
       [](Config& c) -> Slot { return &c.verification.email_template_zh; }},
      {{"log", "level"}, [](Config& c) -> Slot { return &c.log.level; }},
      {{"log", "format"}, [](Config& c) -> Slot { return &c.log.format; }},
  };
  return kFields;
}

std::string where(const Field& f) {
  return "[" + std::string(f.name.section) + "] " + std::string(f.name.key);
}

void set_from_text(Config& cfg, const Field& f, std::string_view text, const std::string& origin) {
  Slot slot = f.slot(cfg);
  if (auto* s = std::get_if<std::string*>(&slot)) {
    **s = std::string(text);
    return;
  }
  if (auto* b = std::get_if<bool*>(&slot)) {
    if (text != "true" && text != "false") {
      throw ConfigError(origin + ": " + where(f) + " must be true or false");
    }
    **b = text == "true";
    return;
  }
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw ConfigError(origin + ": " + where(f) + " must be an integer");
  }
  if (value < f.min || value > f.max) {
    throw ConfigError(origin + ": " + where(f) + " must be between " + std::to_string(f.min) +
                      " and " + std::to_string(f.max));
  }
  *std::get<std::int64_t*>(slot) = value;
}

const Field* find_field(std::string_view section, std::string_view key) {
  for (const Field& f : fields()) {
    if (f.name.section == section && f.name.key == key) return &f;
  }
  return nullptr;
}

void apply_file(Config& cfg, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << path << ":" << e.source().begin.line << ": " << e.description();
    throw ConfigError(msg.str());
  }
  for (const auto& [section_name, section_node] : root) {
    const auto* section = section_node.as_table();
    if (section == nullptr) {
      throw ConfigError(path + ": top-level key '" + std::string(section_name.str()) +
                        "' is not a [section]");
    }
    for (const auto& [key_name, value] : *section) {
      const Field* f = find_field(section_name.str(), key_name.str());
      if (f == nullptr) {
        throw ConfigError(path + ": unknown key [" + std::string(section_name.str()) + "] " +
                          std::string(key_name.str()));
      }
      if (const auto* s = value.as_string()) {
        set_from_text(cfg, *f, s->get(), path);
      } else if (const auto* i = value.as_integer()) {
        set_from_text(cfg, *f, std::to_string(i->get()), path);
      } else if (const auto* b = value.as_boolean()) {
        set_from_text(cfg, *f, b->get() ? "true" : "false", path);
      } else {
        throw ConfigError(path + ": " + where(*f) + " must be a string, an integer or a boolean");
      }
    }
  }
}

void apply_environment(Config& cfg) {
  for (const Field& f : fields()) {
    const std::string name = env_name(f.name);
    if (const char* value = std::getenv(name.c_str())) set_from_text(cfg, f, value, name);
  }
}

void require_one_of(std::string_view where_text, const std::string& value,
                    std::initializer_list<std::string_view> allowed) {
  for (std::string_view a : allowed) {
    if (value == a) return;
  }
  std::string list;
  for (std::string_view a : allowed) list += (list.empty() ? "\"" : ", \"") + std::string(a) + "\"";
  throw ConfigError(std::string(where_text) + " must be one of " + list);
}

void validate_notify(const Config& cfg) {
  require_one_of("[notify] sms", cfg.notify.sms, {"", "webhook", "outbox"});
  require_one_of("[notify] email", cfg.notify.email, {"", "smtp", "outbox"});
  require_one_of("[notify] smtp_security", cfg.notify.smtp_security, {"starttls", "tls", "none"});
  if (!cfg.server.development) {
    if (cfg.notify.sms == "outbox") {
      throw ConfigError("[notify] sms = \"outbox\" needs [server] development = true");
    }
    if (cfg.notify.email == "outbox") {
      throw ConfigError("[notify] email = \"outbox\" needs [server] development = true");
    }
  }
}

}  // namespace

std::string env_name(const ConfigKey& key) {
  std::string name = "CIAMD_" + std::string(key.section) + "_" + std::string(key.key);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return name;
}

std::vector<ConfigKey> config_keys() {
  std::vector<ConfigKey> keys;
  for (const Field& f : fields()) keys.push_back(f.name);
  return keys;
}

ListenAddress parse_listen(std::string_view listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    throw ConfigError("listen address '" + std::string(listen) + "' is not host:port");
  }
  std::string_view host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string_view port_text = listen.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    throw ConfigError("listen address '" + std::string(listen) + "' has a bad port");
  }
  return ListenAddress{std::string(host), static_cast<std::uint16_t>(port)};
}

std::string master_key_bytes(const Config& cfg) {
  std::string text = cfg.security.master_key;
  std::string origin = "[security] master_key";
  if (text.empty() && !cfg.security.master_key_file.empty()) {
    std::ifstream in(cfg.security.master_key_file);
    if (!in) throw ConfigError("cannot read " + cfg.security.master_key_file);
    std::getline(in, text);
    origin = cfg.security.master_key_file;
  }
  text.erase(
      std::remove_if(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); }),
      text.end());
  if (text.empty()) {
    throw ConfigError(
        "no master key: set [security] master_key or master_key_file (or "
        "CIAMD_SECURITY_MASTER_KEY); `ciamd master-key` prints a new one");
  }
  std::optional<std::string> key = base64_decode(text);
  if (!key || key->size() != 32) {
    throw ConfigError(origin + " must be the base64 encoding of exactly 32 bytes");
  }
  return std::move(*key);
}

Config load_config(const std::string& path) {
  Config cfg;
  if (!path.empty()) apply_file(cfg, path);
  apply_environment(cfg);
  parse_listen(cfg.server.listen);
  if (!cfg.admin.listen.empty()) parse_listen(cfg.admin.listen);
  validate_notify(cfg);
  require_one_of("[log] format", cfg.log.format, {"text", "json"});
  return cfg;
}

}  // namespace ciamd
