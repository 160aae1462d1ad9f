// api/admin/keys: the id_token signing keys (flows/keys/key_rotation.hpp) for operators.
//   GET  /admin/v1/signing-keys         every key with its state now
//   POST /admin/v1/signing-keys/rotate  {"alg": "RS256"|"ES256"|"all", "activate_in": seconds}
#pragma once

#include "api/admin/admin_endpoint.hpp"
#include "net/router.hpp"

namespace ciamd {

void add_key_routes(Router& router, const AdminServices& admin);

}  // namespace ciamd
