// api/services: what the handlers are given. Built once by app/; every member outlives the server.
#pragma once

#include "flows/services.hpp"

namespace ciamd {

class AppDirectory;
class AuditLog;
class Metrics;
class WechatOpenConnector;
class WechatMiniConnector;
class WeiboConnector;
class Verification;

struct ApiServices {
  const FlowServices& flows;
  AppDirectory& apps;
  AuditLog& audit;
  WechatOpenConnector& wechat;
  WechatMiniConnector& wechat_mini;
  WeiboConnector& weibo;
  const Verification& verification;  // codes for sms/send, email/send and the bind endpoints
  // ciamd_logins_total is recorded here when set; a pointer with a default, so the services can
  // be built without metrics (tests, one-off commands).
  Metrics* metrics = nullptr;
};

}  // namespace ciamd
