// SqlStore::reseal_secrets: the database side of `ciamd secrets rotate-master`. Every sealed
// column of the schema is listed here (applications.wechat_secret_sealed and
// miniprogram_secret_sealed, signing_keys.sealed_private_key, server_tokens.token_sealed): a
// migration that adds one must add it here too, or a rotation would leave it sealed under a key
// that is then destroyed.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/sql/sql_store.hpp"
#include "tokens/sealer.hpp"

namespace ciamd {
namespace {

// The AADs rows.cpp seals the application secrets with (wechat_secret_aad and
// miniprogram_secret_aad there): a value resealed under another AAD would no longer open.
std::string wechat_secret_aad(const std::string& client_id) {
  return client_id;
}
std::string miniprogram_secret_aad(const std::string& client_id) {
  return client_id + "/miniprogram";
}
// And the one sql_shared.cpp seals the shared server tokens with.
std::string server_token_aad(const std::string& appid) {
  return "server-token/" + appid;
}

// `sealed` opened with `from` and sealed with `to`; '' stays '' (an unset secret). `what` names
// the value in the error, which carries no part of the value itself.
std::string reseal_one(const Sealer& from, const Sealer& to, const std::string& sealed,
                       const std::string& aad, const std::string& what) {
  if (sealed.empty()) return {};
  std::optional<std::string> resealed = from.reseal(sealed, aad, to);
  if (!resealed) {
    throw StoreError("store: " + what +
                     " does not open under the current master key (a different key, or a "
                     "damaged or copied value); nothing was resealed");
  }
  return std::move(*resealed);
}

struct ApplicationSecrets {
  std::string client_id;
  std::string wechat;
  std::string miniprogram;
};

struct SigningKeySecret {
  std::string kid;
  std::string private_key;
};

struct ServerTokenSecret {
  std::string appid;
  std::string token;
};

}  // namespace

void SqlStore::reseal_secrets(const Sealer& from, const Sealer& to) {
  auto conn = pool_->acquire();
  // One write transaction for the reads too: no row can change between being read and rewritten,
  // and a failure anywhere rolls every row back.
  sql::Transaction tx(*conn);

  // Everything is resealed in memory before the first write, so a value that does not open stops
  // the rotation before any row changes (the rollback would undo them anyway; this keeps the
  // statements simple: no read is open while the updates run).
  std::vector<ApplicationSecrets> apps;
  {
    auto stmt = conn->prepare(
        "SELECT client_id, wechat_secret_sealed, miniprogram_secret_sealed FROM applications "
        "ORDER BY client_id");
    while (stmt.step()) {
      ApplicationSecrets app{stmt.text(0), stmt.text(1), stmt.text(2)};
      app.wechat = reseal_one(from, to, app.wechat, wechat_secret_aad(app.client_id),
                              "the WeChat secret of application '" + app.client_id + "'");
      app.miniprogram =
          reseal_one(from, to, app.miniprogram, miniprogram_secret_aad(app.client_id),
                     "the mini program secret of application '" + app.client_id + "'");
      apps.push_back(std::move(app));
    }
  }
  std::vector<SigningKeySecret> keys;
  {
    auto stmt = conn->prepare("SELECT kid, sealed_private_key FROM signing_keys ORDER BY kid");
    while (stmt.step()) {
      SigningKeySecret key{stmt.text(0), stmt.text(1)};
      // Unlike the application secrets, a signing key is never unset: '' is a damaged row.
      if (key.private_key.empty()) {
        throw StoreError("store: signing key '" + key.kid +
                         "' has no private key; nothing was resealed");
      }
      key.private_key = reseal_one(from, to, key.private_key, key.kid,
                                   "the private key of signing key '" + key.kid + "'");
      keys.push_back(std::move(key));
    }
  }
  std::vector<ServerTokenSecret> server_tokens;
  {
    auto stmt = conn->prepare("SELECT appid, token_sealed FROM server_tokens ORDER BY appid");
    while (stmt.step()) {
      ServerTokenSecret token{stmt.text(0), stmt.text(1)};
      // A row is only ever written with a token: '' is a damaged row, as for signing keys.
      if (token.token.empty()) {
        throw StoreError("store: the server token of appid '" + token.appid +
                         "' is empty; nothing was resealed");
      }
      token.token = reseal_one(from, to, token.token, server_token_aad(token.appid),
                               "the server token of appid '" + token.appid + "'");
      server_tokens.push_back(std::move(token));
    }
  }

  for (const ApplicationSecrets& app : apps) {
    // updated_at stays: the application's settings did not change, only their encryption.
    auto stmt = conn->prepare(
        "UPDATE applications SET wechat_secret_sealed = ?2, miniprogram_secret_sealed = ?3 "
        "WHERE client_id = ?1");
    stmt.bind_all(app.client_id, app.wechat, app.miniprogram);
    stmt.execute();
  }
  for (const SigningKeySecret& key : keys) {
    auto stmt = conn->prepare("UPDATE signing_keys SET sealed_private_key = ?2 WHERE kid = ?1");
    stmt.bind_all(key.kid, key.private_key);
    stmt.execute();
  }
  for (const ServerTokenSecret& token : server_tokens) {
    // fetched_at and expires_at stay: the token is the same, only its encryption changed.
    auto stmt = conn->prepare("UPDATE server_tokens SET token_sealed = ?2 WHERE appid = ?1");
    stmt.bind_all(token.appid, token.token);
    stmt.execute();
  }
  tx.commit();
}

}  // namespace ciamd
