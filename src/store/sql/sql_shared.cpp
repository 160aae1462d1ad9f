// The SqlStore methods for the state the nodes of a deployment share (migration 008): leases and
// the mini program server tokens.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "store/sql/sql_store.hpp"
#include "tokens/sealer.hpp"

namespace ciamd {
namespace {

// The AAD a server token is sealed under (store/shared_state_store.hpp, SharedServerToken).
// sql_reseal.cpp reseals with the same AAD. "/" cannot occur in a client id, so no token's AAD
// equals an application secret's.
std::string server_token_aad(std::string_view appid) {
  return "server-token/" + std::string(appid);
}

}  // namespace

bool SqlStore::acquire_lease(std::string_view name, std::string_view holder, UnixSeconds now,
                             UnixSeconds until) {
  auto conn = pool_->acquire();
  // One statement, so the database settles a race: the row is inserted, or taken over when it
  // has expired or is this holder's already, or left alone (0 rows changed) while another holder
  // has it. Both databases count a DO UPDATE whose WHERE fails as no change.
  auto stmt = conn->prepare(
      "INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?4) "
      "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at "
      "WHERE leases.expires_at <= ?3 OR leases.holder = excluded.holder");
  stmt.bind_all(name, holder, now, until);
  return stmt.execute() == 1;
}

void SqlStore::release_lease(std::string_view name, std::string_view holder) {
  auto conn = pool_->acquire();
  // A lease another holder took over after this one's expired stays theirs.
  auto stmt = conn->prepare("DELETE FROM leases WHERE name = ?1 AND holder = ?2");
  stmt.bind_all(name, holder);
  stmt.execute();
}

std::optional<SharedServerToken> SqlStore::find_server_token(std::string_view appid) {
  auto conn = pool_->acquire();
  auto stmt = conn->prepare(
      "SELECT appid, token_sealed, fetched_at, expires_at FROM server_tokens WHERE appid = ?1");
  stmt.bind_all(appid);
  if (!stmt.step()) return std::nullopt;
  SharedServerToken token;
  token.appid = stmt.text(0);
  std::optional<std::string> opened = sealer_.open(stmt.text(1), server_token_aad(token.appid));
  if (!opened) {
    throw StoreError("store: the server token of appid '" + token.appid +
                     "' does not open (a different master key, or a damaged or copied value)");
  }
  token.token = std::move(*opened);
  token.fetched_at = stmt.int64(2);
  token.expires_at = stmt.int64(3);
  return token;
}

void SqlStore::save_server_token(const SharedServerToken& token) {
  auto conn = pool_->acquire();
  auto stmt = conn->prepare(
      "INSERT INTO server_tokens (appid, token_sealed, fetched_at, expires_at) "
      "VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (appid) DO UPDATE SET token_sealed = excluded.token_sealed, "
      "fetched_at = excluded.fetched_at, expires_at = excluded.expires_at");
  stmt.bind_all(token.appid, sealer_.seal(token.token, server_token_aad(token.appid)),
                token.fetched_at, token.expires_at);
  stmt.execute();
}

}  // namespace ciamd
