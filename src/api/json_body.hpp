// api/json_body: reading a request's JSON body into typed fields, with the catalog's errors:
// wrong Content-Type (PARAM.0103), not JSON (PARAM.0101), not an object (PARAM.0102), a field of
// the wrong type (PARAM.0106), a required string missing or blank (the caller's code), a key
// twice in one object (PARAM.0121).
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "net/http.hpp"

namespace ciamd {

Result<boost::json::object> parse_json_object(const HttpRequest& http);

// The trimmed string at `key`; `missing` when absent, null-free blank or "", kParamWrongType when
// present but not a string.
Result<std::string> required_string(const boost::json::object& body, std::string_view key,
                                    ErrorCode missing);

}  // namespace ciamd
