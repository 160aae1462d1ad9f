#include "flows/login/phone_login.hpp"

#include <optional>

#include "exec/runtime.hpp"
#include "flows/admission.hpp"
#include "flows/ids.hpp"
#include "flows/session/session_issuer.hpp"
#include "store/store.hpp"

namespace ciamd {
namespace {

// A first login may lose the race for the new user's number to a concurrent one; it then finds
// that user on the next round.
constexpr int kDecisionRounds = 2;

bool registers_new_people(const Application& app) {
  return app.unbound == UnboundPolicy::kRegister || app.unbound == UnboundPolicy::kAutoCreate;
}

class Decider {
 public:
  Decider(const FlowServices& s, const Application& app, std::string e164,
          std::string_view login_method, const DeviceContext& device)
      : s_(s), app_(app), e164_(std::move(e164)), login_method_(login_method), device_(device) {}

  // Runs on the blocking pool.
  Result<Decided> run() {
    for (int round = 0; round < kDecisionRounds; ++round) {
      std::optional<Result<Decided>> done = decide_once();
      if (done) return std::move(*done);
    }
    return ApiError{ErrorCode::kSystemBusy, "phone login lost the user race twice"};
  }

 private:
  // nullopt: the number was taken by a concurrent first login; decide again.
  std::optional<Result<Decided>> decide_once() {
    const UnixSeconds now = s_.clock();
    std::optional<User> user = s_.store.find_user_by_mobile(e164_);
    const bool creating = !user;
    if (creating && !registers_new_people(app_)) {
      return Result<Decided>{ApiError{ErrorCode::kUserNotFound}};
    }
    if (creating) user = new_user(now);
    Result<Admission> admission = admit(s_.store, app_, *user, creating, device_.fingerprint);
    if (!admission) return Result<Decided>{admission.error()};
    if (admission.value() == Admission::kDenied) {
      return Result<Decided>{Decided{LoginDenied{creating ? "" : user->id}}};
    }
    AdmittedPart part(s_, app_, *user, admission.value(), login_method_, device_);
    LoginCommit commit;
    commit.now = now;
    if (creating) commit.new_user = *user;
    commit = part.added_to(std::move(commit));
    if (s_.store.commit_login(commit) != CommitResult::kOk) return std::nullopt;
    return Result<Decided>{std::move(part).decided(std::move(*user), creating)};
  }

  User new_user(UnixSeconds now) const {
    User u;
    u.id = new_user_id();
    u.username = new_username(login_method_);
    u.mobile = e164_;
    u.created_at = now;
    u.updated_at = now;
    return u;
  }

  const FlowServices& s_;
  const Application& app_;
  const std::string e164_;
  const std::string_view login_method_;
  const DeviceContext& device_;
};

}  // namespace

Task<Result<LoginOutcome>> PhoneLogin::complete(const Application& app, std::string e164,
                                                std::string_view login_method,
                                                const DeviceContext& device) const {
  Decider decider(services_, app, std::move(e164), login_method, device);
  Result<Decided> decided = co_await services_.pool.run([&decider] { return decider.run(); });
  if (!decided) co_return decided.error();
  co_return finish_decided(services_, app, std::move(decided.value()));
}

}  // namespace ciamd
