// State tokens (HS256 JWS naming a flow record): issued with every USER_REGISTER, SOCIAL_BIND and
// MFA_AUTH step, verified on every request that continues one.
#include <benchmark/benchmark.h>

#include <optional>
#include <string>

#include "tokens/state_token.hpp"

namespace ciamd::bench {
namespace {

constexpr UnixSeconds kNow = 1700000000;

const StateTokenCodec& codec() {
  // The server derives a 32-byte key from the master key; any 32 bytes cost the same.
  static const StateTokenCodec c(std::string(32, 's'));
  return c;
}

StateTokenClaims claims() {
  return {"0123456789abcdef0123456789abcdef", "1a2b3c4d5e6f7g8h9i0jAbCdEfGhIjKl", "social_register",
          kNow, kNow + 1800};
}

void BM_StateTokenIssue(benchmark::State& state) {
  const StateTokenClaims c = claims();
  for (auto _ : state) {
    std::string token = codec().issue(c);
    benchmark::DoNotOptimize(token);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StateTokenIssue);

void BM_StateTokenVerify(benchmark::State& state) {
  const StateTokenClaims c = claims();
  const std::string token = codec().issue(c);
  for (auto _ : state) {
    std::optional<StateTokenClaims> back = codec().verify(token, c.client_id, kNow + 60);
    if (!back) state.SkipWithError("state token did not verify");
    benchmark::DoNotOptimize(back);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StateTokenVerify);

}  // namespace
}  // namespace ciamd::bench
