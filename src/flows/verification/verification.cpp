#include "flows/verification/verification.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <exception>
#include <optional>

#include "core/phone.hpp"
#include "exec/runtime.hpp"
#include "flows/ids.hpp"
#include "flows/mfa/mfa.hpp"
#include "metrics/metrics.hpp"
#include "store/shared_state_store.hpp"
#include "store/store_error.hpp"
#include "tokens/crypto.hpp"

namespace ciamd {
namespace {

constexpr std::int64_t kDay = 86'400;
constexpr std::int64_t kHour = 3'600;
constexpr std::uint32_t kCodeSpace = 1'000'000;
// The largest multiple of 10^6 that fits 32 bits: values at or above it are redrawn, so every
// code is equally likely.
constexpr std::uint32_t kUniformBound = 4'294'000'000U;
// How long a send may hold its target's lease: the longest delivery the default settings allow
// (a webhook: 3 attempts of 3 s connect + 5 s request, plus backoffs, about 25 s; SMTP: 10 s)
// with room to spare. A node that crashes mid-send holds its targets no longer than this.
constexpr UnixSeconds kSendLeaseTtl = 60;

struct PurposeName {
  CodePurpose purpose;
  std::string_view name;
};
constexpr PurposeName kPurposes[] = {
    {CodePurpose::kRegisterSms, "REGISTER_SMS"}, {CodePurpose::kBindMobileSms, "BIND_MOBILE_SMS"},
    {CodePurpose::kRegisterEms, "REGISTER_EMS"}, {CodePurpose::kBindEmailEms, "BIND_EMAIL_EMS"},
    {CodePurpose::kMfaSms, "MFA_AUTH_SMS"},      {CodePurpose::kMfaEmail, "MFA_AUTH_EMS"},
};

void replace_all(std::string& text, std::string_view what, std::string_view with) {
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
}

std::string render(std::string text, const std::string& code, std::int64_t minutes) {
  replace_all(text, "{code}", code);
  replace_all(text, "{minutes}", std::to_string(minutes));
  return text;
}

}  // namespace

std::string_view to_string(CodePurpose p) {
  for (const auto& e : kPurposes) {
    if (e.purpose == p) return e.name;
  }
  return "REGISTER_SMS";
}

std::optional<CodePurpose> parse_code_purpose(std::string_view s) {
  for (const auto& e : kPurposes) {
    if (e.name == s) return e.purpose;
  }
  return std::nullopt;
}

Channel channel_of(CodePurpose p) {
  return p == CodePurpose::kRegisterSms || p == CodePurpose::kBindMobileSms ||
                 p == CodePurpose::kMfaSms
             ? Channel::kSms
             : Channel::kEmail;
}

FlowKind flow_kind_of(CodePurpose p) {
  switch (p) {
    case CodePurpose::kRegisterSms:
    case CodePurpose::kRegisterEms:
      return FlowKind::kSocialRegister;
    case CodePurpose::kBindMobileSms:
    case CodePurpose::kBindEmailEms:
      return FlowKind::kSocialBind;
    case CodePurpose::kMfaSms:
    case CodePurpose::kMfaEmail:
      return FlowKind::kMfa;
  }
  return FlowKind::kSocialBind;
}

CodePurpose purpose_for(FlowKind kind, Channel channel) {
  const bool sms = channel == Channel::kSms;
  switch (kind) {
    case FlowKind::kSocialRegister:
      return sms ? CodePurpose::kRegisterSms : CodePurpose::kRegisterEms;
    case FlowKind::kSocialBind:
      return sms ? CodePurpose::kBindMobileSms : CodePurpose::kBindEmailEms;
    case FlowKind::kMfa:
      return sms ? CodePurpose::kMfaSms : CodePurpose::kMfaEmail;
  }
  return sms ? CodePurpose::kBindMobileSms : CodePurpose::kBindEmailEms;
}

std::optional<std::string> normalize_email(std::string_view input) {
  const auto first = input.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return std::nullopt;
  const auto last = input.find_last_not_of(" \t\r\n");
  std::string email(input.substr(first, last - first + 1));
  std::transform(email.begin(), email.end(), email.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (email.size() > 254) return std::nullopt;
  const auto at = email.find('@');
  if (at == std::string::npos || at == 0 || email.find('@', at + 1) != std::string::npos) {
    return std::nullopt;
  }
  for (unsigned char c : email) {
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' ||
        c == '(' || c == ')' || c == '[' || c == ']' || c == '\\') {
      return std::nullopt;
    }
  }
  const std::string_view domain = std::string_view(email).substr(at + 1);
  const auto dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == domain.size() ||
      domain.find("..") != std::string_view::npos || domain.front() == '-') {
    return std::nullopt;
  }
  return email;
}

Status method_enabled(const Application& app, Channel channel) {
  const BindMethod needed =
      channel == Channel::kSms ? BindMethod::kVerifyPhone : BindMethod::kVerifyEmail;
  if (std::find(app.bind_methods.begin(), app.bind_methods.end(), needed) ==
      app.bind_methods.end()) {
    return ApiError{ErrorCode::kVerifyMethodOff};
  }
  return Done{};
}

Verification::Verification(const FlowServices& services, CodeStore& codes, SharedStateStore& shared,
                           LoginStore& logins, VerificationSettings settings, std::string code_key,
                           Sender* sms, Sender* email, Metrics* metrics)
    : services_(services),
      codes_(codes),
      shared_(shared),
      logins_(logins),
      settings_(std::move(settings)),
      key_(std::move(code_key)),
      sms_(sms),
      email_(email),
      metrics_(metrics) {}

std::string Verification::new_code() {
  for (;;) {
    const std::string bytes = crypto::random_bytes(4);
    std::uint32_t v = 0;
    for (char b : bytes) v = (v << 8) | static_cast<unsigned char>(b);
    if (v >= kUniformBound) continue;
    std::string code = std::to_string(v % kCodeSpace);
    return std::string(6 - code.size(), '0') + code;
  }
}

std::string Verification::code_hash(std::string_view code) const {
  return crypto::hex_encode(crypto::hmac_sha256(key_, code));
}

std::optional<Verification::Refusal> Verification::check_limits_blocking(
    const Application& app, const FlowState& flow, const std::string& target,
    const DeviceContext& device, UnixSeconds now) const {
  CodeStore& store = codes_;
  const std::string target_key = "target:" + target;
  if (settings_.resend_interval > 0 &&
      store.count_sends(target_key, now - settings_.resend_interval + 1) > 0) {
    return Refusal{"resend_interval", "resend interval"};
  }
  if (store.count_sends(target_key, now - kDay + 1) >= settings_.daily_cap_per_target) {
    return Refusal{"target_cap", "daily cap per target"};
  }
  // Since the flow began: its rows outlive it (send_events are kept a day, a flow at most a day).
  if (store.count_other_targets("flow:" + flow.id, target, flow.created_at) >=
      settings_.targets_per_flow) {
    return Refusal{"flow_targets", "targets per flow"};
  }
  const std::string& peer = device.peer_address;
  if (store.count_sends("peer:" + peer, now - kDay + 1) >= settings_.daily_cap_per_peer) {
    return Refusal{"peer_cap", "daily cap per peer " + peer};
  }
  if (store.count_other_targets("device:" + device.fingerprint, target, now - kDay + 1) >=
      settings_.daily_targets_per_device) {
    return Refusal{"device_targets", "daily targets per device fingerprint"};
  }
  if (store.count_sends("app:" + app.client_id, now - kHour + 1) >= app.hourly_send_budget) {
    warn_budget_spent(app, now);
    return Refusal{"budget", "hourly send budget of the application"};
  }
  return std::nullopt;
}

ApiError Verification::refuse(const Application& app, std::string_view reason,
                              ApiError error) const {
  if (metrics_ != nullptr) metrics_->count_verification_refused(app.client_id, reason);
  return error;
}

void Verification::warn_budget_spent(const Application& app, UnixSeconds now) const {
  {
    const std::lock_guard lock(budget_warned_mutex_);
    const auto [it, first] = budget_warned_.try_emplace(app.client_id, now);
    if (!first) {
      if (now - it->second < kHour) return;
      it->second = now;
    }
  }
  spdlog::warn(
      "application {} has sent its hourly send budget of {} verification codes; further codes are "
      "refused (429) until sends of the last hour age out. Normal traffic: raise it (ciamd app "
      "update --hourly-send-budget); else look for SMS pumping "
      "(ciamd_verification_refused_total)",
      app.client_id, app.hourly_send_budget);
}

Notification Verification::message(CodePurpose purpose, const std::string& target,
                                   const std::string& code, Language lang) const {
  const std::int64_t minutes = (settings_.code_ttl + 59) / 60;
  const bool zh = lang == Language::kChinese;
  Notification n;
  n.channel = channel_of(purpose);
  n.to = target;
  n.purpose = std::string(to_string(purpose));
  if (n.channel == Channel::kSms) {
    n.text = render(zh ? settings_.sms_template_zh : settings_.sms_template_en, code, minutes);
  } else {
    n.subject = render(zh ? settings_.email_subject_zh : settings_.email_subject_en, code, minutes);
    n.text = render(zh ? settings_.email_template_zh : settings_.email_template_en, code, minutes);
  }
  return n;
}

Task<Status> Verification::request_code(const Application& app, const FlowState& flow,
                                        CodePurpose purpose, std::optional<std::string> named,
                                        Language lang, const DeviceContext& device) const {
  if (flow_kind_of(purpose) != flow.kind) {
    co_return ApiError{ErrorCode::kStateTokenInvalid, "code type of another flow"};
  }
  const Channel channel = channel_of(purpose);
  std::string target;
  if (flow.kind == FlowKind::kMfa) {
    Result<std::string> own = co_await services_.pool.run([this, &app, &flow, channel, &named] {
      return mfa_target_blocking(logins_, app, flow, channel, named);
    });
    if (!own) co_return own.error();
    target = std::move(own.value());
  } else if (Status on = method_enabled(app, channel); !on) {
    co_return on.error();
  } else if (!named) {
    co_return channel == Channel::kSms ? ErrorCode::kMobileEmpty : ErrorCode::kEmailEmpty;
  } else {
    target = std::move(*named);
  }
  co_return co_await send(app, flow, purpose, std::move(target), lang, device);
}

Task<Status> Verification::send(const Application& app, const FlowState& flow, CodePurpose purpose,
                                std::string target, Language lang,
                                const DeviceContext& device) const {
  const Channel channel = channel_of(purpose);
  // First, so that a number the application never serves costs nothing: no lease, no store call.
  if (channel == Channel::kSms &&
      std::find(app.allowed_country_codes.begin(), app.allowed_country_codes.end(),
                country_calling_code(target)) == app.allowed_country_codes.end()) {
    co_return refuse(app, "country",
                     ApiError{ErrorCode::kCountryNotAllowed,
                              "country code +" + country_calling_code(target) + " not allowed"});
  }
  Sender* sender = channel == Channel::kSms ? sms_ : email_;
  if (sender == nullptr) {
    co_return ApiError{ErrorCode::kCodeSendFailed,
                       channel == Channel::kSms ? "no SMS sender configured ([notify] sms)"
                                                : "no email sender configured ([notify] email)"};
  }
  // Taken before the limit checks, so that concurrent sends (on any node) cannot all pass them
  // before the first one is recorded: the target's lease for the per-target limits, the flow's
  // for its cap of targets. The holder is this request alone: a second send from this very node
  // is refused as well. Taking a lease never waits, so the order of the two cannot deadlock.
  const std::string holder = node_id() + "/" + crypto::random_hex(8);
  const UnixSeconds now = services_.clock();
  const std::string target_lease = "send/" + target;
  const std::string flow_lease = "send-flow/" + flow.id;
  const int held = co_await services_.pool.run([&, now] {
    if (!shared_.acquire_lease(target_lease, holder, now, now + kSendLeaseTtl)) return 0;
    if (shared_.acquire_lease(flow_lease, holder, now, now + kSendLeaseTtl)) return 2;
    shared_.release_lease(target_lease, holder);
    return 1;
  });
  if (held == 0) {
    co_return refuse(app, "in_progress",
                     ApiError{ErrorCode::kTooManyRequests, "a send to this target is under way"});
  }
  if (held == 1) {
    co_return refuse(app, "in_progress",
                     ApiError{ErrorCode::kTooManyRequests, "a send of this flow is under way"});
  }

  // Released on every way out, an exception included; a handler cannot co_await, so the
  // exception is carried past the release.
  std::exception_ptr thrown;
  std::optional<Status> result;
  try {
    result.emplace(co_await send_leased(app, flow, purpose, target, lang, device, *sender));
  } catch (...) {
    thrown = std::current_exception();
  }
  for (const std::string* lease : {&flow_lease, &target_lease}) {
    try {
      co_await services_.pool.run(
          [this, lease, &holder] { shared_.release_lease(*lease, holder); });
    } catch (const StoreError& e) {
      // The send itself is settled; the lease expires kSendLeaseTtl after it was taken.
      spdlog::warn("could not release the lease {}: {}", *lease, e.what());
    }
  }
  if (thrown) std::rethrow_exception(thrown);
  co_return std::move(*result);
}

Task<Status> Verification::send_leased(const Application& app, const FlowState& flow,
                                       CodePurpose purpose, const std::string& target,
                                       Language lang, const DeviceContext& device,
                                       Sender& sender) const {
  const UnixSeconds now = services_.clock();
  std::optional<Refusal> refused = co_await services_.pool.run(
      [&, now] { return check_limits_blocking(app, flow, target, device, now); });
  if (refused) {
    co_return refuse(app, refused->reason,
                     ApiError{ErrorCode::kTooManyRequests, std::move(refused->detail)});
  }

  const std::string code = new_code();
  Notification note = message(purpose, target, code, lang);
  note.request_id = device.request_id;
  // Delivered first, stored after: an undelivered code never exists (and leaves the previous
  // code of the target usable), and a failed delivery changes nothing the limits count.
  Status sent = co_await sender.deliver(note);
  if (!sent) co_return sent.error();

  const UnixSeconds at = services_.clock();
  VerificationCode row;
  row.id = crypto::random_hex(16);
  row.flow_id = flow.id;
  row.purpose = std::string(to_string(purpose));
  row.target = target;
  row.code_hash = code_hash(code);
  row.created_at = at;
  row.expires_at = at + settings_.code_ttl;
  co_await services_.pool.run([&, at] {
    codes_.insert_verification_code(row);
    for (const std::string& key :
         {"target:" + target, "peer:" + device.peer_address, "flow:" + flow.id,
          "device:" + device.fingerprint, "app:" + app.client_id}) {
      codes_.record_send(key, target, at);
    }
  });
  co_return Done{};
}

Result<VerificationCode> Verification::verify_blocking(const std::string& flow_id,
                                                       CodePurpose purpose,
                                                       const std::string& target,
                                                       std::string_view code) const {
  std::optional<VerificationCode> live =
      codes_.find_live_code(flow_id, to_string(purpose), target, services_.clock());
  if (!live) return ApiError{ErrorCode::kCodeIncorrect, "no live code for this target"};
  if (!crypto::constant_time_equal(code_hash(code), live->code_hash)) {
    const int attempts =
        codes_.record_failed_attempt(live->id, static_cast<int>(settings_.max_attempts));
    return ApiError{ErrorCode::kCodeIncorrect, "wrong code, attempt " + std::to_string(attempts) +
                                                   " of " + std::to_string(settings_.max_attempts)};
  }
  return std::move(*live);
}

}  // namespace ciamd
