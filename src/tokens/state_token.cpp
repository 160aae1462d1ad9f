#include "tokens/state_token.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <stdexcept>

#include "tokens/jws.hpp"

namespace ciamd {
namespace {

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

std::optional<std::string> string_member(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string().data(), v->get_string().size());
}

std::optional<std::int64_t> int_member(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (!v || !v->is_int64()) return std::nullopt;
  return v->get_int64();
}

}  // namespace

StateTokenCodec::StateTokenCodec(std::string hmac_key) : key_(std::move(hmac_key)) {
  if (key_.empty()) throw std::invalid_argument("StateTokenCodec: empty key");
}

std::string StateTokenCodec::issue(const StateTokenClaims& claims) const {
  boost::json::object payload;
  payload["jti"] = claims.flow_id;
  payload["aud"] = claims.client_id;
  payload["flow"] = claims.flow;
  payload["iat"] = claims.issued_at;
  payload["exp"] = claims.expires_at;
  return jws_sign_hmac(kHeader, boost::json::serialize(payload), key_);
}

std::optional<StateTokenClaims> StateTokenCodec::verify(std::string_view token,
                                                        std::string_view client_id,
                                                        UnixSeconds now) const {
  const auto parts = jws_verify_hmac(token, key_);
  if (!parts) return std::nullopt;

  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(parts->payload, ec);
  if (ec || !value.is_object()) return std::nullopt;
  const boost::json::object& payload = value.get_object();

  auto jti = string_member(payload, "jti");
  auto aud = string_member(payload, "aud");
  auto flow = string_member(payload, "flow");
  const auto iat = int_member(payload, "iat");
  const auto exp = int_member(payload, "exp");
  if (!jti || !aud || !flow || !iat || !exp) return std::nullopt;
  StateTokenClaims claims{std::move(*jti), std::move(*aud), std::move(*flow), *iat, *exp};
  // A token is bound to the application it was issued to, and dies at its expiry.
  if (claims.flow_id.empty() || claims.client_id != client_id || claims.expires_at <= now) {
    return std::nullopt;
  }
  return claims;
}

}  // namespace ciamd
