#include "api/sdk_login/miniprogram_code.hpp"

#include "api/json_body.hpp"

namespace ciamd {

Result<std::string> read_miniprogram_code(const boost::json::object& body,
                                          std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    Result<std::string> code = required_string(body, name, ErrorCode::kWechatCodeEmpty);
    if (code || code.error().code != ErrorCode::kWechatCodeEmpty) return code;
  }
  return ErrorCode::kWechatCodeEmpty;
}

}  // namespace ciamd
