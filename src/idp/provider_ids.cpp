#include "idp/provider_ids.hpp"

#include <algorithm>
#include <cstdio>

namespace ciamd {
namespace {

constexpr std::size_t kShownPrefix = 8;

bool allowed(ProviderIdRule::Charset charset, char c) {
  const bool digit = c >= '0' && c <= '9';
  switch (charset) {
    case ProviderIdRule::Charset::kWechatId:
      return digit || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '-';
    case ProviderIdRule::Charset::kDecimal:
      return digit;
    case ProviderIdRule::Charset::kToken:
      return c >= 0x21 && c <= 0x7e;
  }
  return false;
}

}  // namespace

std::optional<std::string> provider_id_problem(const ProviderIdRule& rule, std::string_view value) {
  std::string problems;
  const auto add = [&problems](const std::string& what) {
    if (!problems.empty()) problems += "; ";
    problems += what;
  };
  if (value.empty()) add("empty");
  if (value.size() > rule.max_length) {
    add("longer than " + std::to_string(rule.max_length));
  }
  std::size_t clean = 0;  // the leading run of allowed characters, which alone may be shown
  while (clean < value.size() && allowed(rule.charset, value[clean])) ++clean;
  if (clean < value.size()) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(value[clean]));
    add("byte " + std::string(hex) + " at " + std::to_string(clean));
  }
  if (rule.charset == ProviderIdRule::Charset::kDecimal && value.size() > 1 && value[0] == '0') {
    add("leading zero");
  }
  if (problems.empty()) return std::nullopt;
  std::string out = "an unusable " + std::string(rule.name) + " (" + std::to_string(value.size()) +
                    " bytes, " + problems;
  if (!rule.secret) {
    out += "; starts \"" + std::string(value.substr(0, std::min(clean, kShownPrefix))) + "\"";
  }
  return out + ")";
}

}  // namespace ciamd
