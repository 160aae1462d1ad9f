#include "flows/admission.hpp"

#include "store/store.hpp"

namespace ciamd {

Result<Admission> admit(Store& store, const Application& app, const User& user, bool created_now) {
  if (user.status == UserStatus::kDisabled) return ErrorCode::kUserDisabled;
  if (app.access == AccessPolicy::kAll) return Admission::kAdmitted;
  if (!created_now && store.is_assigned(app.client_id, user.id)) return Admission::kAdmitted;
  return Admission::kDenied;
}

LoginOutcome finish_decided(const FlowServices& services, const Application& app, Decided decided) {
  if (auto* ok = std::get_if<CommittedSuccess>(&decided)) {
    return LoginOutcome{finish_success(services, app, ok->user, ok->issued)};
  }
  if (auto* step = std::get_if<LoginStep>(&decided)) return LoginOutcome{std::move(*step)};
  return LoginOutcome{std::get<LoginDenied>(std::move(decided))};
}

}  // namespace ciamd
