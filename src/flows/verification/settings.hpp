// flows/verification/settings: how verification codes behave: lifetime, tries, send limits and
// the message templates ({code} and {minutes} are replaced). The configuration's [verification]
// section is this type itself (app/config.hpp), so every default is written once, here.
#pragma once

#include <cstdint>
#include <string>

namespace ciamd {

struct VerificationSettings {
  std::int64_t code_ttl = 300;
  std::int64_t max_attempts = 5;
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
      "Your verification code is {code}. It expires in {minutes} minutes.\n\nIf you did not "
      "ask for it, ignore this message.";
  std::string email_template_zh =
      "您的验证码是{code}，{minutes}分钟内有效。\n\n如非本人操作，请忽略本邮件。";
};

}  // namespace ciamd
