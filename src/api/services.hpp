// api/services: what the SDK handlers are given: the use cases they call (one call per request)
// and the shared pieces of the endpoint shape (application cache, audit trail, metrics). Built
// once by app/; every member outlives the server.
#pragma once

#include "flows/services.hpp"

namespace ciamd {

class AppDirectory;
class AuditLog;
class FlowGuard;
class Metrics;
class MfaCompletion;
class PhoneLogin;
class SessionRefresher;
class SocialBind;
class SocialLogin;
class Verification;

struct ApiServices {
  const FlowServices& flows;  // clock, keys and token settings (JWKS, discovery document)
  AppDirectory& apps;
  AuditLog& audit;
  const FlowGuard& flow_guard;  // state tokens of flow continuations
  const SocialLogin& social_login;
  const PhoneLogin& phone_login;
  const SocialBind& social_bind;
  const Verification& verification;  // sms/send, email/send
  const MfaCompletion& mfa;
  const SessionRefresher& sessions;
  // ciamd_logins_total is recorded here when set; a pointer with a default, so the services can
  // be built without metrics (tests, one-off commands).
  Metrics* metrics = nullptr;
};

}  // namespace ciamd
