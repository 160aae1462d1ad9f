// core/error: the one error catalog. Every error the API ever returns is an ErrorCode here, with
// its wire code, HTTP status and message in English and Chinese. Nothing else invents messages.
//
//   return ApiError{ErrorCode::kWechatCodeEmpty};
//   const ErrorInfo& e = error_info(err.code);  // e.code, e.http_status, e.message(lang)
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace ciamd {

enum class Language { kEnglish, kChinese };

// `X-L: zh` (or a regional form such as `zh-CN`) selects Chinese; anything else, English.
Language language_from_header(std::string_view x_l);

enum class ErrorCode {
  // From the customer's documents.
  kDeviceInfoIncomplete,  // IDAAS.SDK.PARAM.0001
  kClientIdEmpty,         // IDAAS.SDK.PARAM.0002
  kAppNotRegistered,      // IDAAS.SDK.PARAM.0003
  kWechatCodeEmpty,       // IDAAS.SDK.PARAM.0011
  kWeiboTokenEmpty,       // IDAAS.SDK.PARAM.0026
  kWeiboUidEmpty,         // IDAAS.SDK.PARAM.0027
  kUserNotFound,          // IDAAS.SDK.USER.0001
  kUserDisabled,          // IDAAS.SDK.USER.0039
  kStateTokenInvalid,     // IDAAS.SDK.COMMON.1007
  kSystemBusy,            // IDAAS.SDK.COM.0002 (500)
  // From the same product family.
  kSessionTokenInvalid,    // IDAAS.SDK.PARAM.0023
  kCodeSendFailed,         // IDAAS.SDK.CAPTCHA.0006
  kCodeIncorrect,          // IDAAS.SDK.CAPTCHA.0007
  kMiniProgramCallFailed,  // IDAAS.SDK.LOGIN.1001
  // The project's own.
  kBodyNotJson,           // IDAAS.SDK.PARAM.0101
  kBodyNotObject,         // IDAAS.SDK.PARAM.0102
  kContentTypeNotJson,    // IDAAS.SDK.PARAM.0103
  kBodyTooLarge,          // IDAAS.SDK.PARAM.0104
  kHeaderTooLarge,        // IDAAS.SDK.PARAM.0105
  kParamWrongType,        // IDAAS.SDK.PARAM.0106
  kRequestTimeout,        // IDAAS.SDK.PARAM.0107
  kMalformedRequest,      // IDAAS.SDK.PARAM.0108
  kWechatCodeInvalid,     // IDAAS.SDK.LOGIN.1002
  kLoginNotEnabled,       // IDAAS.SDK.LOGIN.1003
  kWeiboTokenInvalid,     // IDAAS.SDK.LOGIN.1004
  kWeiboTokenMismatch,    // IDAAS.SDK.LOGIN.1005
  kNotFound,              // IDAAS.SDK.COMMON.0404 (404)
  kMethodNotAllowed,      // IDAAS.SDK.COMMON.0405 (405)
  kTooManyRequests,       // IDAAS.SDK.COMMON.0429 (429)
  kMobileEmpty,           // IDAAS.SDK.PARAM.0110
  kMobileInvalid,         // IDAAS.SDK.PARAM.0111
  kEmailEmpty,            // IDAAS.SDK.PARAM.0112
  kEmailInvalid,          // IDAAS.SDK.PARAM.0113
  kCodeTypeInvalid,       // IDAAS.SDK.PARAM.0114
  kVerifyCodeEmpty,       // IDAAS.SDK.PARAM.0115
  kVerifyMethodOff,       // IDAAS.SDK.PARAM.0116
  kMfaFactorUnavailable,  // IDAAS.SDK.PARAM.0117
  kTargetNotUsers,        // IDAAS.SDK.PARAM.0118
  kHeaderNotUtf8,         // IDAAS.SDK.PARAM.0119
  kHeaderRepeated,        // IDAAS.SDK.PARAM.0120
  kBodyDuplicateKey,      // IDAAS.SDK.PARAM.0121
  kCountryNotAllowed,     // IDAAS.SDK.PARAM.0122
  kSocialAlreadyBound,    // IDAAS.SDK.SOCIAL.0001
  // Administration (the CLI and the admin API); `detail` says what exactly.
  kAdminInvalidArgument,  // IDAAS.ADMIN.PARAM.0001
  kAdminNotFound,         // IDAAS.ADMIN.RESOURCE.0404 (404)
  kAdminConflict,         // IDAAS.ADMIN.RESOURCE.0409 (409)
  kAdminUnauthorized,     // IDAAS.ADMIN.AUTH.0401 (401): no, unknown, revoked or expired token
  kAdminNoRoute,          // IDAAS.ADMIN.RESOURCE.0400 (404): no admin endpoint has this path
  kAdminWrongMethod,      // IDAAS.ADMIN.RESOURCE.0405 (405)
};

struct ErrorInfo {
  std::string_view code;
  int http_status;
  std::string_view english;
  std::string_view chinese;

  std::string_view message(Language lang) const {
    return lang == Language::kChinese ? chinese : english;
  }
};

const ErrorInfo& error_info(ErrorCode code);

// Every ErrorCode, in catalog order: for documentation checks and tests.
std::span<const ErrorCode> all_error_codes();

// An error as a value. `detail` is for the server log only and is never sent to a client.
struct ApiError {
  ErrorCode code;
  std::string detail{};
};

// {"error_code": "...", "error_msg": "..."} in the requested language.
std::string render_error_body(ErrorCode code, Language lang);

}  // namespace ciamd
