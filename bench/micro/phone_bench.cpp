// Phone normalisation (core/phone), run on every number a client sends: SMS targets, phone
// logins, bind requests.
#include <benchmark/benchmark.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/phone.hpp"

namespace ciamd::bench {
namespace {

void BM_NormalizePhone(benchmark::State& state, std::string_view input) {
  for (auto _ : state) {
    std::optional<std::string> e164 = normalize_phone(input);
    if (!e164) state.SkipWithError("not a phone number");
    benchmark::DoNotOptimize(e164);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_NormalizePhone, cn_spaced, std::string_view("+86 159 0713 2852"));
BENCHMARK_CAPTURE(BM_NormalizePhone, cn_bare, std::string_view("15907132852"));
BENCHMARK_CAPTURE(BM_NormalizePhone, us_dashed, std::string_view("+1-415-555-0100"));

}  // namespace
}  // namespace ciamd::bench
