// Shared by the simulator's mini program tests: a SimState on a clock the test moves, with two
// mini programs registered, and short calls for a server token, a phone code and a phone lookup.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "idp-sim/sim_state.hpp"

namespace idp_sim::testing {

inline constexpr std::int64_t kT0 = 1'700'000'000;

class MiniSimTest : public ::testing::Test {
 protected:
  MiniSimTest() : state_(SimOptions{600, [this] { return now_.load(); }, 300}) {
    state_.wechat().add_app("wxmini", "msecret");
    state_.wechat().add_app("wxmini2", "secret2");
  }

  WechatMiniState& mini() { return state_.wechat_mini(); }

  std::string server_token(const std::string& appid = "wxmini",
                           const std::string& secret = "msecret") {
    return state_.server_tokens()
        .stable_token(StableTokenRequest{"client_credential", appid, secret, false})
        .value()
        .access_token;
  }

  std::string phone_code(const std::string& appid = "wxmini", const std::string& user = "alice",
                         std::optional<std::int64_t> ttl = {}) {
    return mini().mint_phone_code(appid, user, ttl, false).value().code;
  }

  // 0 for a success, else the errcode.
  int phone(const std::string& token, const std::string& code) {
    const auto r = mini().phone_number(token, code);
    return r ? 0 : r.error().errcode;
  }

  std::atomic<std::int64_t> now_{kT0};
  SimState state_;
};

}  // namespace idp_sim::testing
