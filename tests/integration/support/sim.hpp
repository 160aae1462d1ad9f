// IdpSim: the upstream simulator (tools/idp-sim) as a child process, plus typed calls of its
// control API. The simulator makes its own throwaway CA in `dir`; ciamd trusts it by config.
//
//   IdpSim sim(dir);
//   sim.add_wechat_app("wxapp", "secret");
//   SimUser u = sim.create_user();
//   std::string code = sim.mint_code("wxapp", u.user_key).code;
//   SimCode login = sim.mint_mini_code("wxmini", u.user_key);       // a wx.login code
//   SimPhoneCode phone = sim.mint_phone_code("wxmini", u.user_key); // needs a user with a phone
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "integration/support/process.hpp"

namespace it {

struct SimUser {
  std::string user_key;
  std::optional<std::string> unionid;
};

struct SimCode {
  std::string code;
  std::string openid;
  std::optional<std::string> unionid;
};

// A phone-number authorization code and the phone_info getuserphonenumber will answer for it.
struct SimPhoneCode {
  std::string code;
  std::string phone_number;
  std::string pure_phone_number;
  std::string country_code;  // digits, whether the simulator sends it as a string or a number
};

// Per-app knobs of the simulator's server access tokens (cgi-bin/stable_token); absent ones are
// left to the simulator's defaults (7200 s, expired tokens answered with 42001).
struct SimAppKnobs {
  std::optional<std::int64_t> token_ttl{};
  std::optional<int> expired_token_errcode{};  // 42001 or 40014
};

// How a phone code is minted.
struct PhoneCodeOptions {
  bool country_code_as_string = false;  // phone_info.countryCode "86" instead of 86
  std::optional<std::int64_t> ttl{};    // seconds
};

class IdpSim {
 public:
  // Starts idp-sim on ephemeral loopback ports and waits for its ready file. Throws on failure.
  explicit IdpSim(const std::filesystem::path& dir);

  int http_port() const { return http_port_; }
  int https_port() const { return https_port_; }
  const std::filesystem::path& ca_file() const { return ca_file_; }
  Process& process() { return *process_; }

  // Open Platform apps and mini programs are registered alike.
  void add_wechat_app(const std::string& appid, const std::string& secret,
                      const SimAppKnobs& knobs = {});
  // `spec` is the control API's body: {"user_key"?, "unionid"?, "phone"?, "blocked"?, ...}.
  SimUser create_user(const boost::json::object& spec = {});
  SimCode mint_code(const std::string& appid, const std::string& user_key);
  // A wx.login code for mini program `appid`.
  SimCode mint_mini_code(const std::string& appid, const std::string& user_key,
                         std::optional<std::int64_t> ttl = {});
  SimPhoneCode mint_phone_code(const std::string& appid, const std::string& user_key,
                               const PhoneCodeOptions& options = {});
  // Weibo (defined in weibo.cpp): apps, users, access tokens (POST /_sim/weibo/...).
  void add_weibo_app(const std::string& app_key, const std::string& secret,
                     bool string_fields = false);
  // `spec`: {"uid"?, "screen_name"?}; returns the answer {"uid","screen_name"}.
  boost::json::object create_weibo_user(const boost::json::object& spec = {});
  // Returns {"access_token","uid","expires_in"}.
  boost::json::object mint_weibo_token(const std::string& app_key, const std::string& uid,
                                       std::optional<std::int64_t> ttl = {});
  void revoke_weibo_token(const std::string& access_token);

  // Every server access token of `appid` is expired from now on.
  void expire_tokens(const std::string& appid);
  // `fault` is the control API's body: {"path", "errcode"?, "latency_ms"?, ...}.
  void add_fault(const boost::json::object& fault);
  void clear_faults();
  // Upstream calls per path, e.g. calls()["/sns/oauth2/access_token"].
  std::map<std::string, std::int64_t> calls();

 private:
  boost::json::value control(const char* method, const char* path, const boost::json::object& body);

  std::unique_ptr<Process> process_;
  int http_port_ = 0;
  int https_port_ = 0;
  std::filesystem::path ca_file_;
};

// Removes every injected fault when it goes out of scope, so one test's faults never leak into
// the next even when an assertion returns early.
class FaultGuard {
 public:
  FaultGuard(IdpSim& sim, const boost::json::object& fault) : sim_(sim) { sim_.add_fault(fault); }
  ~FaultGuard();
  FaultGuard(const FaultGuard&) = delete;
  FaultGuard& operator=(const FaultGuard&) = delete;

 private:
  IdpSim& sim_;
};

}  // namespace it
