#include "flows/admission.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "store/login_store.hpp"

namespace ciamd {
namespace {

bool wants_second_factor(LoginStore& logins, const Application& app, const User& user,
                         std::string_view device_fingerprint) {
  switch (app.mfa) {
    case MfaPolicy::kOff:
      return false;
    case MfaPolicy::kAlways:
      return true;
    case MfaPolicy::kNewDevice:
      // An empty fingerprint names no device, so it can never be a known one.
      return device_fingerprint.empty() || !logins.is_known_device(user.id, device_fingerprint);
  }
  return true;
}

// MFA_AUTH's data: the usable factors as a JSON array serialized into a string, as docs/api.md
// shows.
std::string factors_data(const std::vector<MfaFactor>& factors) {
  boost::json::array names;
  for (MfaFactor f : factors) names.emplace_back(to_string(f));
  return boost::json::serialize(names);
}

}  // namespace

Result<Admission> check_access(LoginStore& logins, const Application& app, const User& user,
                               bool created_now) {
  if (user.status == UserStatus::kDisabled) return ErrorCode::kUserDisabled;
  if (app.access == AccessPolicy::kAll) return Admission::kAdmitted;
  if (!created_now && logins.is_assigned(app.client_id, user.id)) return Admission::kAdmitted;
  return Admission::kDenied;
}

Result<Admission> admit(LoginStore& logins, const Application& app, const User& user,
                        bool created_now, std::string_view device_fingerprint) {
  Result<Admission> access = check_access(logins, app, user, created_now);
  if (!access || access.value() != Admission::kAdmitted || created_now) return access;
  if (!wants_second_factor(logins, app, user, device_fingerprint)) return Admission::kAdmitted;
  // A second factor nobody can give would strand the user on MFA_AUTH; say so at once.
  if (usable_factors(app, user).empty()) return Admission::kDenied;
  return Admission::kSecondFactor;
}

std::vector<MfaFactor> usable_factors(const Application& app, const User& user) {
  std::vector<MfaFactor> usable;
  for (MfaFactor f : app.mfa_factors) {
    if ((f == MfaFactor::kSms && !user.mobile.empty()) ||
        (f == MfaFactor::kEmail && !user.email.empty())) {
      usable.push_back(f);
    }
  }
  return usable;
}

AdmittedPart::AdmittedPart(const FlowServices& services, const Application& app, const User& user,
                           Admission admission, std::string_view login_method,
                           const DeviceContext& device)
    : user_id_(user.id), fingerprint_(device.fingerprint) {
  if (admission == Admission::kAdmitted) {
    session_ = new_session(services, app, user, login_method, device);
  } else if (admission == Admission::kSecondFactor) {
    PendingStep step = new_step(services, app, FlowKind::kMfa, device);
    step.flow.provider = std::string(login_method);
    step.flow.user_id = user.id;
    step.step.data = factors_data(usable_factors(app, user));
    step.step.user_id = user.id;
    mfa_ = std::move(step);
  }
}

LoginCommit AdmittedPart::added_to(LoginCommit commit) const {
  if (session_) {
    commit.session = session_->session;
    if (!fingerprint_.empty()) commit.remember_device = KnownDevice{user_id_, fingerprint_};
  }
  if (mfa_) commit.new_flow = mfa_->flow;
  return commit;
}

Decided AdmittedPart::decided(User user, bool created_now) && {
  if (session_) return CommittedSuccess{std::move(user), std::move(*session_)};
  if (mfa_) return std::move(mfa_->step);
  return LoginDenied{created_now ? std::string() : user.id};
}

LoginOutcome finish_decided(const FlowServices& services, const Application& app, Decided decided) {
  if (auto* ok = std::get_if<CommittedSuccess>(&decided)) {
    return LoginOutcome{finish_success(services, app, ok->user, ok->issued)};
  }
  if (auto* step = std::get_if<LoginStep>(&decided)) return LoginOutcome{std::move(*step)};
  return LoginOutcome{std::get<LoginDenied>(std::move(decided))};
}

}  // namespace ciamd
