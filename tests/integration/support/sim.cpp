#include "integration/support/sim.hpp"

#include <boost/json/serialize.hpp>
#include <iostream>
#include <stdexcept>

#include "integration/support/http_client.hpp"
#include "integration/support/json.hpp"

namespace it {

IdpSim::IdpSim(const std::filesystem::path& dir) {
  const auto tls_dir = dir / "sim-tls";
  const auto ready = dir / "sim.ready";
  std::filesystem::create_directories(tls_dir);
  process_ = std::make_unique<Process>(
      std::vector<std::string>{IDP_SIM_BIN, "--listen", "127.0.0.1:0", "--https-listen",
                               "127.0.0.1:0", "--tls-dir", tls_dir.string(), "--ready-file",
                               ready.string()},
      dir, "idp-sim");
  const boost::json::object info = wait_for_ready_file(ready, *process_);
  const auto port = [&](const char* key) {
    const boost::json::value* v = info.if_contains(key);
    if (v == nullptr || !v->is_int64()) {
      throw std::runtime_error(std::string("idp-sim ready file lacks ") + key + ": " + dump(info));
    }
    return static_cast<int>(v->as_int64());
  };
  http_port_ = port("http_port");
  https_port_ = port("https_port");
  ca_file_ = string_at(info, "ca_file");
  if (ca_file_.empty() || !std::filesystem::exists(ca_file_)) {
    throw std::runtime_error("idp-sim ready file names no existing ca_file: " + dump(info));
  }
}

boost::json::value IdpSim::control(const char* method, const char* path,
                                   const boost::json::object& body) {
  const std::string payload = std::string(method) == "GET" || std::string(method) == "DELETE"
                                  ? std::string()
                                  : boost::json::serialize(body);
  Headers headers;
  if (!payload.empty()) headers.emplace_back("Content-Type", "application/json");
  const HttpResult r = request(http_port_, method, path, headers, payload);
  if (r.status / 100 != 2) {
    throw std::runtime_error(std::string("idp-sim ") + method + " " + path + " " + payload +
                             " -> " + r.describe());
  }
  if (r.body.empty()) return nullptr;
  return parse_json(r.body, std::string("idp-sim ") + path + " response");
}

void IdpSim::add_wechat_app(const std::string& appid, const std::string& secret,
                            const SimAppKnobs& knobs) {
  boost::json::object body{{"appid", appid}, {"secret", secret}};
  if (knobs.token_ttl) body["token_ttl"] = *knobs.token_ttl;
  if (knobs.expired_token_errcode) body["expired_token_errcode"] = *knobs.expired_token_errcode;
  control("POST", "/_sim/wechat/apps", body);
}

SimUser IdpSim::create_user(const boost::json::object& spec) {
  const boost::json::value v = control("POST", "/_sim/wechat/users", spec);
  SimUser u;
  u.user_key = string_at(v.as_object(), "user_key");
  if (const auto* id = v.as_object().if_contains("unionid"); id != nullptr && id->is_string()) {
    u.unionid = std::string(id->as_string());
  }
  if (u.user_key.empty()) throw std::runtime_error("idp-sim user without user_key: " + dump(v));
  return u;
}

namespace {

SimCode read_code(const boost::json::value& v) {
  SimCode c;
  c.code = string_at(v.as_object(), "code");
  c.openid = string_at(v.as_object(), "openid");
  if (const auto* id = v.as_object().if_contains("unionid"); id != nullptr && id->is_string()) {
    c.unionid = std::string(id->as_string());
  }
  if (c.code.empty()) throw std::runtime_error("idp-sim minted no code: " + dump(v));
  return c;
}

}  // namespace

SimCode IdpSim::mint_code(const std::string& appid, const std::string& user_key) {
  return read_code(
      control("POST", "/_sim/wechat/codes", {{"appid", appid}, {"user_key", user_key}}));
}

SimCode IdpSim::mint_mini_code(const std::string& appid, const std::string& user_key,
                               std::optional<std::int64_t> ttl) {
  boost::json::object body{{"appid", appid}, {"user_key", user_key}};
  if (ttl) body["ttl"] = *ttl;
  return read_code(control("POST", "/_sim/wechat/miniprogram/codes", body));
}

SimPhoneCode IdpSim::mint_phone_code(const std::string& appid, const std::string& user_key,
                                     const PhoneCodeOptions& options) {
  boost::json::object body{{"appid", appid}, {"user_key", user_key}};
  if (options.ttl) body["ttl"] = *options.ttl;
  if (options.country_code_as_string) body["country_code_as"] = "string";
  const boost::json::value v = control("POST", "/_sim/wechat/phone-codes", body);
  const boost::json::object& o = v.as_object();
  SimPhoneCode c;
  c.code = string_at(o, "code");
  c.phone_number = string_at(o, "phone_number");
  c.pure_phone_number = string_at(o, "pure_phone_number");
  if (const auto* cc = o.if_contains("country_code"); cc != nullptr && cc->is_string()) {
    c.country_code = std::string(cc->as_string());
  } else if (cc != nullptr && cc->is_int64()) {
    c.country_code = std::to_string(cc->as_int64());
  }
  if (c.code.empty()) throw std::runtime_error("idp-sim minted no phone code: " + dump(v));
  return c;
}

void IdpSim::expire_tokens(const std::string& appid) {
  control("POST", "/_sim/wechat/tokens/expire", {{"appid", appid}});
}

void IdpSim::add_fault(const boost::json::object& fault) {
  control("POST", "/_sim/faults", fault);
}

void IdpSim::clear_faults() {
  control("DELETE", "/_sim/faults", {});
}

std::map<std::string, std::int64_t> IdpSim::calls() {
  const boost::json::value v = control("GET", "/_sim/stats", {});
  std::map<std::string, std::int64_t> out;
  const auto* calls = v.as_object().if_contains("calls");
  if (calls == nullptr || !calls->is_object()) {
    throw std::runtime_error("idp-sim stats without calls: " + dump(v));
  }
  for (const auto& kv : calls->as_object()) {
    out[std::string(kv.key())] = kv.value().is_int64() ? kv.value().as_int64() : -1;
  }
  return out;
}

FaultGuard::~FaultGuard() {
  try {
    sim_.clear_faults();
  } catch (const std::exception& e) {
    std::cerr << "[it] could not clear idp-sim faults: " << e.what() << "\n";
  }
}

}  // namespace it
