#include "tokens/id_token.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/phone.hpp"
#include "core/utf8.hpp"

namespace ciamd {
namespace {

// Clock skew allowance: the token is valid from two minutes before it was issued.
constexpr std::int64_t kNotBeforeSkew = 120;

// The "api" claim is a JSON *string* holding this object, with members in this order, as the
// sample id_token of the customer's Weibo login document shows (docs/api.md "Tokens"); clients
// parse it as text.
std::string api_claim(const User& user) {
  boost::json::object api;
  // Stored strings, repaired to UTF-8: JOSE libraries parse the claims as strict JSON.
  api["name"] = to_valid_utf8(user.name);
  api["mobile"] = user.mobile.empty() ? std::string() : render_mobile(user.mobile);
  api["id"] = to_valid_utf8(user.id);
  api["userName"] = to_valid_utf8(user.username);
  api["email"] = to_valid_utf8(user.email);
  return boost::json::serialize(api);
}

}  // namespace

std::string id_token_payload(const IdTokenInput& in) {
  boost::json::object claims;
  claims["iss"] = in.issuer;
  claims["aud"] = in.client_id;
  claims["sub"] = in.user.id;
  claims["iat"] = in.issued_at;
  claims["nbf"] = in.issued_at - kNotBeforeSkew;
  claims["exp"] = in.issued_at + in.ttl_seconds;
  claims["jti"] = in.jti;
  claims["api"] = api_claim(in.user);
  return boost::json::serialize(claims);
}

}  // namespace ciamd
