#include "integration/support/weibo.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <random>

#include "integration/support/json.hpp"

namespace it {

std::string random_weibo_app_key() {
  std::random_device rd;
  std::uniform_int_distribution<int> first(1, 9);
  std::uniform_int_distribution<int> digit(0, 9);
  std::string s(1, static_cast<char>('0' + first(rd)));
  for (int i = 0; i < 9; ++i) s += static_cast<char>('0' + digit(rd));
  return s;
}

void IdpSim::add_weibo_app(const std::string& app_key, const std::string& secret,
                           bool string_fields) {
  control("POST", "/_sim/weibo/apps",
          {{"app_key", app_key}, {"secret", secret}, {"string_fields", string_fields}});
}

boost::json::object IdpSim::create_weibo_user(const boost::json::object& spec) {
  return control("POST", "/_sim/weibo/users", spec).as_object();
}

boost::json::object IdpSim::mint_weibo_token(const std::string& app_key, const std::string& uid,
                                             std::optional<std::int64_t> ttl) {
  boost::json::object body{{"app_key", app_key}, {"uid", uid}};
  if (ttl) body["ttl"] = *ttl;
  return control("POST", "/_sim/weibo/tokens", body).as_object();
}

void IdpSim::revoke_weibo_token(const std::string& access_token) {
  control("POST", "/_sim/weibo/tokens/revoke", {{"access_token", access_token}});
}

WeiboUser new_weibo_user(Env& env) {
  const boost::json::object o = env.sim().create_weibo_user();
  return {std::string(o.at("uid").as_string()), std::string(o.at("screen_name").as_string())};
}

std::string weibo_token(Env& env, const std::string& uid, const std::string& app_key) {
  const boost::json::object o =
      env.sim().mint_weibo_token(app_key.empty() ? env.weibo_app_key() : app_key, uid);
  return std::string(o.at("access_token").as_string());
}

std::string state_token_of(const HttpResult& r) {
  try {
    const boost::json::value v = boost::json::parse(r.body);
    if (const auto* o = v.if_object(); o != nullptr) {
      if (const auto* t = o->if_contains("state_token"); t != nullptr && t->is_string()) {
        return std::string(t->as_string());
      }
    }
  } catch (const std::exception&) {
  }
  return {};
}

::testing::AssertionResult is_mfa(const HttpResult& r, const std::string& factors) {
  boost::json::value v;
  try {
    v = boost::json::parse(r.body);
  } catch (const std::exception&) {
    return ::testing::AssertionFailure() << "not JSON: " << r.describe();
  }
  const auto* o = v.if_object();
  if (r.status != 200 || o == nullptr || o->size() != 3 || !o->contains("status") ||
      !o->contains("state_token") || !o->contains("data")) {
    return ::testing::AssertionFailure()
           << "want 200 {status,state_token,data}, got " << r.describe();
  }
  const auto& st = o->at("status");
  const auto& tok = o->at("state_token");
  const auto& data = o->at("data");
  if (!st.is_string() || st.as_string() != "MFA_AUTH" || !tok.is_string() ||
      std::count(tok.as_string().begin(), tok.as_string().end(), '.') != 2 || !data.is_string() ||
      data.as_string() != factors) {
    return ::testing::AssertionFailure()
           << "want MFA_AUTH with data " << factors << ", got " << r.describe();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace it
