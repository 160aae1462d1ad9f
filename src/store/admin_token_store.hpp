// store/admin_token_store: the admin API's bearer tokens, kept as hashes only.
//
// Calls block (run them on the BlockingPool) and are safe from several threads; failures of the
// database throw StoreError.
//
//   tokens.insert_admin_token(token);  // token.token_hash, never the token
//   std::optional<AdminToken> who = tokens.find_admin_token_by_hash(hash_of(presented));
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/model.hpp"

namespace ciamd {

class AdminTokenStore {
 public:
  virtual ~AdminTokenStore() = default;

  virtual void insert_admin_token(const AdminToken& token) = 0;
  // Revoked ones too: the caller decides.
  virtual std::optional<AdminToken> find_admin_token_by_hash(std::string_view token_hash) = 0;
  virtual std::vector<AdminToken> list_admin_tokens() = 0;
  // False when unknown or already revoked.
  virtual bool revoke_admin_token(std::string_view id, UnixSeconds now) = 0;
};

}  // namespace ciamd
