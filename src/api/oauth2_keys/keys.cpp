#include "api/oauth2_keys/keys.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "tokens/key_ring.hpp"

namespace ciamd {
namespace {
// Clients may cache keys for a while; a rotated-in key is published before it signs anything.
constexpr std::string_view kKeysCacheControl = "public, max-age=300";
}  // namespace

// These handlers never suspend; they are coroutines only to share the Handler signature.
Task<HttpResponse> handle_jwks(const ApiServices& api, const HttpRequest&) {
  HttpResponse r = HttpResponse::json(200, api.flows.keys.jwks_json());
  r.headers.set("Cache-Control", std::string(kKeysCacheControl));
  co_return r;
}

Task<HttpResponse> handle_openid_configuration(const ApiServices& api, const HttpRequest&) {
  const std::string& issuer = api.flows.tokens.issuer;
  boost::json::object doc;
  doc["issuer"] = issuer;
  doc["jwks_uri"] = issuer + std::string(kJwksPath);
  doc["id_token_signing_alg_values_supported"] = boost::json::array{"RS256"};
  doc["subject_types_supported"] = boost::json::array{"public"};
  doc["response_types_supported"] = boost::json::array{"id_token"};
  doc["claims_supported"] =
      boost::json::array{"iss", "aud", "sub", "iat", "nbf", "exp", "jti", "api"};
  HttpResponse r = HttpResponse::json(200, boost::json::serialize(doc));
  r.headers.set("Cache-Control", std::string(kKeysCacheControl));
  co_return r;
}

}  // namespace ciamd
