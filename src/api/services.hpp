// api/services: what the handlers are given. Built once by app/; every member outlives the server.
#pragma once

#include "flows/services.hpp"

namespace ciamd {

class AppDirectory;
class AuditLog;
class WechatOpenConnector;

struct ApiServices {
  const FlowServices& flows;
  AppDirectory& apps;
  AuditLog& audit;
  WechatOpenConnector& wechat;
};

}  // namespace ciamd
