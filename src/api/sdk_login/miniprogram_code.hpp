// api/sdk_login/miniprogram_code: reading the code a mini program endpoint sends, shared by the
// logins and the phone-bind continuations.
//
//   Result<std::string> code = read_miniprogram_code(body, app, {"wechat_code", "wchat_code"});
#pragma once

#include <boost/json/object.hpp>
#include <initializer_list>
#include <string>
#include <string_view>

#include "core/model.hpp"
#include "core/result.hpp"

namespace ciamd {

// The first of `names` present and not blank (the customer's documents spell one field two ways,
// docs/api.md), trimmed.
// None: PARAM.0011; a name present but not a string: PARAM.0106; the application without mini
// program credentials: LOGIN.1003; longer than any WeChat code: LOGIN.1001, without calling WeChat.
Result<std::string> read_miniprogram_code(const boost::json::object& body, const Application& app,
                                          std::initializer_list<std::string_view> names);

}  // namespace ciamd
