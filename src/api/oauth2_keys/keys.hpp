// api/oauth2_keys: the public key material and discovery document relying parties use to verify
// id_tokens: GET /api/v1/oauth2/keys (JWKS) and GET /.well-known/openid-configuration.
//
// Both may be cached for [tokens] jwks_max_age seconds. The JWKS carries a strong ETag (the hash
// of its bytes), so a client revalidating with If-None-Match gets a 304 until the set of published
// keys changes; a key is published at least that long before it signs (see
// flows/keys/signing_keys).
#pragma once

#include <string_view>

#include "api/services.hpp"
#include "exec/task.hpp"
#include "net/http.hpp"

namespace ciamd {

inline constexpr std::string_view kJwksPath = "/api/v1/oauth2/keys";

Task<HttpResponse> handle_jwks(const ApiServices& api, const HttpRequest& http);
Task<HttpResponse> handle_openid_configuration(const ApiServices& api, const HttpRequest& http);

// Whether an If-None-Match field value (RFC 9110 section 13.1.2: "*" or a comma-separated list
// of entity tags, weak or strong) matches `etag` under the weak comparison the field uses.
bool if_none_match_matches(std::string_view field_value, std::string_view etag);

}  // namespace ciamd
