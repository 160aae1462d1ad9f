// render/records: how the admin API and the CLI show records, as JSON objects both print. Secrets
// are never shown: an application says whether it has a WeChat secret, not what it is.
#pragma once

#include <boost/json/object.hpp>

#include "core/model.hpp"
#include "flows/keys/key_rotation.hpp"

namespace ciamd {

boost::json::object application_json(const Application& app);
boost::json::object user_json(const User& user);
boost::json::object tenant_json(const Tenant& tenant);
// A session as of `now` ("state": live, revoked or expired); never its token or hash.
boost::json::object session_json(const Session& session, UnixSeconds now);
// An identity link, with the provider's profile as an object.
boost::json::object identity_json(const Identity& identity);
// An audit event, all fields.
boost::json::object audit_json(const AuditEvent& event);
// A signing key (never its private part) with its state at the time `status` was computed.
boost::json::object key_json(const SigningKeyRecord& record, const KeyStatus& status);
// A rotation's new key: alg, kid, the kids it replaces, when it signs and when they leave the JWKS.
boost::json::object rotated_key_json(const RotatedKey& rotated);
// An admin token's name and dates, never the token or its hash.
boost::json::object admin_token_json(const AdminToken& token, UnixSeconds now);

// ISO 8601 in UTC ("2026-11-21T13:29:26Z"), or "" for 0 (unset).
std::string iso_time(UnixSeconds t);

}  // namespace ciamd
