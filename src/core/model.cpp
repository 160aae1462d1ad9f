#include "core/model.hpp"

#include <array>
#include <utility>

namespace ciamd {
namespace {

template <class E, std::size_t N>
using Names = std::array<std::pair<E, std::string_view>, N>;

constexpr Names<UnboundPolicy, 4> kUnbound{{{UnboundPolicy::kRegister, "register"},
                                            {UnboundPolicy::kBind, "bind"},
                                            {UnboundPolicy::kAutoCreate, "auto_create"},
                                            {UnboundPolicy::kReject, "reject"}}};
constexpr Names<AccessPolicy, 2> kAccess{
    {{AccessPolicy::kAll, "all"}, {AccessPolicy::kAssigned, "assigned"}}};
constexpr Names<MfaPolicy, 3> kMfa{{{MfaPolicy::kOff, "off"},
                                    {MfaPolicy::kAlways, "always"},
                                    {MfaPolicy::kNewDevice, "new_device"}}};
constexpr Names<BindMethod, 2> kBind{
    {{BindMethod::kVerifyPhone, "VERIFY_PHONE"}, {BindMethod::kVerifyEmail, "VERIFY_EMAIL"}}};
constexpr Names<MfaFactor, 2> kFactor{{{MfaFactor::kSms, "SMS"}, {MfaFactor::kEmail, "EMAIL"}}};
constexpr Names<UserStatus, 2> kUserStatus{
    {{UserStatus::kActive, "active"}, {UserStatus::kDisabled, "disabled"}}};
constexpr Names<SessionLifetime, 2> kLifetime{
    {{SessionLifetime::kFixed, "fixed"}, {SessionLifetime::kSliding, "sliding"}}};
constexpr Names<IdTokenAlg, 2> kIdTokenAlg{
    {{IdTokenAlg::kRS256, "RS256"}, {IdTokenAlg::kES256, "ES256"}}};
constexpr Names<FlowKind, 3> kFlowKind{{{FlowKind::kSocialRegister, "social_register"},
                                        {FlowKind::kSocialBind, "social_bind"},
                                        {FlowKind::kMfa, "mfa"}}};

template <class E, std::size_t N>
std::string_view name_of(const Names<E, N>& names, E value) {
  for (const auto& [v, name] : names) {
    if (v == value) return name;
  }
  return "unknown";
}

template <class E, std::size_t N>
std::optional<E> value_of(const Names<E, N>& names, std::string_view name) {
  for (const auto& [v, n] : names) {
    if (n == name) return v;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(UnboundPolicy p) {
  return name_of(kUnbound, p);
}
std::string_view to_string(AccessPolicy p) {
  return name_of(kAccess, p);
}
std::string_view to_string(MfaPolicy p) {
  return name_of(kMfa, p);
}
std::string_view to_string(BindMethod m) {
  return name_of(kBind, m);
}
std::string_view to_string(MfaFactor f) {
  return name_of(kFactor, f);
}
std::string_view to_string(SessionLifetime l) {
  return name_of(kLifetime, l);
}
std::string_view to_string(IdTokenAlg a) {
  return name_of(kIdTokenAlg, a);
}
std::string_view to_string(UserStatus s) {
  return name_of(kUserStatus, s);
}
std::string_view to_string(FlowKind k) {
  return name_of(kFlowKind, k);
}

std::optional<UnboundPolicy> parse_unbound_policy(std::string_view s) {
  return value_of(kUnbound, s);
}
std::optional<AccessPolicy> parse_access_policy(std::string_view s) {
  return value_of(kAccess, s);
}
std::optional<MfaPolicy> parse_mfa_policy(std::string_view s) {
  return value_of(kMfa, s);
}
std::optional<SessionLifetime> parse_session_lifetime(std::string_view s) {
  return value_of(kLifetime, s);
}
std::optional<IdTokenAlg> parse_id_token_alg(std::string_view s) {
  return value_of(kIdTokenAlg, s);
}
std::optional<BindMethod> parse_bind_method(std::string_view s) {
  return value_of(kBind, s);
}
std::optional<FlowKind> parse_flow_kind(std::string_view s) {
  return value_of(kFlowKind, s);
}

namespace {

// "A, B" -> [A, B] through `parse`; nullopt for an unknown or repeated item or an empty list.
template <class T, class Parse>
std::optional<std::vector<T>> parse_csv(std::string_view csv, Parse parse) {
  std::vector<T> out;
  while (!csv.empty()) {
    const auto comma = csv.find(',');
    std::string_view item = csv.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    const std::optional<T> value = parse(item);
    if (!value) return std::nullopt;
    bool seen = false;
    for (T v : out) seen = seen || v == *value;
    if (!seen) out.push_back(*value);
    if (comma == std::string_view::npos) break;
    csv.remove_prefix(comma + 1);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace

std::optional<std::vector<BindMethod>> parse_bind_methods(std::string_view csv) {
  return parse_csv<BindMethod>(csv, parse_bind_method);
}

std::optional<std::vector<MfaFactor>> parse_mfa_factors(std::string_view csv) {
  return parse_csv<MfaFactor>(csv, [](std::string_view s) { return value_of(kFactor, s); });
}

}  // namespace ciamd
