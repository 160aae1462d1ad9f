// store/login_store: what a login reads, and the one transaction that writes its outcome. Used by
// the login, bind, second-factor and admission flows.
//
// Calls block (run them on the BlockingPool) and are safe from several threads; failures of the
// database throw StoreError. Everything one outcome writes is one LoginCommit, applied whole or
// not at all, so a refused or lost request changes nothing:
//
//   LoginCommit c;
//   c.now = now;
//   c.new_user = user;
//   c.new_identity = identity;  // identity.user_id == user.id
//   c.session = session;
//   switch (logins.commit_login(c)) {
//     case CommitResult::kOk: ...              // all of it is written
//     case CommitResult::kIdentityTaken: ...   // none of it: another request linked it first
//   }
//
// The example above is compiled and run in tests/unit/contracts_test.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"

namespace ciamd {

// A unionid WeChat gave for an identity that was linked without one: it is written onto the
// identity and claimed for the identity's user in unionid_owners.
struct UnionidAttachment {
  std::string provider;
  std::string provider_app_id;
  std::string subject;
  std::string unionid;
  std::string user_id;  // the identity's user
};

// A device a user completed a login from (MFA policy `new_device`).
struct KnownDevice {
  std::string user_id;
  std::string fingerprint;  // X-device-fingerprint
};

// Everything one login outcome writes, applied in one transaction or not at all.
struct LoginCommit {
  std::optional<std::string> consume_code_id;  // fails the commit if used, revoked or expired
  std::optional<std::string> consume_flow_id;  // fails the commit if already consumed or expired
  std::optional<User> new_user;
  std::optional<Identity> new_identity;  // its user_id must be set
  // kIdentityTaken when the identity has a unionid already, the unionid belongs to another user,
  // or another identity of the same provider app holds it.
  std::optional<UnionidAttachment> attach_unionid;
  std::optional<Session> session;
  std::optional<FlowState> new_flow;
  // Recorded (first seen / last seen) with every SUCCESS, so `new_device` asks once per device.
  std::optional<KnownDevice> remember_device;
  UnixSeconds now = 0;
};

enum class CommitResult {
  kOk,
  kCodeNotUsable,  // consume_code_id was used, revoked, expired or unknown
  kFlowNotUsable,  // consume_flow_id was consumed, expired or unknown
  kIdentityTaken,  // the identity (or its unionid) is already linked
  kUserConflict,   // new_user's id, username, mobile or email is taken
};

class LoginStore {
 public:
  virtual ~LoginStore() = default;

  virtual std::optional<User> find_user(std::string_view user_id) = 0;
  virtual std::optional<User> find_user_by_mobile(std::string_view e164) = 0;
  virtual std::optional<User> find_user_by_email(std::string_view lower_email) = 0;

  virtual std::optional<Identity> find_identity(std::string_view provider,
                                                std::string_view provider_app_id,
                                                std::string_view subject) = 0;
  virtual std::optional<Identity> find_identity_by_unionid(std::string_view provider,
                                                           std::string_view unionid) = 0;
  virtual std::vector<Identity> list_identities(std::string_view user_id) = 0;

  // Whether the user completed a login from this device fingerprint before.
  virtual bool is_known_device(std::string_view user_id, std::string_view fingerprint) = 0;
  // Whether the user is assigned to the application (access policy `assigned`). Assignments are
  // written through ApplicationStore.
  virtual bool is_assigned(std::string_view client_id, std::string_view user_id) = 0;

  // The flow record a state token names, consumed and expired ones too: the caller decides.
  virtual std::optional<FlowState> find_flow_state(std::string_view flow_id) = 0;
  virtual CommitResult commit_login(const LoginCommit& commit) = 0;
};

}  // namespace ciamd
