// api/oauth2_keys: the public key material and discovery document relying parties use to verify
// id_tokens: GET /api/v1/oauth2/keys (JWKS) and GET /.well-known/openid-configuration.
#pragma once

#include "api/services.hpp"
#include "net/http.hpp"
#include "net/task.hpp"

namespace ciamd {

inline constexpr std::string_view kJwksPath = "/api/v1/oauth2/keys";

Task<HttpResponse> handle_jwks(const ApiServices& api, const HttpRequest& http);
Task<HttpResponse> handle_openid_configuration(const ApiServices& api, const HttpRequest& http);

}  // namespace ciamd
