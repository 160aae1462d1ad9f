#include "flows/login/providers.hpp"

namespace ciamd {

Status check_miniprogram_code(const Application& app, std::string_view code) {
  if (!app.miniprogram.configured()) {
    return ApiError{ErrorCode::kLoginNotEnabled, "application has no mini program credentials"};
  }
  if (code.size() > kMaxWechatCodeLength) {
    return ApiError{ErrorCode::kMiniProgramCallFailed, "code longer than any WeChat code"};
  }
  return Done{};
}

}  // namespace ciamd
