#include "flows/login/phone_login.hpp"

#include <optional>

#include "exec/runtime.hpp"
#include "flows/admission.hpp"
#include "flows/ids.hpp"
#include "flows/retry.hpp"
#include "flows/session/session_issuer.hpp"
#include "idp/wechat_mini.hpp"
#include "store/login_store.hpp"

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
  Decider(const FlowServices& s, LoginStore& logins, const Application& app, std::string e164,
          std::string_view login_method, const DeviceContext& device)
      : s_(s),
        logins_(logins),
        app_(app),
        e164_(std::move(e164)),
        login_method_(login_method),
        device_(device) {}

  // Runs on the blocking pool.
  Result<Decided> run() {
    return decide_with_retries<Decided>(kDecisionRounds, "phone login lost the user race twice",
                                        [this] { return decide_once(); });
  }

 private:
  // LostRace: the number was taken by a concurrent first login.
  Attempt<Decided> decide_once() {
    const UnixSeconds now = s_.clock();
    std::optional<User> user = logins_.find_user_by_mobile(e164_);
    const bool creating = !user;
    if (creating && !registers_new_people(app_)) {
      return Result<Decided>{ApiError{ErrorCode::kUserNotFound}};
    }
    if (creating) user = new_user(now);
    Result<Admission> admission = admit(logins_, app_, *user, creating, device_.fingerprint);
    if (!admission) return Result<Decided>{admission.error()};
    if (admission.value() == Admission::kDenied) {
      return Result<Decided>{Decided{LoginDenied{creating ? "" : user->id}}};
    }
    AdmittedPart part(s_, app_, *user, admission.value(), login_method_, device_);
    LoginCommit commit;
    commit.now = now;
    if (creating) commit.new_user = *user;
    commit = part.added_to(std::move(commit));
    if (logins_.commit_login(commit) != CommitResult::kOk) return LostRace{};
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
  LoginStore& logins_;
  const Application& app_;
  const std::string e164_;
  const std::string_view login_method_;
  const DeviceContext& device_;
};

}  // namespace

Task<Result<LoginOutcome>> PhoneLogin::with_miniprogram_phone_code(
    const Application& app, std::string code, const DeviceContext& device) const {
  if (Status usable = check_miniprogram_code(app, code); !usable) co_return usable.error();
  Result<std::string> phone = co_await wechat_mini_.phone_number(app.miniprogram, std::move(code));
  if (!phone) co_return phone.error();
  co_return co_await complete(app, std::move(phone.value()), kLoginWechatMiniProgram, device);
}

Task<Result<LoginOutcome>> PhoneLogin::complete(const Application& app, std::string e164,
                                                std::string_view login_method,
                                                const DeviceContext& device) const {
  Decider decider(services_, logins_, app, std::move(e164), login_method, device);
  Result<Decided> decided = co_await services_.pool.run([&decider] { return decider.run(); });
  if (!decided) co_return decided.error();
  co_return finish_decided(services_, app, std::move(decided.value()));
}

}  // namespace ciamd
