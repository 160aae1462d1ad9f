// IdpSim: the upstream simulator (tools/idp-sim) as a child process, plus typed calls of its
// control API. The simulator makes its own throwaway CA in `dir`; ciamd trusts it by config.
//
//   IdpSim sim(dir);
//   sim.add_wechat_app("wxapp", "secret");
//   SimUser u = sim.create_user();
//   std::string code = sim.mint_code("wxapp", u.user_key).code;
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

class IdpSim {
 public:
  // Starts idp-sim on ephemeral loopback ports and waits for its ready file. Throws on failure.
  explicit IdpSim(const std::filesystem::path& dir);

  int http_port() const { return http_port_; }
  int https_port() const { return https_port_; }
  const std::filesystem::path& ca_file() const { return ca_file_; }
  Process& process() { return *process_; }

  void add_wechat_app(const std::string& appid, const std::string& secret);
  SimUser create_user(const boost::json::object& spec = {});
  SimCode mint_code(const std::string& appid, const std::string& user_key);
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
