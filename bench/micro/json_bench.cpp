// Reading a WeChat login request and rendering its SUCCESS answer: the JSON and header work of a
// login, without the code exchange and the database.
#include <benchmark/benchmark.h>

#include <string>
#include <variant>

#include "api/json_body.hpp"
#include "api/render.hpp"
#include "api/sdk_request.hpp"
#include "micro/sample_claims.hpp"
#include "tokens/jws.hpp"
#include "tokens/keys.hpp"

namespace ciamd::bench {
namespace {

// A request as the SDK sends it (docs/api.md): the device headers, the client id, a 32-character
// WeChat code.
HttpRequest wechat_login_request() {
  HttpRequest http;
  http.method = "POST";
  http.target = http.path = "/api/v2/sdk/login/wechat";
  http.headers.add("Host", "ciam.example.com");
  http.headers.add("Content-Type", "application/json; charset=utf-8");
  http.headers.add("X-operating-sys-version", "iOS 17.4");
  http.headers.add("X-device-fingerprint", "8F1C2B7A-4D3E-4A5B-9C6D-0E1F2A3B4C5D");
  http.headers.add("X-agent", "ciam-sdk-ios/2.3.1");
  http.headers.add("X-client-id", "1a2b3c4d5e6f7g8h9i0jAbCdEfGhIjKl");
  http.headers.add("X-device-ip", "10.0.0.23");
  http.headers.add("X-L", "zh-CN");
  http.body = R"({"code":"071Ab2Ga1mXQxE0abc4Ia1b2c33Ab2GX"})";
  http.peer_address = "203.0.113.7";
  http.request_id = "0123456789abcdef";
  return http;
}

void BM_JsonParseWechatLogin(benchmark::State& state) {
  const HttpRequest http = wechat_login_request();
  for (auto _ : state) {
    auto body = parse_json_object(http);
    if (!body) {
      state.SkipWithError("body did not parse");
      break;
    }
    auto code = required_string(body.value(), "code", ErrorCode::kWechatCodeEmpty);
    benchmark::DoNotOptimize(code);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JsonParseWechatLogin);

void BM_ReadSdkHeaders(benchmark::State& state) {
  const HttpRequest http = wechat_login_request();
  for (auto _ : state) {
    SdkRequest sdk = read_sdk_headers(http);
    benchmark::DoNotOptimize(sdk);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReadSdkHeaders);

// A SUCCESS with a real RS256 id_token (957 characters with the sample claims), since copying and
// escaping it is most of the rendering.
LoginOutcome success_outcome() {
  const AsymmetricKey key = AsymmetricKey::generate_rsa(2048);
  const std::string payload = sample_id_token_payload();
  const std::string header = R"({"alg":"RS256","kid":")" + key.thumbprint() + R"(","typ":"JWT"})";
  LoginSuccess ok;
  ok.session_token = "Zq3kP9xW2mB7vN4tR8yL1cF6hJ0dS5gA";
  ok.expire = kDefaultWechatSessionTtl;
  ok.id_token = jws_sign(header, payload, key);
  ok.user_id = kSampleUserId;
  return ok;
}

void BM_JsonRenderSuccess(benchmark::State& state) {
  const LoginOutcome outcome = success_outcome();
  for (auto _ : state) {
    HttpResponse response = render_outcome(outcome);
    benchmark::DoNotOptimize(response);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["id_token_chars"] =
      static_cast<double>(std::get<LoginSuccess>(outcome).id_token.size());
}
BENCHMARK(BM_JsonRenderSuccess);

}  // namespace
}  // namespace ciamd::bench
