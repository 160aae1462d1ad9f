// flows/admin/admin_tokens: the bearer tokens of the admin API: issued by an operator on the
// server (`ciamd admin token create`), shown once, kept as SHA-256 hashes only, checked on every
// admin request. A token is 256 bits from the CSPRNG behind a recognisable prefix, so a leaked one
// is easy to scan for.
//
//   const AdminTokens tokens(store);  // the AdminTokenStore role
//   Result<IssuedAdminToken> t = tokens.issue("deploy-bot", /*expires_in=*/0, now);
//   std::cout << t->token;  // the only time it is seen
//   std::optional<AdminToken> who = tokens.authenticate(bearer, now);  // null: refused
//
// The example above is compiled and run in tests/unit/contracts_test.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"

namespace ciamd {

class AdminTokenStore;

struct IssuedAdminToken {
  std::string token;  // the secret itself, never stored
  AdminToken record;
};

class AdminTokens {
 public:
  explicit AdminTokens(AdminTokenStore& tokens) : tokens_(tokens) {}

  // `name`: 1 to 64 characters of [A-Za-z0-9._@-], unique. `expires_in`: seconds; 0 for never.
  Result<IssuedAdminToken> issue(const std::string& name, std::int64_t expires_in,
                                 UnixSeconds now) const;
  // The live token whose hash matches, or none (unknown, revoked, expired). Only the hash is
  // looked up, so timing says nothing about the token.
  std::optional<AdminToken> authenticate(std::string_view presented, UnixSeconds now) const;
  std::vector<AdminToken> all() const;
  // By id or name; the record after revocation. Revoking a revoked token is no error.
  Result<AdminToken> revoke(const std::string& id_or_name, UnixSeconds now) const;

 private:
  AdminTokenStore& tokens_;
};

}  // namespace ciamd
