#include "core/error.hpp"

#include <array>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>

namespace ciamd {
namespace {

struct Entry {
  ErrorCode id;
  ErrorInfo info;
};

// The Chinese messages of the first block are the customer's own wording.
constexpr std::array kCatalog{
    Entry{ErrorCode::kDeviceInfoIncomplete,
          {"IDAAS.SDK.PARAM.0001", 400, "Device information is incomplete", "设备信息不完整"}},
    Entry{ErrorCode::kClientIdEmpty,
          {"IDAAS.SDK.PARAM.0002", 400, "clientId cannot be empty", "clientId不能为空"}},
    Entry{ErrorCode::kAppNotRegistered,
          {"IDAAS.SDK.PARAM.0003", 400, "The app is not registered, please register the app first",
           "应用未注册,请先注册应用"}},
    Entry{ErrorCode::kWechatCodeEmpty,
          {"IDAAS.SDK.PARAM.0011", 400, "WeChat authorization code cannot be empty",
           "微信授权码不能为空"}},
    Entry{ErrorCode::kWeiboTokenEmpty,
          {"IDAAS.SDK.PARAM.0026", 400, "Weibo access token cannot be empty",
           "微博授权令牌不能为空"}},
    Entry{ErrorCode::kWeiboUidEmpty,
          {"IDAAS.SDK.PARAM.0027", 400, "Weibo user ID cannot be empty", "微博用户ID不能为空"}},
    Entry{ErrorCode::kUserNotFound, {"IDAAS.SDK.USER.0001", 400, "User not found", "用户不存在"}},
    Entry{ErrorCode::kUserDisabled,
          {"IDAAS.SDK.USER.0039", 400, "User is disabled", "用户已被禁用"}},
    Entry{ErrorCode::kStateTokenInvalid,
          {"IDAAS.SDK.COMMON.1007", 400, "state_token parameter error", "state_token参数错误"}},
    Entry{
        ErrorCode::kSystemBusy,
        {"IDAAS.SDK.COM.0002", 500, "System busy, please try again later", "系统繁忙,请稍后再试"}},
    Entry{
        ErrorCode::kSessionTokenInvalid,
        {"IDAAS.SDK.PARAM.0023", 400, "Invalid or expired session token", "会话令牌无效或已过期"}},
    Entry{ErrorCode::kCodeSendFailed,
          {"IDAAS.SDK.CAPTCHA.0006", 400, "Failed to send verification code", "验证码发送失败"}},
    Entry{ErrorCode::kCodeIncorrect,
          {"IDAAS.SDK.CAPTCHA.0007", 400, "Incorrect verification code", "验证码错误"}},
    Entry{ErrorCode::kMiniProgramCallFailed,
          {"IDAAS.SDK.LOGIN.1001", 400, "WeChat mini program API call failed",
           "微信小程序接口调用失败"}},
    Entry{ErrorCode::kBodyNotJson,
          {"IDAAS.SDK.PARAM.0101", 400, "Request body is not valid JSON", "请求体不是合法的JSON"}},
    Entry{ErrorCode::kBodyNotObject,
          {"IDAAS.SDK.PARAM.0102", 400, "Request body must be a JSON object",
           "请求体必须是JSON对象"}},
    Entry{ErrorCode::kContentTypeNotJson,
          {"IDAAS.SDK.PARAM.0103", 400, "Content-Type must be application/json",
           "Content-Type必须为application/json"}},
    Entry{ErrorCode::kBodyTooLarge,
          {"IDAAS.SDK.PARAM.0104", 400, "Request body is too large", "请求体过大"}},
    Entry{ErrorCode::kHeaderTooLarge,
          {"IDAAS.SDK.PARAM.0105", 400, "Request headers are too large", "请求头过大"}},
    Entry{ErrorCode::kParamWrongType,
          {"IDAAS.SDK.PARAM.0106", 400, "A request parameter has the wrong type",
           "请求参数类型错误"}},
    Entry{ErrorCode::kRequestTimeout,
          {"IDAAS.SDK.PARAM.0107", 400, "The request was not received in time", "请求接收超时"}},
    Entry{ErrorCode::kMalformedRequest,
          {"IDAAS.SDK.PARAM.0108", 400, "Malformed HTTP request", "HTTP请求格式错误"}},
    Entry{ErrorCode::kWechatCodeInvalid,
          {"IDAAS.SDK.LOGIN.1002", 400, "WeChat authorization code is invalid, expired or used",
           "微信授权码无效、已过期或已被使用"}},
    Entry{ErrorCode::kLoginNotEnabled,
          {"IDAAS.SDK.LOGIN.1003", 400, "This login method is not enabled for the application",
           "该应用未启用此登录方式"}},
    Entry{ErrorCode::kWeiboTokenInvalid,
          {"IDAAS.SDK.LOGIN.1004", 400, "Weibo access token is invalid or expired",
           "微博授权令牌无效或已过期"}},
    Entry{ErrorCode::kWeiboTokenMismatch,
          {"IDAAS.SDK.LOGIN.1005", 400,
           "Weibo access token was not issued to this application for this user",
           "微博授权令牌不属于此应用或此用户"}},
    Entry{ErrorCode::kNotFound,
          {"IDAAS.SDK.COMMON.0404", 404, "No such API endpoint", "接口不存在"}},
    Entry{ErrorCode::kMethodNotAllowed,
          {"IDAAS.SDK.COMMON.0405", 405, "HTTP method not allowed for this endpoint",
           "该接口不支持此HTTP方法"}},
    Entry{ErrorCode::kTooManyRequests,
          {"IDAAS.SDK.COMMON.0429", 429, "Too many requests, please try again later",
           "请求过于频繁,请稍后再试"}},
    Entry{ErrorCode::kMobileEmpty,
          {"IDAAS.SDK.PARAM.0110", 400, "Mobile number cannot be empty", "手机号不能为空"}},
    Entry{ErrorCode::kMobileInvalid,
          {"IDAAS.SDK.PARAM.0111", 400, "Invalid mobile number", "手机号格式不正确"}},
    Entry{ErrorCode::kEmailEmpty,
          {"IDAAS.SDK.PARAM.0112", 400, "Email cannot be empty", "邮箱不能为空"}},
    Entry{ErrorCode::kEmailInvalid,
          {"IDAAS.SDK.PARAM.0113", 400, "Invalid email address", "邮箱格式不正确"}},
    Entry{ErrorCode::kCodeTypeInvalid,
          {"IDAAS.SDK.PARAM.0114", 400, "Invalid verification code type", "验证码类型不正确"}},
    Entry{ErrorCode::kVerifyCodeEmpty,
          {"IDAAS.SDK.PARAM.0115", 400, "Verification code cannot be empty", "验证码不能为空"}},
    Entry{
        ErrorCode::kVerifyMethodOff,
        {"IDAAS.SDK.PARAM.0116", 400, "This verification method is not enabled for the application",
         "该应用未启用此验证方式"}},
    Entry{ErrorCode::kMfaFactorUnavailable,
          {"IDAAS.SDK.PARAM.0117", 400, "This second factor is not available for the user",
           "该用户无法使用此二次认证方式"}},
    Entry{ErrorCode::kTargetNotUsers,
          {"IDAAS.SDK.PARAM.0118", 400, "The mobile number or email is not the user's own",
           "手机号或邮箱不是该用户本人的"}},
    Entry{ErrorCode::kHeaderNotUtf8,
          {"IDAAS.SDK.PARAM.0119", 400, "A request header is not valid UTF-8",
           "请求头不是合法的UTF-8编码"}},
    Entry{ErrorCode::kHeaderRepeated,
          {"IDAAS.SDK.PARAM.0120", 400, "A request header appears more than once", "请求头重复"}},
    Entry{ErrorCode::kBodyDuplicateKey,
          {"IDAAS.SDK.PARAM.0121", 400, "Request body has a duplicate key", "请求体中有重复的键"}},
    Entry{ErrorCode::kCountryNotAllowed,
          {"IDAAS.SDK.PARAM.0122", 400,
           "Mobile numbers of this country or region are not supported by the application",
           "该应用不支持此国家或地区的手机号"}},
    Entry{ErrorCode::kSocialAlreadyBound,
          {"IDAAS.SDK.SOCIAL.0001", 400,
           "The account is already bound to another user of this provider",
           "该账号已绑定该平台的其他用户"}},
    Entry{ErrorCode::kAdminInvalidArgument,
          {"IDAAS.ADMIN.PARAM.0001", 400, "Invalid argument", "参数无效"}},
    Entry{ErrorCode::kAdminNotFound,
          {"IDAAS.ADMIN.RESOURCE.0404", 404, "Resource not found", "资源不存在"}},
    Entry{ErrorCode::kAdminConflict,
          {"IDAAS.ADMIN.RESOURCE.0409", 409, "Resource already exists", "资源已存在"}},
    Entry{ErrorCode::kAdminUnauthorized,
          {"IDAAS.ADMIN.AUTH.0401", 401, "Missing or invalid admin token", "管理令牌缺失或无效"}},
    Entry{ErrorCode::kAdminNoRoute,
          {"IDAAS.ADMIN.RESOURCE.0400", 404, "No such admin endpoint", "管理接口不存在"}},
    Entry{ErrorCode::kAdminWrongMethod,
          {"IDAAS.ADMIN.RESOURCE.0405", 405, "Method not allowed", "不支持该请求方法"}},
};

constexpr bool catalog_is_in_enum_order() {
  for (std::size_t i = 0; i < kCatalog.size(); ++i) {
    if (static_cast<std::size_t>(kCatalog[i].id) != i) return false;
  }
  return true;
}
static_assert(catalog_is_in_enum_order(), "kCatalog must list ErrorCode values in order");

constexpr auto make_code_list() {
  std::array<ErrorCode, kCatalog.size()> out{};
  for (std::size_t i = 0; i < kCatalog.size(); ++i) out[i] = kCatalog[i].id;
  return out;
}
constexpr auto kCodeList = make_code_list();

}  // namespace

Language language_from_header(std::string_view x_l) {
  if (x_l.size() < 2) return Language::kEnglish;
  const bool zh = std::tolower(static_cast<unsigned char>(x_l[0])) == 'z' &&
                  std::tolower(static_cast<unsigned char>(x_l[1])) == 'h';
  if (!zh) return Language::kEnglish;
  if (x_l.size() == 2 || x_l[2] == '-' || x_l[2] == '_') return Language::kChinese;
  return Language::kEnglish;
}

const ErrorInfo& error_info(ErrorCode code) {
  return kCatalog[static_cast<std::size_t>(code)].info;
}

std::span<const ErrorCode> all_error_codes() {
  return kCodeList;
}

std::string render_error_body(ErrorCode code, Language lang) {
  const ErrorInfo& info = error_info(code);
  boost::json::object body;
  body["error_code"] = info.code;
  body["error_msg"] = info.message(lang);
  return boost::json::serialize(body);
}

}  // namespace ciamd
