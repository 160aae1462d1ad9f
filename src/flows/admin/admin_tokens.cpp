#include "flows/admin/admin_tokens.hpp"

#include "flows/admin/checks.hpp"
#include "store/admin_token_store.hpp"
#include "tokens/crypto.hpp"

namespace ciamd {
namespace {

// 43 characters after the prefix: 256 bits from the CSPRNG.
constexpr std::string_view kTokenPrefix = "ciamd_at_";
constexpr std::size_t kTokenRandomChars = 43;

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == '@';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<IssuedAdminToken> AdminTokens::issue(const std::string& name, std::int64_t expires_in,
                                            UnixSeconds now) const {
  if (!valid_name(name)) {
    return invalid_argument("name must be 1 to 64 characters of [A-Za-z0-9._@-]");
  }
  for (const AdminToken& t : tokens_.list_admin_tokens()) {
    if (t.name == name)
      return ApiError{ErrorCode::kAdminConflict, "a token named " + name + " exists"};
  }
  IssuedAdminToken issued;
  issued.token = std::string(kTokenPrefix) + crypto::random_alnum(kTokenRandomChars);
  issued.record.id = crypto::random_hex(8);
  issued.record.name = name;
  issued.record.token_hash = crypto::sha256_hex(issued.token);
  issued.record.created_at = now;
  issued.record.expires_at = expires_in > 0 ? now + expires_in : 0;
  tokens_.insert_admin_token(issued.record);
  return issued;
}

std::optional<AdminToken> AdminTokens::authenticate(std::string_view presented,
                                                    UnixSeconds now) const {
  if (presented.empty()) return std::nullopt;
  std::optional<AdminToken> found = tokens_.find_admin_token_by_hash(crypto::sha256_hex(presented));
  if (!found || found->revoked_at != 0) return std::nullopt;
  if (found->expires_at != 0 && found->expires_at <= now) return std::nullopt;
  return found;
}

std::vector<AdminToken> AdminTokens::all() const {
  return tokens_.list_admin_tokens();
}

Result<AdminToken> AdminTokens::revoke(const std::string& id_or_name, UnixSeconds now) const {
  for (AdminToken& t : tokens_.list_admin_tokens()) {
    if (t.id != id_or_name && t.name != id_or_name) continue;
    tokens_.revoke_admin_token(t.id, now);
    if (t.revoked_at == 0) t.revoked_at = now;
    return std::move(t);
  }
  return ApiError{ErrorCode::kAdminNotFound, "no admin token " + id_or_name};
}

}  // namespace ciamd
