#include "idp-sim/weibo_state.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <utility>

#include "idp-sim/ids.hpp"

namespace idp_sim {
namespace {

WeiboError wb(int error_code, std::string error) {
  return WeiboError{error_code, std::move(error)};
}

// Real tokens look like "2.00VhcCuBIOBYXDd4c6c7c1d00SfGLf": "2.00" and 28 alphanumerics.
std::string new_weibo_token() {
  return "2.00" + random_chars(kAlnum, 28);
}

}  // namespace

bool is_weibo_id(std::string_view text) {
  if (text.empty() || text.size() > 18 || text.front() == '0') return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string weibo_time(std::int64_t t) {
  using namespace std::chrono;
  static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed",
                                                    "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // Weibo renders every time in China Standard Time, which has no daylight saving.
  const sys_seconds local{seconds{t + 8 * 3600}};
  const sys_days day = floor<days>(local);
  const year_month_day ymd{day};
  const hh_mm_ss hms{local - day};
  std::array<char, 48> buf{};
  std::snprintf(buf.data(), buf.size(), "%s %s %02u %02d:%02d:%02d +0800 %d",
                kDays[weekday{day}.c_encoding()], kMonths[unsigned{ymd.month()} - 1],
                unsigned{ymd.day()}, static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                int{ymd.year()});
  return buf.data();
}

std::string default_weibo_error(int error_code) {
  switch (error_code) {
    case 10001:
      return "System error";
    case 10002:
      return "Service unavailable";
    case 10003:
      return "Remote service error";
    case 10004:
      return "IP limit";
    case 10006:
      return "source paramter (appkey) is missing";
    case 10009:
      return "system busy";
    case 10016:
      return "miss required parameter (uid), see doc for more info";
    case 10022:
      return "IP requests out of rate limit!";
    case 10023:
      return "User requests out of rate limit!";
    case 20003:
      return "User does not exists!";
    case 21323:
      return "invalid_request";
    case 21327:
      return "expired_token";
    case 21331:
      return "temporarily_unavailable";
    case 21332:
      return "invalid_access_token";
    default:
      return "fault injected by idp-sim";
  }
}

WeiboState::WeiboState(const SimClock& clock) : clock_(clock) {}

ControlResult<Done> WeiboState::add_app(const std::string& app_key, const std::string& secret,
                                        WeiboAppKnobs knobs) {
  if (!is_weibo_id(app_key)) return ControlError{400, "app_key must be digits"};
  if (secret.empty()) return ControlError{400, "secret is required"};
  std::lock_guard lock(mu_);
  apps_[app_key] = App{secret, knobs};
  return Done{};
}

ControlResult<WeiboUser> WeiboState::add_user(const NewWeiboUser& spec) {
  if (spec.uid && !is_weibo_id(*spec.uid)) return ControlError{400, "uid must be digits"};
  const std::string gender = spec.gender.value_or("m");
  if (gender != "m" && gender != "f" && gender != "n") {
    return ControlError{400, "gender must be \"m\", \"f\" or \"n\""};
  }
  std::lock_guard lock(mu_);
  std::string uid;
  if (spec.uid) {
    if (users_.contains(*spec.uid)) return ControlError{400, "uid already exists"};
    uid = *spec.uid;
  } else {
    do {  // 10 digits like today's uids; retried on the rare clash
      uid = random_chars("123456789", 1) + random_chars("0123456789", 9);
    } while (users_.contains(uid));
  }
  WeiboUser user;
  user.uid = uid;
  user.screen_name = spec.screen_name.value_or("用户" + uid);
  user.gender = gender;
  // 11/8 is Beijing/Haidian; a free-form location gets Weibo's "other" codes instead.
  user.location = spec.location.value_or("北京 海淀区");
  user.province = spec.location ? "100" : "11";
  user.city = spec.location ? "1000" : "8";
  user.created_at = clock_.now();
  users_[uid] = user;
  return user;
}

ControlResult<MintedWeiboToken> WeiboState::mint_token(const std::string& app_key,
                                                       const std::string& uid,
                                                       std::optional<std::int64_t> ttl,
                                                       bool revoked) {
  if (ttl && *ttl < 0) return ControlError{400, "ttl must not be negative"};
  std::lock_guard lock(mu_);
  if (!apps_.contains(app_key)) return ControlError{404, "unknown app_key"};
  if (!users_.contains(uid)) return ControlError{404, "unknown uid"};
  const std::int64_t now = clock_.now();
  const std::int64_t lifetime = ttl.value_or(kWeiboTokenTtl);
  std::string token = new_weibo_token();
  tokens_[token] = Token{app_key, uid, now, now + lifetime, revoked};
  return MintedWeiboToken{std::move(token), uid, lifetime};
}

ControlResult<Done> WeiboState::revoke_token(const std::string& access_token) {
  std::lock_guard lock(mu_);
  const auto it = tokens_.find(access_token);
  if (it == tokens_.end()) return ControlError{404, "unknown access_token"};
  it->second.revoked = true;
  return Done{};
}

void WeiboState::reset() {
  std::lock_guard lock(mu_);
  users_.clear();
  tokens_.clear();
}

WeiboResult<WeiboState::Token> WeiboState::valid_token(const std::string& access_token) const {
  const auto it = tokens_.find(access_token);
  // A revoked token is indistinguishable from one that never existed.
  if (it == tokens_.end() || it->second.revoked) return wb(21332, "invalid_access_token");
  if (clock_.now() >= it->second.expires_at) return wb(21327, "expired_token");
  return it->second;
}

WeiboResult<WeiboTokenInfo> WeiboState::token_info(const std::string& access_token) {
  if (access_token.empty()) return wb(21323, "invalid_request");
  std::lock_guard lock(mu_);
  const auto token = valid_token(access_token);
  if (!token) return token.error();
  const auto app = apps_.find(token->app_key);
  const bool string_fields = app != apps_.end() && app->second.knobs.string_fields;
  return WeiboTokenInfo{token->uid, token->app_key, token->create_at,
                        token->expires_at - clock_.now(), string_fields};
}

WeiboResult<WeiboUser> WeiboState::show_user(const std::string& access_token,
                                             const std::string& uid) {
  // Without a token the API cannot tell which app calls: Weibo names the missing appkey.
  if (access_token.empty()) return wb(10006, "source paramter (appkey) is missing");
  std::lock_guard lock(mu_);
  const auto token = valid_token(access_token);
  if (!token) return token.error();
  if (uid.empty()) return wb(10016, "miss required parameter (uid), see doc for more info");
  const auto it = users_.find(uid);
  if (it == users_.end()) return wb(20003, "User does not exists!");
  return it->second;
}

}  // namespace idp_sim
