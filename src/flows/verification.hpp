// flows/verification: verification codes for a flow (docs/api.md "Verification codes").
//
// send():   one send per target at a time, across every node sharing the database: the lease
//           "send/<target>" (Store::acquire_lease) is held from before the limit checks until the
//           code is stored or the send failed; a second send meanwhile is 429 COMMON.0429. Then
//           rate limits (same target within resend_interval; daily caps per target and per TCP
//           peer address, never X-device-ip) -> 429 COMMON.0429; then a 6-digit code from the
//           CSPRNG (uniform) is delivered through the channel's Sender. A failure (or no sender
//           configured) is CAPTCHA.0006 and writes nothing: the code is never stored (so it can
//           never be used), nothing counts against the limits, the previous code stays. On
//           success the code is stored only as hex HMAC-SHA256 under the "verification-code"
//           key, bound to (flow id, purpose, target), expiring code_ttl after delivery;
//           inserting it revokes the previous code of that target. Then one send is recorded
//           for "target:<target>" and one for "peer:<peer>".
// verify(): the live code of (flow, purpose, target) compared in constant time; none or wrong is
//           CAPTCHA.0007, and a wrong one counts an attempt (the max_attempts-th revokes it).
//           The caller consumes the returned code in its commit (LoginCommit::consume_code_id).
//
//   Verification v(services, settings, key, sms_sender, email_sender);   // senders may be null
//   Status s = co_await v.send(flow, CodePurpose::kRegisterSms, "+8615907132852", lang, device);
//   Result<VerificationCode> c = v.verify_blocking(flow.id, purpose, target, "123456");  // pool
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/model.hpp"
#include "core/result.hpp"
#include "flows/services.hpp"
#include "net/task.hpp"
#include "notify/sender.hpp"
#include "store/store.hpp"

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

struct VerificationSettings {
  std::int64_t code_ttl = 300;
  int max_attempts = 5;
  std::int64_t resend_interval = 60;
  std::int64_t daily_cap_per_target = 10;
  std::int64_t daily_cap_per_peer = 50;
  // {code} and {minutes} are replaced.
  std::string sms_template_en =
      "Your verification code is {code}. It expires in {minutes} minutes.";
  std::string sms_template_zh = "您的验证码是{code}，{minutes}分钟内有效。";
  std::string email_subject_en = "Your verification code";
  std::string email_subject_zh = "您的验证码";
  std::string email_template_en =
      "Your verification code is {code}. It expires in {minutes} minutes.";
  std::string email_template_zh = "您的验证码是{code}，{minutes}分钟内有效。";
};

class Verification {
 public:
  // `code_key`: sealer.derive_key("verification-code"). A null sender: that channel is off.
  Verification(const FlowServices& services, VerificationSettings settings, std::string code_key,
               Sender* sms, Sender* email);

  Task<Status> send(const FlowState& flow, CodePurpose purpose, std::string target, Language lang,
                    const DeviceContext& device) const;

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
  Task<Status> send_leased(const FlowState& flow, CodePurpose purpose, const std::string& target,
                           Language lang, const DeviceContext& device, Sender& sender) const;
  Status check_limits_blocking(const std::string& target, const std::string& peer,
                               UnixSeconds now) const;
  Notification message(CodePurpose purpose, const std::string& target, const std::string& code,
                       Language lang) const;

  const FlowServices& services_;
  VerificationSettings settings_;
  std::string key_;
  Sender* sms_;
  Sender* email_;
};

}  // namespace ciamd
