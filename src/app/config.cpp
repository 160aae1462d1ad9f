#include "app/config.hpp"

#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
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

std::vector<std::string> where_names() {
  std::vector<std::string> names;
  for (const Field& f : fields()) names.push_back(where(f));
  return names;
}

// Levenshtein distance, case-insensitive: enough to point a typo at the key it was meant to be.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean X?)" for the closest known name within three edits, else "".
std::string did_you_mean(std::string_view name, const std::vector<std::string>& known) {
  const std::string* best = nullptr;
  std::size_t best_distance = 4;
  for (const std::string& k : known) {
    const std::size_t d = edit_distance(name, k);
    if (d < best_distance) {
      best = &k;
      best_distance = d;
    }
  }
  return best == nullptr ? "" : " (did you mean " + *best + "?)";
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
        const std::string name =
            "[" + std::string(section_name.str()) + "] " + std::string(key_name.str());
        throw ConfigError(path + ": unknown key " + name + did_you_mean(name, where_names()));
      }
      cfg.origins[where(*f)] = "set in " + path;
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

// CIAMD_* variables that are not configuration keys: CIAMD_CONFIG (the --config option), and
// those the project's scripts and tests set for themselves (scripts/demo.sh, scripts/test.sh,
// bench/run.sh, the ctest fixtures), which reach ciamd because it runs in their environment.
// docs/configuration.md lists them; any other CIAMD_* variable is an error.
constexpr std::array<std::string_view, 16> kNotConfigVariables{
    "CIAMD_CONFIG",
    "CIAMD_TEST_DATABASE",
    "CIAMD_TEST_POSTGRES_URL",
    "CIAMD_TEST_POSTGRES_URL_FILE",
    "CIAMD_TEST_BUILD_DIR",
    "CIAMD_TEST_RELEASE_BUILD_DIR",
    "CIAMD_DEMO_PORT",
    "CIAMD_DEMO_SIM_PORT",
    "CIAMD_DEMO_SIM_HTTPS_PORT",
    "CIAMD_BENCH_PORT",
    "CIAMD_TEST_PACKAGE",
    "CIAMD_PACKAGE_BUILD_DIR",
    "CIAMD_TEST_FUZZ_SECONDS",
    "CIAMD_FUZZ_BUILD_DIR",
    "CIAMD_FUZZ_KEEP_CORPUS",
    "CIAMD_SANITIZE_BUILD_DIR",
};

std::vector<std::string> env_names() {
  std::vector<std::string> names;
  for (const Field& f : fields()) names.push_back(env_name(f.name));
  return names;
}

void apply_environment(Config& cfg) {
  for (const Field& f : fields()) {
    const std::string name = env_name(f.name);
    if (const char* value = std::getenv(name.c_str())) {
      set_from_text(cfg, f, value, name);
      cfg.origins[where(f)] = "set by " + name;
    }
  }
  // A misspelt variable (CIAMD_SERVR_LISTEN) would otherwise leave the default in place without
  // a word, exactly what unknown keys in the file are refused for.
  const std::vector<std::string> known = env_names();
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::string_view name = text.substr(0, text.find('='));
    if (!name.starts_with("CIAMD_")) continue;
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    if (std::find(kNotConfigVariables.begin(), kNotConfigVariables.end(), name) !=
        kNotConfigVariables.end()) {
      continue;
    }
    throw ConfigError("environment variable " + std::string(name) + " names no configuration key" +
                      did_you_mean(name, known) +
                      "; docs/configuration.md lists the variables (unset it, or correct it)");
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

std::string describe_key(const Config& cfg, const ConfigKey& key) {
  const std::string name = "[" + std::string(key.section) + "] " + std::string(key.key);
  const auto origin = cfg.origins.find(name);
  if (origin == cfg.origins.end()) return name + " (or " + env_name(key) + ")";
  return name + " (" + origin->second + ")";
}

std::string master_key_bytes(const Config& cfg) {
  namespace fs = std::filesystem;
  std::string text = cfg.security.master_key;
  std::string origin = describe_key(cfg, {"security", "master_key"});
  const std::string& file = cfg.security.master_key_file;
  if (text.empty() && !file.empty()) {
    origin = "the master key file " + file + ", named by " +
             describe_key(cfg, {"security", "master_key_file"}) + ",";
    std::error_code ec;
    const fs::file_status status = fs::status(file, ec);
    if (!fs::exists(status)) {
      throw ConfigError(origin + " does not exist: create it with `(umask 077; ciamd master-key " +
                        "> " + file + ")` or correct the setting");
    }
    if (fs::is_directory(status)) throw ConfigError(origin + " is a directory, not a file");
    std::ifstream in(file);
    if (!in) {
      throw ConfigError(origin + " cannot be read by ciamd's user (" + std::strerror(errno) +
                        "): make it readable by that user only (chmod 600, chown)");
    }
    std::getline(in, text);
  }
  text.erase(
      std::remove_if(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); }),
      text.end());
  if (text.empty()) {
    if (!file.empty() && cfg.security.master_key.empty()) {
      throw ConfigError(origin +
                        " is empty: it must hold the base64 text `ciamd master-key` prints");
    }
    throw ConfigError(
        "no master key: set [security] master_key_file (or CIAMD_SECURITY_MASTER_KEY_FILE) to a "
        "file holding one, or [security] master_key (or CIAMD_SECURITY_MASTER_KEY); `ciamd "
        "master-key` prints a new one");
  }
  std::optional<std::string> key = base64_decode(text);
  if (!key) {
    throw ConfigError(origin + " is not base64: it must hold the base64 encoding of exactly 32 " +
                      "bytes, as `ciamd master-key` prints");
  }
  if (key->size() != 32) {
    throw ConfigError(origin + " decodes to " + std::to_string(key->size()) +
                      " bytes; the master key is exactly 32 (`ciamd master-key` prints one)");
  }
  return std::move(*key);
}

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

namespace {

// The host of an http(s) URL ("http://[::1]:8080/x" -> "::1"), or "" when it has none.
std::string_view url_host(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  rest = rest.substr(rest.find('@') == std::string_view::npos ? 0 : rest.find('@') + 1);
  if (rest.starts_with('[')) return rest.substr(1, rest.find(']') - 1);
  return rest.substr(0, rest.find(':'));
}

}  // namespace

std::vector<std::string> startup_warnings(const Config& cfg) {
  std::vector<std::string> out;
  const std::string& key_file = cfg.security.master_key_file;
  struct stat st {};
  if (cfg.security.master_key.empty() && !key_file.empty() && ::stat(key_file.c_str(), &st) == 0 &&
      (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    out.push_back("the master key file " + key_file + " (" +
                  describe_key(cfg, {"security", "master_key_file"}) + ") has mode " + mode +
                  ": group or others may use it; `chmod 600 " + key_file +
                  "` so that only ciamd's user can read it");
  }
  const std::string listen_host = parse_listen(cfg.server.listen).host;
  if (is_loopback_host(listen_host)) return out;
  if (is_loopback_host(url_host(cfg.tokens.issuer))) {
    out.push_back(describe_key(cfg, {"tokens", "issuer"}) + " is " + cfg.tokens.issuer +
                  ", a loopback address, while [server] listen is " + cfg.server.listen +
                  ": id_tokens name an issuer the clients cannot reach; set issuer to the public "
                  "https URL clients use");
  }
  if (cfg.server.development) {
    std::string outbox;
    if (cfg.notify.sms == "outbox" || cfg.notify.email == "outbox") {
      outbox = " and verification codes go to the outbox file " + cfg.notify.outbox_file +
               " instead of users";
    }
    out.push_back(describe_key(cfg, {"server", "development"}) +
                  " is true while [server] listen is " + cfg.server.listen +
                  ", not a loopback address: development mode allows the outbox senders" + outbox +
                  "; turn it off in production");
  }
  return out;
}

namespace {

// A CA bundle a key names must be there, readable and hold a certificate, found at load time:
// before anything is written, and not as a bare TLS library message at the first upstream call.
void check_ca_file(const Config& cfg, const ConfigKey& key, const std::string& file) {
  namespace fs = std::filesystem;
  if (file.empty()) return;
  const std::string where = describe_key(cfg, key) + " names " + file + ", ";
  std::error_code ec;
  const fs::file_status status = fs::status(file, ec);
  if (!fs::exists(status)) throw ConfigError(where + "which does not exist");
  if (!fs::is_regular_file(status)) throw ConfigError(where + "which is not a regular file");
  std::ifstream in(file);
  if (!in) throw ConfigError(where + "which cannot be read: " + std::strerror(errno));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    throw ConfigError(where + "which holds no PEM certificate");
  }
}

}  // namespace

Config load_config(const std::string& path) {
  Config cfg;
  if (!path.empty()) apply_file(cfg, path);
  apply_environment(cfg);
  parse_listen(cfg.server.listen);
  if (!cfg.admin.listen.empty()) parse_listen(cfg.admin.listen);
  validate_notify(cfg);
  require_one_of("[log] format", cfg.log.format, {"text", "json"});
  check_ca_file(cfg, {"upstream", "ca_file"}, cfg.upstream.ca_file);
  check_ca_file(cfg, {"notify", "smtp_ca_file"}, cfg.notify.smtp_ca_file);
  return cfg;
}

}  // namespace ciamd
