// api/sdk_login/miniprogram_code: reading the code a mini program endpoint sends, shared by the
// logins and the phone-bind continuations. Whether the application may spend it is the flow's
// check (flows/login/providers.hpp).
//
//   Result<std::string> code = read_miniprogram_code(body, {"wechat_code", "wchat_code"});
#pragma once

#include <boost/json/object.hpp>
#include <initializer_list>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace ciamd {

// The first of `names` present and not blank (the API family spells one field two ways),
// trimmed. None: PARAM.0011; a name present but not a string: PARAM.0106.
Result<std::string> read_miniprogram_code(const boost::json::object& body,
                                          std::initializer_list<std::string_view> names);

}  // namespace ciamd
