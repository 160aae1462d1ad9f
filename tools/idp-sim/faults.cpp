#include "idp-sim/faults.hpp"

#include <utility>

namespace idp_sim {

void FaultBook::add(const std::string& path, Fault fault) {
  std::lock_guard lock(mu_);
  faults_[path].push_back(std::move(fault));
}

void FaultBook::clear() {
  std::lock_guard lock(mu_);
  faults_.clear();
}

std::optional<Fault> FaultBook::on_call(const std::string& path) {
  std::lock_guard lock(mu_);
  ++calls_[path];
  auto it = faults_.find(path);
  if (it == faults_.end() || it->second.empty()) return std::nullopt;
  Fault& front = it->second.front();
  Fault taken = front;
  if (front.count > 0 && --front.count == 0) it->second.pop_front();
  return taken;
}

std::map<std::string, std::int64_t> FaultBook::calls() const {
  std::lock_guard lock(mu_);
  auto out = zeroes_;
  for (const auto& [path, n] : calls_) out[path] = n;
  return out;
}

void FaultBook::add_known_path(const std::string& path) {
  std::lock_guard lock(mu_);
  zeroes_[path] = 0;
}

bool FaultBook::is_known_path(const std::string& path) const {
  std::lock_guard lock(mu_);
  return zeroes_.contains(path);
}

void FaultBook::reset() {
  std::lock_guard lock(mu_);
  faults_.clear();
  calls_.clear();
}

bool fault_runs_handler(const Fault& fault) {
  return fault.errcode == -1 && !fault.http_status && !fault.garbage;
}

std::string default_wechat_errmsg(int errcode) {
  switch (errcode) {
    case -1:
      return "system error";
    case 40001:
      return "invalid credential, access_token is invalid or not latest";
    case 40002:
      return "invalid grant_type";
    case 40013:
      return "invalid appid";
    case 40014:
      return "invalid access_token";
    case 40029:
      return "invalid code";
    case 40125:
      return "invalid appsecret";
    case 40163:
      return "code been used";
    case 40164:
      return "invalid ip, not in whitelist";
    case 40226:
      return "code blocked";
    case 41001:
      return "access_token missing";
    case 41002:
      return "appid missing";
    case 41004:
      return "appsecret missing";
    case 41008:
      return "missing code";
    case 42001:
      return "access_token expired";
    case 43002:
      return "require POST method";
    case 45009:
      return "reach max api daily quota limit";
    case 45011:
      return "api minute-quota reach limit mustslower retry next minute";
    case 47001:
      return "data format error";
    case 48001:
      return "api unauthorized";
    default:
      return "fault injected by idp-sim";
  }
}

}  // namespace idp_sim
