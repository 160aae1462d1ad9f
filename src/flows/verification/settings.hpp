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
  // Different phones and emails one flow (state token) may get codes at: a user types one, maybe
  // corrects a typo; a pumping script cycles through numbers. The flow id is the server's, so
  // this cap is the one a client cannot step around.
  std::int64_t targets_per_flow = 3;
  // Different phones and emails one X-device-fingerprint may get codes at in any 24 hours. The
  // fingerprint is the client's word, so this only adds to the caps keyed on what it cannot choose.
  std::int64_t daily_targets_per_device = 10;
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
