#include "api/oauth2_keys/keys.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <string>

#include "tokens/key_ring.hpp"

namespace ciamd {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

// Clients may cache keys for a while; a rotated-in key is published before it signs anything.
std::string cache_control(const ApiServices& api) {
  return "public, max-age=" + std::to_string(api.flows.tokens.jwks_max_age);
}

// Several If-None-Match fields mean the same as one field holding their values as a list.
std::string if_none_match(const HttpRequest& http) {
  std::string joined;
  for (const auto& [name, value] : http.headers.fields()) {
    if (!iequals(name, "If-None-Match")) continue;
    if (!joined.empty()) joined += ',';
    joined += value;
  }
  return joined;
}

}  // namespace

bool if_none_match_matches(std::string_view field_value, std::string_view etag) {
  // The opaque tag of `etag` without a weakness prefix: the weak comparison ignores W/.
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  std::size_t i = 0;
  const std::size_t n = field_value.size();
  while (i < n) {
    while (i < n && (is_space(field_value[i]) || field_value[i] == ',')) ++i;
    if (i >= n) break;
    if (field_value[i] == '*') return true;  // any current representation, and there is one
    if (field_value.substr(i).starts_with("W/")) i += 2;
    if (i < n && field_value[i] == '"') {
      const std::size_t close = field_value.find('"', i + 1);
      if (close == std::string_view::npos) return false;  // unterminated: no tag to match
      if (field_value.substr(i, close - i + 1) == etag) return true;
      i = close + 1;
      continue;
    }
    // Not an entity tag: skip to the next list member.
    const std::size_t comma = field_value.find(',', i);
    if (comma == std::string_view::npos) break;
    i = comma + 1;
  }
  return false;
}

// These handlers never suspend; they are coroutines only to share the Handler signature.
Task<HttpResponse> handle_jwks(const ApiServices& api, const HttpRequest& http) {
  KeyRing::JwksDocument jwks = api.flows.keys.jwks();
  const std::string condition = if_none_match(http);
  HttpResponse r = !condition.empty() && if_none_match_matches(condition, jwks.etag)
                       ? HttpResponse::empty(304)
                       : HttpResponse::json(200, std::move(jwks.json));
  // A 304 repeats the validator and caching fields a 200 would have carried (RFC 9110 15.4.5).
  r.headers.set("Cache-Control", cache_control(api));
  r.headers.set("ETag", std::move(jwks.etag));
  co_return r;
}

Task<HttpResponse> handle_openid_configuration(const ApiServices& api, const HttpRequest&) {
  const std::string& issuer = api.flows.tokens.issuer;
  boost::json::object doc;
  doc["issuer"] = issuer;
  doc["jwks_uri"] = issuer + std::string(kJwksPath);
  // Each application picks one (RS256 by default); both always have a signing key.
  doc["id_token_signing_alg_values_supported"] = boost::json::array{"RS256", "ES256"};
  doc["subject_types_supported"] = boost::json::array{"public"};
  doc["response_types_supported"] = boost::json::array{"id_token"};
  doc["claims_supported"] =
      boost::json::array{"iss", "aud", "sub", "iat", "nbf", "exp", "jti", "api"};
  HttpResponse r = HttpResponse::json(200, boost::json::serialize(doc));
  r.headers.set("Cache-Control", cache_control(api));
  co_return r;
}

}  // namespace ciamd
