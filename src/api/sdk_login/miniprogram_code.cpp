#include "api/sdk_login/miniprogram_code.hpp"

#include "api/json_body.hpp"

namespace ciamd {
namespace {

// WeChat's codes are 32 (wx.login) or 64 (phone) characters; anything far longer is not one.
constexpr std::size_t kMaxCodeLength = 512;

}  // namespace

Result<std::string> read_miniprogram_code(const boost::json::object& body, const Application& app,
                                          std::initializer_list<std::string_view> names) {
  std::optional<Result<std::string>> found;
  for (std::string_view name : names) {
    Result<std::string> code = required_string(body, name, ErrorCode::kWechatCodeEmpty);
    if (code || code.error().code != ErrorCode::kWechatCodeEmpty) {
      found.emplace(std::move(code));
      break;
    }
  }
  if (!found) return ErrorCode::kWechatCodeEmpty;
  if (!*found) return found->error();
  if (!app.miniprogram.configured()) {
    return ApiError{ErrorCode::kLoginNotEnabled, "application has no mini program credentials"};
  }
  if (found->value().size() > kMaxCodeLength) {
    return ApiError{ErrorCode::kMiniProgramCallFailed, "code longer than any WeChat code"};
  }
  return std::move(found->value());
}

}  // namespace ciamd
