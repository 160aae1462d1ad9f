// The micro-benchmarks' main: Google Benchmark's own, plus the cleanup of the seeded databases,
// which must go once every benchmark that may share them has run.
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include "micro/seeded_store.hpp"

int main(int argc, char** argv) {
  // Migrations log at info; those lines would break up the results table.
  spdlog::set_level(spdlog::level::warn);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  ciamd::bench::remove_seeded_stores();
  return 0;
}
