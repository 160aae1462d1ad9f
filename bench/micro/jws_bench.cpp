// JWS signing and verification of an id_token, as every SUCCESS signs one: RS256 (RSA-2048, the
// default) and ES256 (P-256). BM_JwsSign/RS256 is the cost of one RS256 signature that the load
// benchmark reads from this binary (--benchmark_filter='BM_JwsSign/RS256'); keep the name.
#include <benchmark/benchmark.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <optional>
#include <string>
#include <utility>

#include "micro/sample_claims.hpp"
#include "tokens/jws.hpp"
#include "tokens/keys.hpp"

namespace ciamd::bench {
namespace {

// Keys are generated once for the whole run (an RSA-2048 key takes longer to make than thousands
// of signatures), with the header and payload a login signs.
struct SigningSetup {
  AsymmetricKey key;
  std::string header;
  std::string payload;
  std::string token;  // one signature, for the verify benchmarks

  explicit SigningSetup(AsymmetricKey k) : key(std::move(k)) {
    boost::json::object h;
    h["alg"] = to_string(key.alg());
    h["kid"] = key.thumbprint();
    h["typ"] = "JWT";
    header = boost::json::serialize(h);
    payload = sample_id_token_payload();
    token = jws_sign(header, payload, key);
  }
};

const SigningSetup& setup(JwsAlg alg) {
  static const SigningSetup rs256(AsymmetricKey::generate_rsa(2048));
  static const SigningSetup es256(AsymmetricKey::generate_ec_p256());
  return alg == JwsAlg::kES256 ? es256 : rs256;
}

void BM_JwsSign(benchmark::State& state, JwsAlg alg) {
  const SigningSetup& s = setup(alg);
  for (auto _ : state) {
    std::string token = jws_sign(s.header, s.payload, s.key);
    benchmark::DoNotOptimize(token);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_JwsSign, RS256, JwsAlg::kRS256);
BENCHMARK_CAPTURE(BM_JwsSign, ES256, JwsAlg::kES256);

void BM_JwsVerify(benchmark::State& state, JwsAlg alg) {
  const SigningSetup& s = setup(alg);
  for (auto _ : state) {
    std::optional<JwsParts> parts = jws_verify(s.token, s.key);
    if (!parts) state.SkipWithError("signature did not verify");
    benchmark::DoNotOptimize(parts);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_JwsVerify, RS256, JwsAlg::kRS256);
BENCHMARK_CAPTURE(BM_JwsVerify, ES256, JwsAlg::kES256);

}  // namespace
}  // namespace ciamd::bench
