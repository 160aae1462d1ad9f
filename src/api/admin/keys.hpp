// api/admin/keys: the id_token signing keys (flows/keys/signing_keys) for operators.
//   GET  /admin/v1/signing-keys          every key with its state now
//   POST /admin/v1/signing-keys/rotate   {"alg":"RS256"|"ES256"|"all", "activate_in":seconds}
// rotate_keys() is the one rotation both this endpoint and `ciamd keys rotate` run.
#pragma once

#include <boost/json/array.hpp>
#include <cstdint>
#include <string_view>

#include "api/admin/admin_endpoint.hpp"
#include "net/router.hpp"

namespace ciamd {

// Rotates `alg` ("RS256", "ES256" or "all"): per algorithm {"alg","kid","signs_from","replaces",
// "replaced_in_jwks_until"}. An algorithm without an active key is an error (the new key would
// leave it without a signer until it activates); nothing is rotated then.
Result<boost::json::array> rotate_keys(Store& store, const Sealer& sealer, std::string_view alg,
                                       std::int64_t activate_in, std::int64_t reload_interval,
                                       UnixSeconds now);

void add_key_routes(Router& router, const AdminServices& admin);

}  // namespace ciamd
