// flows/admission: what every login and every flow completion does once the first factor is
// proven, written once so each rule lands everywhere at the same time.
//
//   admit(): a disabled user -> USER.0039; an `assigned` application and a user not assigned to
//            it -> kDenied (a user this request creates is never assigned yet); then the MFA
//            policy: `always`, or `new_device` and a fingerprint the user never completed a login
//            from -> kSecondFactor, unless the user was created by this very request (the proof
//            that created them is all there is to check); a second factor the user cannot give
//            (no phone/email for the application's factors) -> kDenied; else kAdmitted.
//            Reads the store: call it on the blocking pool.
//   AdmittedPart: what an admission adds to the outcome's commit (a session and the remembered
//            device, or the MFA flow record, or nothing) and what the flow answers after it.
//   Decided / finish_decided(): the result a flow computes on the pool, and how it becomes a
//            LoginOutcome off the pool (the id_token is signed after the commit).
//
//   Result<Admission> a = admit(store, app, user, /*created_now=*/false, device.fingerprint);
//   AdmittedPart part(services, app, user, a.value(), login_method, device);
//   commit = part.added_to(std::move(commit));  ... commit_login ...
//   return part.decided(std::move(user), /*created_now=*/false);
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"
#include "flows/flow_step.hpp"
#include "flows/outcome.hpp"
#include "flows/services.hpp"
#include "flows/session/session_issuer.hpp"
#include "store/login_store.hpp"

namespace ciamd {

enum class Admission { kAdmitted, kDenied, kSecondFactor };

Result<Admission> admit(LoginStore& logins, const Application& app, const User& user,
                        bool created_now, std::string_view device_fingerprint);

// Only the access rules (disabled, assigned), for completing a second factor.
Result<Admission> check_access(LoginStore& logins, const Application& app, const User& user,
                               bool created_now);

// The application's factors the user can give, in the application's order: SMS needs a phone,
// EMAIL an email.
std::vector<MfaFactor> usable_factors(const Application& app, const User& user);

// A login whose session row is committed; only the signature is left to do.
struct CommittedSuccess {
  User user;
  IssuedSession issued;
};
using Decided = std::variant<CommittedSuccess, LoginStep, LoginDenied>;

class AdmittedPart {
 public:
  // `login_method` goes on the session or the MFA flow record (and decides the session lifetime).
  AdmittedPart(const FlowServices& services, const Application& app, const User& user,
               Admission admission, std::string_view login_method, const DeviceContext& device);

  // The commit with this part's rows added: session + remembered device (kAdmitted), the MFA
  // flow record (kSecondFactor), nothing (kDenied).
  LoginCommit added_to(LoginCommit commit) const;
  // What to answer once the commit succeeded. `created_now`: the denied user does not exist.
  Decided decided(User user, bool created_now) &&;

 private:
  std::string user_id_;
  std::string fingerprint_;
  std::optional<IssuedSession> session_;
  std::optional<PendingStep> mfa_;
};

LoginOutcome finish_decided(const FlowServices& services, const Application& app, Decided decided);

}  // namespace ciamd
