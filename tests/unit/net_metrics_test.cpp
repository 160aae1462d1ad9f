// metrics/metrics: the registry, its Prometheus text, and the router's request metrics.
#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "metrics/metrics.hpp"
#include "metrics/process.hpp"
#include "net/router.hpp"
#include "unit/net_test_support.hpp"

namespace ciamd {
namespace {

using testing::run_now;

constexpr std::array<double, 2> kTwoBuckets{0.1, 1.0};

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(Metrics, CounterSeriesAreCreatedOnceAndCountedApart) {
  MetricsRegistry r;
  CounterFamily& family = r.counter("test_total", "Test.", {"route"});
  Counter& a = family.with({"/a"});
  EXPECT_EQ(&a, &family.with({"/a"}));
  a.inc();
  a.inc(4);
  family.with({"/b"}).inc();
  EXPECT_EQ(a.value(), 5u);
  EXPECT_EQ(family.with({"/b"}).value(), 1u);
  EXPECT_THROW(family.with({}), std::invalid_argument);
  EXPECT_THROW(family.with({"/a", "extra"}), std::invalid_argument);
}

TEST(Metrics, HistogramBucketsAreLessOrEqualAndCumulative) {
  Histogram h(kTwoBuckets);
  h.observe(0.05);
  h.observe(0.1);  // on the bound: counted in le="0.1"
  h.observe(0.5);
  h.observe(1.0);
  h.observe(30);
  h.observe(std::numeric_limits<double>::quiet_NaN());  // ignored
  const Histogram::Snapshot s = h.snapshot();
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{2, 4, 5}));
  EXPECT_EQ(s.count, 5u);
  EXPECT_DOUBLE_EQ(s.sum, 31.65);
  EXPECT_THROW(Histogram(std::vector<double>{1.0, 0.5}), std::invalid_argument);
  EXPECT_THROW(Histogram(std::vector<double>{0.5, 0.5}), std::invalid_argument);
}

TEST(Metrics, RendersTheExpositionFormatSortedAndEscaped) {
  MetricsRegistry r;
  CounterFamily& requests =
      r.counter("test_requests_total", "Requests.\nSecond line \\ end", {"path", "code"});
  requests.with({"/b\"q\"\n\\", "500"}).inc();
  requests.with({"/a", "200"}).inc(2);
  HistogramFamily& latency = r.histogram("test_latency_seconds", "Latency.", {}, kTwoBuckets);
  for (const double v : {0.0625, 0.25, 0.5, 4.0}) latency.with({}).observe(v);
  r.gauge("test_open", "Open things.", {{"listener", "public"}}, [] { return 1.5; });
  r.gauge("test_open", "Open things.", {{"listener", "admin"}}, [] { return 3.0; });
  r.counter("test_empty_total", "Nothing yet.", {"x"});

  EXPECT_EQ(r.render_prometheus(),
            "# HELP test_empty_total Nothing yet.\n"
            "# TYPE test_empty_total counter\n"
            "# HELP test_latency_seconds Latency.\n"
            "# TYPE test_latency_seconds histogram\n"
            "test_latency_seconds_bucket{le=\"0.1\"} 1\n"
            "test_latency_seconds_bucket{le=\"1\"} 3\n"
            "test_latency_seconds_bucket{le=\"+Inf\"} 4\n"
            "test_latency_seconds_sum 4.8125\n"
            "test_latency_seconds_count 4\n"
            "# HELP test_open Open things.\n"
            "# TYPE test_open gauge\n"
            "test_open{listener=\"admin\"} 3\n"
            "test_open{listener=\"public\"} 1.5\n"
            "# HELP test_requests_total Requests.\\nSecond line \\\\ end\n"
            "# TYPE test_requests_total counter\n"
            "test_requests_total{path=\"/a\",code=\"200\"} 2\n"
            "test_requests_total{path=\"/b\\\"q\\\"\\n\\\\\",code=\"500\"} 1\n");
}

TEST(Metrics, GaugesAreReadAtRenderTimeAndReplacedBySameLabels) {
  MetricsRegistry r;
  double value = 1;
  r.gauge("test_value", "Value.", {}, [&value] { return value; });
  value = 7;
  EXPECT_TRUE(has_line(r.render_prometheus(), "test_value 7"));
  r.gauge("test_value", "Value.", {}, [] { return std::numeric_limits<double>::infinity(); });
  EXPECT_TRUE(has_line(r.render_prometheus(), "test_value +Inf"));
}

TEST(Metrics, RejectsConflictingAndInvalidRegistrations) {
  MetricsRegistry r;
  r.counter("test_total", "Test.", {"a"});
  EXPECT_NO_THROW(r.counter("test_total", "Test.", {"a"}));
  EXPECT_THROW(r.counter("test_total", "Test.", {"b"}), std::invalid_argument);
  EXPECT_THROW(r.histogram("test_total", "Test.", {"a"}), std::invalid_argument);
  EXPECT_THROW(r.gauge("test_total", "Test.", {{"a", "x"}}, [] { return 0.0; }),
               std::invalid_argument);
  EXPECT_THROW(r.counter("1bad", "Bad.", {}), std::invalid_argument);
  EXPECT_THROW(r.counter("bad-name", "Bad.", {}), std::invalid_argument);
  EXPECT_THROW(r.counter("test_labels", "Bad.", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(r.histogram("test_le", "Bad.", {"le"}), std::invalid_argument);
}

TEST(Metrics, FourThreadsSumExactly) {
  MetricsRegistry r;
  CounterFamily& counter = r.counter("test_total", "Test.", {"parity", "thread"});
  HistogramFamily& histogram = r.histogram("test_seconds", "Test.", {"parity"});
  constexpr int kPerThread = 50'000;
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        const std::string thread = std::to_string(t);
        for (int i = 0; i < kPerThread; ++i) {
          const std::string_view parity = i % 2 == 0 ? "even" : "odd";
          // The shared series and one created concurrently per thread.
          counter.with({parity, "all"}).inc();
          counter.with({parity, thread}).inc();
          histogram.with({parity}).observe(0.5);
        }
      });
    }
  }
  EXPECT_EQ(counter.with({"even", "all"}).value() + counter.with({"odd", "all"}).value(),
            4u * kPerThread);
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(counter.with({"even", std::to_string(t)}).value(), kPerThread / 2u);
  }
  const Histogram::Snapshot even = histogram.with({"even"}).snapshot();
  EXPECT_EQ(even.count, 2u * kPerThread);
  EXPECT_EQ(even.cumulative.back(), 2u * kPerThread);
  EXPECT_DOUBLE_EQ(even.sum, 0.5 * 2 * kPerThread);
}

Task<HttpResponse> answer(int status) {
  co_return HttpResponse::empty(status);
}

HttpRequest request(std::string method, std::string path) {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

TEST(Metrics, RouterCountsByRegisteredRouteAndFoldsMisses) {
  Metrics metrics;
  Router router;
  router.add("GET", "/a", [](const HttpRequest&) { return answer(200); });
  router.instrument(metrics, "public");  // routes added before and after are both covered
  router.add("GET", "/v1/users/{id}", [](const HttpRequest&) { return answer(201); });
  router.add("GET", "/boom", [](const HttpRequest&) -> Task<HttpResponse> {
    throw std::runtime_error("handler bug");
    co_return HttpResponse::empty(200);
  });

  EXPECT_EQ(run_now(router.dispatch(request("GET", "/a"))).status, 200);
  EXPECT_EQ(run_now(router.dispatch(request("GET", "/a"))).status, 200);
  EXPECT_EQ(run_now(router.dispatch(request("GET", "/v1/users/7"))).status, 201);
  EXPECT_EQ(run_now(router.dispatch(request("GET", "/no/such/path"))).status, 404);
  EXPECT_EQ(run_now(router.dispatch(request("BREW", "/a"))).status, 405);
  EXPECT_THROW(run_now(router.dispatch(request("GET", "/boom"))), std::runtime_error);

  const std::string text = metrics.render_prometheus();
  const std::string requests = "ciamd_http_requests_total{listener=\"public\",";
  EXPECT_TRUE(has_line(text, requests + "method=\"GET\",route=\"/a\",status=\"200\"} 2")) << text;
  EXPECT_TRUE(
      has_line(text, requests + "method=\"GET\",route=\"/v1/users/{id}\",status=\"201\"} 1"));
  EXPECT_TRUE(has_line(text, requests + "method=\"GET\",route=\"unmatched\",status=\"404\"} 1"));
  EXPECT_TRUE(has_line(text, requests + "method=\"other\",route=\"unmatched\",status=\"405\"} 1"));
  EXPECT_TRUE(has_line(text, requests + "method=\"GET\",route=\"/boom\",status=\"500\"} 1"));
  EXPECT_TRUE(has_line(text,
                       "ciamd_http_request_duration_seconds_count{listener=\"public\","
                       "method=\"GET\",route=\"/a\"} 2"));
  // Nothing the client chose becomes a label value.
  EXPECT_EQ(text.find("/no/such/path"), std::string::npos);
  EXPECT_EQ(text.find("BREW"), std::string::npos);
  EXPECT_EQ(text.find("users/7"), std::string::npos);
}

TEST(Metrics, UninstrumentedRouterRecordsNothing) {
  Metrics metrics;
  Router router;
  router.add("GET", "/a", [](const HttpRequest&) { return answer(200); });
  EXPECT_EQ(run_now(router.dispatch(request("GET", "/a"))).status, 200);
  EXPECT_EQ(metrics.render_prometheus().find("route="), std::string::npos);
}

TEST(ProcessMetrics, ReadFromAProcTreeAsProc5LaysItOut) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(::testing::TempDir()) / "ciamd-fake-proc";
  fs::remove_all(root);
  fs::create_directories(root / "self" / "fd");
  for (const char* fd : {"0", "1", "2", "7"}) std::ofstream(root / "self" / "fd" / fd);
  // A command name with a space and a ')' in it; utime 250, stime 50 ticks, starttime 1000
  // ticks after boot, rss 300 pages.
  std::ofstream(root / "self" / "stat")
      << "4242 (ci amd) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 1000 "
         "123456789 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  std::ofstream(root / "stat") << "cpu  1 2 3 4\nbtime 1700000000\nprocesses 10\n";
  const std::optional<ProcessStats> s = read_process_stats(root.string());
  ASSERT_TRUE(s.has_value());
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 300 / ticks);
  EXPECT_DOUBLE_EQ(s->resident_bytes, 300.0 * static_cast<double>(::sysconf(_SC_PAGESIZE)));
  EXPECT_DOUBLE_EQ(s->open_fds, 4);
  EXPECT_DOUBLE_EQ(s->start_time_seconds, 1700000000 + 1000 / ticks);
  EXPECT_FALSE(read_process_stats((root / "nowhere").string()).has_value());
  fs::remove_all(root);
}

TEST(ProcessMetrics, EveryMetricsRegistryOfCiamdExportsThem) {
  const std::string text = Metrics().render_prometheus();
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos) << text;
  for (const char* gauge :
       {"process_resident_memory_bytes", "process_open_fds", "process_start_time_seconds"}) {
    EXPECT_NE(text.find("# TYPE " + std::string(gauge) + " gauge\n"), std::string::npos) << gauge;
  }
  // This process: started in the past, holding some memory and descriptors.
  const std::optional<ProcessStats> s = read_process_stats();
  ASSERT_TRUE(s.has_value());
  EXPECT_GT(s->resident_bytes, 1 << 20);
  EXPECT_GE(s->open_fds, 3);
  EXPECT_GT(s->start_time_seconds, 1.6e9);
  EXPECT_LE(s->start_time_seconds, static_cast<double>(std::time(nullptr)) + 1);
}

TEST(Metrics, OperationsMdListsEveryMetric) {
  std::ifstream in(std::string(CIAMD_SOURCE_DIR) + "/docs/operations.md");
  std::stringstream doc;
  doc << in.rdbuf();
  ASSERT_FALSE(doc.str().empty());
  Metrics metrics;
  // Gauges exist once watched; watch them all so the list is complete.
  metrics.watch_open_connections("public", [] { return 0.0; });
  metrics.watch_blocking_pool_threads([] { return 0.0; });
  metrics.watch_blocking_pool_use([] { return 0.0; }, [] { return 0.0; });
  metrics.watch_signing_keys([] { return 0.0; });
  for (const std::string& name : metrics.registry().names()) {
    EXPECT_NE(doc.str().find("| `" + name + "` |"), std::string::npos)
        << "docs/operations.md does not list " << name;
  }
}

}  // namespace
}  // namespace ciamd
