// A second independent id_token verifier: the npm package `jose` (tests/jose/verify.mjs, run with
// node), which fetches the JWKS over HTTP the way a relying party would. jwt_verify.hpp is ours and
// could share a misreading of the specs with the server; a widely used JOSE library is the outside
// opinion. Its node_modules is installed by scripts/test.sh (npm ci, pinned by package-lock.json).
//
//   std::string url = "http://127.0.0.1:" + std::to_string(env.port()) + kKeysPath;
//   auto r = jose_verify(url, {token}, {.issuer = kIssuer, .audience = client});
//   ASSERT_TRUE(r[0].ok) << r[0].raw;   r[0].payload.at("sub");
//
// One node process verifies every token of a call, so batch the tokens of a test into one call.
#pragma once

#include <boost/json/object.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace it {

struct JoseOptions {
  std::optional<std::string> issuer{};    // the "iss" the token must carry
  std::optional<std::string> audience{};  // a value "aud" must carry
  // Accepted "alg" values (RS256, ES256); empty: both, the algorithms ciamd issues.
  std::vector<std::string> algorithms{};
  // Where node's stdout and stderr are kept (say, Env::dir(), so they stay with the test's
  // evidence); empty: a scratch directory removed after the call.
  std::filesystem::path log_dir{};
};

struct JoseResult {
  bool ok = false;
  std::string code;     // jose's error code (ERR_JWS_SIGNATURE_VERIFICATION_FAILED, ...); "" if ok
  std::string message;  // jose's error message; "" if ok
  boost::json::object header;   // the protected header, when ok
  boost::json::object payload;  // the verified claims, when ok
  std::string raw;              // the JSON line verify.mjs printed, for failure messages
};

// Verifies each token against the JWKS at `jwks_url` and returns one result per token, in order.
// A token jose rejects is a result with ok == false, not an exception. Throws std::runtime_error
// when the verifier itself cannot run: node missing, tests/jose/node_modules not installed (run
// scripts/test.sh), or output that does not match the tokens.
std::vector<JoseResult> jose_verify(const std::string& jwks_url,
                                    const std::vector<std::string>& tokens,
                                    const JoseOptions& options = {});

}  // namespace it
