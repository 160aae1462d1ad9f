// api/sdk_verify/targets: reading a phone or email target from a request body, shared by the
// send and the bind endpoints.
//   mobile: required_string (missing/blank PARAM.0110), normalize_phone (else PARAM.0111)
//   email:  required_string (missing/blank PARAM.0112), normalize_email (else PARAM.0113)
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "core/model.hpp"
#include "core/result.hpp"
#include "notify/sender.hpp"

namespace ciamd {

// The normalised target: E.164 phone or lower-case email.
Result<std::string> read_target(const boost::json::object& body, Channel channel);

// Whether the body names a target for `channel` ("mobile"/"email" present and not null or blank).
bool body_names_target(const boost::json::object& body, Channel channel);

// The channel a bind body names: mobile when "mobile" holds anything but a blank string (so a
// wrong type is reported), else email when "email" is present, else SMS (PARAM.0110 follows).
Channel channel_of_body(const boost::json::object& body);

}  // namespace ciamd
