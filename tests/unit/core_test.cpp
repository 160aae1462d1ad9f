#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <set>

#include "core/error.hpp"
#include "core/model.hpp"
#include "core/phone.hpp"
#include "core/result.hpp"
#include "core/utf8.hpp"

namespace ciamd {
namespace {

TEST(ErrorCatalog, CodesAreUniqueAndBothLanguagesPresent) {
  std::set<std::string_view> codes;
  for (ErrorCode c : all_error_codes()) {
    const ErrorInfo& info = error_info(c);
    EXPECT_TRUE(codes.insert(info.code).second) << info.code;
    EXPECT_FALSE(info.english.empty()) << info.code;
    EXPECT_FALSE(info.chinese.empty()) << info.code;
    EXPECT_NE(info.english, info.chinese) << info.code;
    EXPECT_TRUE(info.http_status == 400 || info.http_status == 401 || info.http_status == 404 ||
                info.http_status == 405 || info.http_status == 409 || info.http_status == 429 ||
                info.http_status == 500)
        << info.code;
  }
}

TEST(ErrorCatalog, SeedMessagesAreExact) {
  EXPECT_EQ(error_info(ErrorCode::kDeviceInfoIncomplete).code, "IDAAS.SDK.PARAM.0001");
  EXPECT_EQ(error_info(ErrorCode::kDeviceInfoIncomplete).english,
            "Device information is incomplete");
  EXPECT_EQ(error_info(ErrorCode::kDeviceInfoIncomplete).chinese, "设备信息不完整");
  EXPECT_EQ(error_info(ErrorCode::kAppNotRegistered).chinese, "应用未注册,请先注册应用");
  EXPECT_EQ(error_info(ErrorCode::kSystemBusy).http_status, 500);
  EXPECT_EQ(error_info(ErrorCode::kStateTokenInvalid).english, "state_token parameter error");
}

TEST(ErrorCatalog, RendersExactlyTwoFields) {
  const auto body =
      boost::json::parse(render_error_body(ErrorCode::kUserDisabled, Language::kChinese));
  const auto& o = body.as_object();
  EXPECT_EQ(o.size(), 2u);
  EXPECT_EQ(o.at("error_code").as_string(), "IDAAS.SDK.USER.0039");
  EXPECT_EQ(o.at("error_msg").as_string(), "用户已被禁用");
}

TEST(Language, ZhSelectsChineseAnythingElseEnglish) {
  EXPECT_EQ(language_from_header("zh"), Language::kChinese);
  EXPECT_EQ(language_from_header("ZH"), Language::kChinese);
  EXPECT_EQ(language_from_header("zh-CN"), Language::kChinese);
  EXPECT_EQ(language_from_header("zh_TW"), Language::kChinese);
  EXPECT_EQ(language_from_header(""), Language::kEnglish);
  EXPECT_EQ(language_from_header("en"), Language::kEnglish);
  EXPECT_EQ(language_from_header("zhx"), Language::kEnglish);
}

TEST(Result, HoldsValueOrError) {
  Result<int> ok = 7;
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok.value(), 7);
  Result<int> bad = ErrorCode::kUserNotFound;
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kUserNotFound);
}

TEST(Phone, TheSameNumberInEveryForm) {
  for (const char* form : {"15907132852", "+86 159 0713 2852", "+86-15907132852",
                           "0086 15907132852", "8615907132852", "(+86) 159-0713-2852"}) {
    EXPECT_EQ(normalize_phone(form), std::optional<std::string>("+8615907132852")) << form;
  }
}

TEST(Phone, RejectsWhatIsNotAPhoneNumber) {
  for (const char* bad : {"", "abc", "12345", "+", "+0123456789", "159071328521234567",
                          "25907132852", "+86 25907132852", "1590713285x"}) {
    EXPECT_FALSE(normalize_phone(bad).has_value()) << bad;
  }
}

// A trunk prefix (the "0" dialled before a national number at home) is never part of an E.164
// number: every written form of one number must be one target, one send budget, one account.
TEST(Phone, DropsTheTrunkZeroAfterTheCountryCode) {
  for (const char* form :
       {"+86 015907132852", "+86 (0)159 0713 2852", "0086 015907132852", "+86-0159-0713-2852"}) {
    EXPECT_EQ(normalize_phone(form), std::optional<std::string>("+8615907132852")) << form;
  }
  EXPECT_EQ(normalize_phone("+44 (0)7911 123456"), std::optional<std::string>("+447911123456"));
  EXPECT_EQ(normalize_phone("+852 091234567"), std::optional<std::string>("+85291234567"));
  EXPECT_EQ(phone_from_parts("86", "015907132852"), std::optional<std::string>("+8615907132852"));
  // Italy keeps its leading zero in international form: +39 06 is Rome, not a trunk prefix.
  EXPECT_EQ(normalize_phone("+39 06 6982 1234"), std::optional<std::string>("+390669821234"));
  // Beijing's area code is 10: a landline, not a mobile number with a digit missing.
  EXPECT_EQ(normalize_phone("+86 (0)10 6552 9988"), std::optional<std::string>("+861065529988"));
}

TEST(Phone, RefusesWhatNoTrunkPrefixExplains) {
  // "00" after the country code is an international prefix typed twice, not a trunk prefix, and a
  // +86 mobile number (13x to 19x) has exactly 11 digits.
  for (const char* bad : {"+86 0015907132852", "+86 00015907132852", "+86 0", "+86 1590713285",
                          "+86 159071328521", "+44 (0)(0)7911 123456"}) {
    EXPECT_FALSE(normalize_phone(bad).has_value()) << bad;
  }
}

TEST(Phone, RendersWithTheCountryCodeSplitOff) {
  EXPECT_EQ(render_mobile("+8615907132852"), "+86-15907132852");
  EXPECT_EQ(render_mobile("+14155550123"), "+1-4155550123");
  EXPECT_EQ(render_mobile("+85291234567"), "+852-91234567");
  EXPECT_EQ(render_mobile("+447911123456"), "+44-7911123456");
  EXPECT_EQ(render_mobile(""), "");
  EXPECT_EQ(mask_mobile("+8615207137124"), "+86-152****7124");
}

TEST(Phone, CountryCallingCodeOfANumber) {
  EXPECT_EQ(country_calling_code("+8615907132852"), "86");
  EXPECT_EQ(country_calling_code("+14155550123"), "1");
  EXPECT_EQ(country_calling_code("+85291234567"), "852");
  EXPECT_EQ(country_calling_code("+447911123456"), "44");
  EXPECT_EQ(country_calling_code("15907132852"), "");  // not E.164
  EXPECT_EQ(country_calling_code(""), "");
}

TEST(Phone, WhatIsACountryCallingCode) {
  for (const char* code : {"1", "7", "86", "44", "852", "886", "211"}) {
    EXPECT_TRUE(is_country_calling_code(code)) << code;
  }
  // "12" is +1 and a digit, "21" no assigned two-digit code, "8" no one-digit code; the rest are
  // no codes at all.
  for (const char* code : {"12", "21", "8", "0", "086", "+86", "8521", "", "8a"}) {
    EXPECT_FALSE(is_country_calling_code(code)) << code;
  }
}

// Digits of the national number (after the country code's '-') that mask_mobile hid.
std::size_t hidden_digits(const std::string& masked) {
  return static_cast<std::size_t>(std::count(masked.begin(), masked.end(), '*'));
}

TEST(Phone, MasksAtLeastTheMiddleHalfOfEveryNumber) {
  // The vendor's form for mainland mobiles stays as it is: three, four hidden, four.
  EXPECT_EQ(mask_mobile("+8615907132852"), "+86-159****2852");
  EXPECT_EQ(mask_mobile("+376312345"), "+376-3***45");
  EXPECT_EQ(mask_mobile("+85291234567"), "+852-91****67");
  EXPECT_EQ(mask_mobile("+14155550123"), "+1-41*****123");
  EXPECT_EQ(mask_mobile("+447911123456"), "+44-79*****456");
  for (const char* e164 : {"+299123456", "+37612345", "+376312345", "+85291234567", "+14155550123",
                           "+447911123456", "+493012345678901", "+68812345"}) {
    const std::string masked = mask_mobile(e164);
    const std::string rendered = render_mobile(e164);
    const std::size_t national = rendered.size() - rendered.find('-') - 1;
    EXPECT_EQ(masked.size(), rendered.size()) << e164;
    EXPECT_GE(hidden_digits(masked) * 2, national) << e164 << " -> " << masked;
    // Hidden digits form one run in the middle: the first and last digits stay for recognition.
    EXPECT_NE(masked.back(), '*') << masked;
    EXPECT_NE(masked[masked.find('-') + 1], '*') << masked;
  }
}

TEST(Phone, FromWechatParts) {
  EXPECT_EQ(phone_from_parts("86", "15907132852"), std::optional<std::string>("+8615907132852"));
  EXPECT_EQ(phone_from_parts("+852", "91234567"), std::optional<std::string>("+85291234567"));
  EXPECT_FALSE(phone_from_parts("8a", "159").has_value());
}

TEST(Model, PoliciesRoundTrip) {
  for (auto p : {UnboundPolicy::kRegister, UnboundPolicy::kBind, UnboundPolicy::kAutoCreate,
                 UnboundPolicy::kReject}) {
    EXPECT_EQ(parse_unbound_policy(to_string(p)), p);
  }
  EXPECT_FALSE(parse_unbound_policy("Register").has_value());
  EXPECT_EQ(parse_access_policy("assigned"), AccessPolicy::kAssigned);
  EXPECT_EQ(parse_mfa_policy("new_device"), MfaPolicy::kNewDevice);
}

TEST(Model, BindMethodsKeepOrderAndRejectUnknown) {
  auto m = parse_bind_methods("VERIFY_EMAIL, VERIFY_PHONE");
  ASSERT_TRUE(m.has_value());
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0], BindMethod::kVerifyEmail);
  EXPECT_FALSE(parse_bind_methods("VERIFY_PHONE,SMS").has_value());
  EXPECT_FALSE(parse_bind_methods("").has_value());
}

TEST(Utf8, TellsWellFormedFromEverythingElse) {
  for (const char* ok :
       {"", "ascii", "设备-1", "\xF0\x9F\x98\x80", "\xEF\xBF\xBD", "\xF4\x8F\xBF\xBF"}) {
    EXPECT_TRUE(is_valid_utf8(ok)) << ok;
  }
  // A stray continuation byte, bytes never used, an overlong '/', a surrogate, past U+10FFFF,
  // a sequence cut short.
  for (const char* bad :
       {"\x80", "\xff\xfe", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "abc\xe4\xb8"}) {
    EXPECT_FALSE(is_valid_utf8(bad)) << bad;
  }
}

TEST(Utf8, RepairReplacesEachBadByteAndKeepsTheRest) {
  EXPECT_EQ(to_valid_utf8("fp\xff\xfe-1"), "fp\xEF\xBF\xBD\xEF\xBF\xBD-1");
  EXPECT_EQ(to_valid_utf8("设备\x80"), "设备\xEF\xBF\xBD");
  EXPECT_EQ(to_valid_utf8("已是UTF-8"), "已是UTF-8");
  boost::json::value v = {{"a", "x\xff"}, {"list", {"\xfe", 1, {{"b\xff", "ok"}}}}};
  make_valid_utf8(v);
  EXPECT_EQ(v.at("a").as_string(), "x\xEF\xBF\xBD");
  EXPECT_EQ(v.at("list").at(0).as_string(), "\xEF\xBF\xBD");
  EXPECT_TRUE(v.at("list").at(2).as_object().contains("b\xEF\xBF\xBD"));
}

}  // namespace
}  // namespace ciamd
