#include "flows/session/session_issuer.hpp"

#include "tokens/crypto.hpp"
#include "tokens/id_token.hpp"
#include "tokens/key_ring.hpp"

namespace ciamd {

std::int64_t session_ttl_for(const Application& app, std::string_view provider) {
  if (provider == kProviderWeibo) return app.weibo_session_ttl;
  if (provider == kLoginWechatMiniProgram) return app.miniprogram_session_ttl;
  return app.wechat_session_ttl;
}

IssuedSession new_session(const FlowServices& services, const Application& app, const User& user,
                          std::string_view provider, const DeviceContext& device) {
  IssuedSession issued;
  issued.token = crypto::random_alnum(kSessionTokenLength);
  Session& s = issued.session;
  s.id = crypto::random_hex(16);
  s.token_hash = crypto::sha256_hex(issued.token);
  s.user_id = user.id;
  s.client_id = app.client_id;
  s.provider = std::string(provider);
  s.device_fingerprint = device.fingerprint;
  s.created_at = services.clock();
  s.expires_at = s.created_at + session_ttl_for(app, provider);
  return issued;
}

std::string sign_id_token(const FlowServices& services, const Application& app, const User& user) {
  const std::string jti = crypto::random_hex(16);
  const std::string payload = id_token_payload(IdTokenInput{
      services.tokens.issuer, app.client_id, user, services.clock(), app.id_token_ttl, jti});
  // The application's algorithm; the ring throws if it has no signer for it (load and reload
  // never leave an algorithm without one).
  return services.keys.sign(
      payload, app.id_token_alg == IdTokenAlg::kES256 ? JwsAlg::kES256 : JwsAlg::kRS256);
}

LoginSuccess finish_success(const FlowServices& services, const Application& app, const User& user,
                            const IssuedSession& issued) {
  LoginSuccess ok;
  ok.session_token = issued.token;
  ok.expire = issued.session.expires_at - issued.session.created_at;
  ok.id_token = sign_id_token(services, app, user);
  ok.user_id = user.id;
  return ok;
}

}  // namespace ciamd
