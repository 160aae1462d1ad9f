#include "flows/session_issuer.hpp"

#include "tokens/crypto.hpp"
#include "tokens/id_token.hpp"
#include "tokens/key_ring.hpp"

namespace ciamd {

namespace {
constexpr std::size_t kSessionTokenLength = 32;
}

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

LoginSuccess finish_success(const FlowServices& services, const Application& app, const User& user,
                            const IssuedSession& issued) {
  const std::string jti = crypto::random_hex(16);
  const std::string payload = id_token_payload(IdTokenInput{
      services.tokens.issuer, app.client_id, user, services.clock(), app.id_token_ttl, jti});
  LoginSuccess ok;
  ok.session_token = issued.token;
  ok.expire = issued.session.expires_at - issued.session.created_at;
  ok.id_token = services.keys.sign(payload);
  ok.user_id = user.id;
  return ok;
}

}  // namespace ciamd
