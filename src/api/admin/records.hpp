// app/json_out: how the CLI (and later the admin API) shows records. Secrets are never shown:
// an application says whether it has a WeChat secret, not what it is.
#pragma once

#include <boost/json/object.hpp>

#include "core/model.hpp"

namespace ciamd {

boost::json::object application_json(const Application& app);
boost::json::object user_json(const User& user);
// A session as of `now` ("state": live, revoked or expired); never its token or hash.
boost::json::object session_json(const Session& session, UnixSeconds now);

}  // namespace ciamd
