// idp-sim/sim_state: everything the simulator remembers, in memory, shared by all request
// handlers on all threads (each part locks for itself): WeChat and Weibo. New providers add their
// part here.
#pragma once

#include <cstdint>

#include "idp-sim/clock.hpp"
#include "idp-sim/faults.hpp"
#include "idp-sim/wechat_mini_state.hpp"
#include "idp-sim/wechat_server_tokens.hpp"
#include "idp-sim/wechat_state.hpp"
#include "idp-sim/weibo_state.hpp"

namespace idp_sim {

struct SimOptions {
  // Seconds. WeChat app codes live 10 minutes (docs/providers.md#wechat-app-login), mini program
  // login and phone codes 5 (docs/providers.md#wechat-mini-program).
  std::int64_t code_ttl = 600;
  NowSource now = system_now;  // injectable for tests
  std::int64_t mini_code_ttl = kMiniCodeTtl;
};

class SimState {
 public:
  explicit SimState(SimOptions options = {});
  SimState(const SimState&) = delete;
  SimState& operator=(const SimState&) = delete;

  SimClock& clock() { return clock_; }
  FaultBook& faults() { return faults_; }
  WechatState& wechat() { return wechat_; }
  WechatServerTokens& server_tokens() { return server_tokens_; }
  WechatMiniState& wechat_mini() { return wechat_mini_; }
  WeiboState& weibo() { return weibo_; }

  // POST /_sim/reset: users, codes (of every kind), tokens (user and server ones, WeChat and
  // Weibo), faults, counters and the clock offset go; apps and their knobs stay, because they
  // mirror configuration (--wechat-app, --weibo-app) rather than test data.
  void reset();

 private:
  // Declaration order matters: the mini program parts hold references to the earlier members.
  SimClock clock_;
  FaultBook faults_;
  WechatState wechat_;
  WechatServerTokens server_tokens_;
  WechatMiniState wechat_mini_;
  WeiboState weibo_;
};

}  // namespace idp_sim
