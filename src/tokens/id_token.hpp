// tokens/id_token: the claims of an id_token, as docs/api.md "Tokens" fixes them.
//
//   {"iss","aud","sub","iat","nbf" (iat-120),"exp" (iat+ttl),"jti",
//    "api": "{\"name\",\"mobile\" (+86-15907132852),\"id\",\"userName\",\"email\"}"}
#pragma once

#include <string>
#include <string_view>

#include "core/model.hpp"

namespace ciamd {

struct IdTokenInput {
  std::string_view issuer;
  std::string_view client_id;
  const User& user;
  UnixSeconds issued_at;
  std::int64_t ttl_seconds;
  std::string_view jti;
};

// The payload JSON to sign. The mobile is rendered with core/phone render_mobile().
std::string id_token_payload(const IdTokenInput& in);

}  // namespace ciamd
