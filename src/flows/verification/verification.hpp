// flows/verification/verification: verification codes for a flow (docs/api.md "Verification
// codes").
//
// request_code(): who may get a code for a flow (sms/send, email/send), then send():
//           a purpose of another flow's kind -> COMMON.1007; an MFA flow: only the user's own
//           phone or email (flows/mfa/mfa.hpp: PARAM.0117, PARAM.0118); any other flow: the
//           application binds with that channel (PARAM.0116) and the request names a target
//           (PARAM.0110 phone, PARAM.0112 email).
// send():   the checks in this order, the first failure wins; every refusal writes nothing (no
//           code, no lease, nothing counted) and counts ciamd_verification_refused_total{reason}:
//           1. an SMS to a number whose country calling code is not among the application's
//              allowed_country_codes -> PARAM.0122 (reason "country"), before any lease or store
//              call. Emails have no country.
//           2. no sender for the channel -> CAPTCHA.0006.
//           3. one send per target and one per flow at a time, across every node sharing the
//              database: the leases "send/<target>" and "send-flow/<flow id>"
//              (SharedStateStore::acquire_lease) are held from before the limit checks until the
//              code is stored or the send failed; a second send meanwhile is 429 COMMON.0429
//              ("in_progress"). The flow's lease keeps concurrent sends of one flow to new targets
//              from all passing check 6 before the first is recorded.
//           4. the same target within resend_interval -> 429 ("resend_interval");
//           5. daily_cap_per_target sends to the target in 24 h -> 429 ("target_cap");
//           6. the flow has sent to targets_per_flow other targets -> 429 ("flow_targets"): a
//              state token reaches a few phones/emails, then only those again;
//           7. daily_cap_per_peer sends from the TCP peer address in 24 h (never X-device-ip)
//              -> 429 ("peer_cap");
//           8. the X-device-fingerprint has sent to daily_targets_per_device other targets in
//              24 h -> 429 ("device_targets"); the fingerprint is the client's word, so this adds
//              to 6 and 7 and replaces neither;
//           9. the application sent hourly_send_budget codes in the last hour (every node, both
//              channels) -> 429 ("budget"), with one warning in the log per application and hour
//              (per node). Last, so that only sends nothing else refused count as over budget.
//           Checks 4-9 count what the store recorded (CodeStore::count_sends,
//           count_other_targets), so they hold across nodes; 8 and 9 may be overrun by the sends
//           under way at the moment (different targets and flows do not wait on each other).
//           Then a 6-digit code from the CSPRNG (uniform) is delivered through the channel's
//           Sender. A failure is CAPTCHA.0006 and writes nothing: the code is never stored (so it
//           can never be used), nothing counts against the limits, the previous code stays. On
//           success the code is stored only as hex HMAC-SHA256 under the "verification-code"
//           key, bound to (flow id, purpose, target), expiring code_ttl after delivery;
//           inserting it revokes the previous code of that target. Then one send naming the
//           target is recorded for each of "target:<target>", "peer:<peer>", "flow:<flow id>",
//           "device:<fingerprint>" and "app:<client id>".
// verify(): the live code of (flow, purpose, target) compared in constant time; none or wrong is
//           CAPTCHA.0007, and a wrong one counts an attempt (the max_attempts-th revokes it).
//           The caller consumes the returned code in its commit (LoginCommit::consume_code_id).
//
//   // store: the CodeStore, SharedStateStore and LoginStore roles; senders may be null
//   const Verification v(services, store, store, store, settings, key, sms_sender, email_sender);
//   Status s = co_await v.request_code(app, flow, CodePurpose::kRegisterSms, "+8615907132852",
//                                      lang, device);
//   Result<VerificationCode> c = v.verify_blocking(flow.id, purpose, target, "123456");  // pool
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/error.hpp"
#include "core/model.hpp"
#include "core/result.hpp"
#include "exec/task.hpp"
#include "flows/services.hpp"
#include "flows/verification/settings.hpp"
#include "notify/sender.hpp"
#include "store/code_store.hpp"

namespace ciamd {

// The code types: which flow a code serves and on which channel.
enum class CodePurpose {
  kRegisterSms,
  kBindMobileSms,
  kRegisterEms,
  kBindEmailEms,
  kMfaSms,    // MFA_AUTH_SMS: to the user's own phone
  kMfaEmail,  // MFA_AUTH_EMS: to the user's own email
};
std::string_view to_string(CodePurpose p);  // "REGISTER_SMS", ...
std::optional<CodePurpose> parse_code_purpose(std::string_view s);
Channel channel_of(CodePurpose p);
FlowKind flow_kind_of(CodePurpose p);
// The purpose a completion of `kind` verifies on `channel`.
CodePurpose purpose_for(FlowKind kind, Channel channel);

// Trimmed, lower-cased, `local@domain.tld` without spaces; nullopt when not plausible.
std::optional<std::string> normalize_email(std::string_view input);

// Whether the application verifies phones (VERIFY_PHONE, SMS) or emails (VERIFY_EMAIL) for binds
// and registrations; PARAM.0116 when not.
Status method_enabled(const Application& app, Channel channel);

class LoginStore;
class Metrics;
class SharedStateStore;

class Verification {
 public:
  // `code_key`: sealer.derive_key("verification-code"). A null sender: that channel is off.
  // `metrics`, when set, counts every refusal by a limit (ciamd_verification_refused_total).
  Verification(const FlowServices& services, CodeStore& codes, SharedStateStore& shared,
               LoginStore& logins, VerificationSettings settings, std::string code_key, Sender* sms,
               Sender* email, Metrics* metrics = nullptr);

  // A code for `flow`, as a client asks for one: the rules above, then send(). `named`: the
  // normalised phone or email the request named, if any.
  Task<Status> request_code(const Application& app, const FlowState& flow, CodePurpose purpose,
                            std::optional<std::string> named, Language lang,
                            const DeviceContext& device) const;

  Task<Status> send(const Application& app, const FlowState& flow, CodePurpose purpose,
                    std::string target, Language lang, const DeviceContext& device) const;

  // Blocking (store calls): run it on the pool.
  Result<VerificationCode> verify_blocking(const std::string& flow_id, CodePurpose purpose,
                                           const std::string& target, std::string_view code) const;

  // The stored form of a clear code.
  std::string code_hash(std::string_view code) const;

  // Six decimal digits, uniform over 000000..999999.
  static std::string new_code();

  const VerificationSettings& settings() const { return settings_; }

 private:
  // send() once the target's lease is held (and the sender is known).
  Task<Status> send_leased(const Application& app, const FlowState& flow, CodePurpose purpose,
                           const std::string& target, Language lang, const DeviceContext& device,
                           Sender& sender) const;
  // Checks 4-9 of send(): the reason (a metrics label) and the detail of the first limit
  // reached, or nullopt.
  struct Refusal {
    std::string_view reason;
    std::string detail;
  };
  std::optional<Refusal> check_limits_blocking(const Application& app, const FlowState& flow,
                                               const std::string& target,
                                               const DeviceContext& device, UnixSeconds now) const;
  ApiError refuse(const Application& app, std::string_view reason, ApiError error) const;
  // Logs that `app` spent its budget, once an hour per application on this node.
  void warn_budget_spent(const Application& app, UnixSeconds now) const;
  Notification message(CodePurpose purpose, const std::string& target, const std::string& code,
                       Language lang) const;

  const FlowServices& services_;
  CodeStore& codes_;
  SharedStateStore& shared_;
  LoginStore& logins_;
  VerificationSettings settings_;
  std::string key_;
  Sender* sms_;
  Sender* email_;
  Metrics* metrics_;
  // client id -> when this node last warned that the application spent its budget.
  mutable std::mutex budget_warned_mutex_;
  mutable std::unordered_map<std::string, UnixSeconds> budget_warned_;
};

}  // namespace ciamd
