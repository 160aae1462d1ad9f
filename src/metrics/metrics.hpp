// metrics/metrics: an in-process metrics registry rendered in the Prometheus text exposition format
// 0.0.4, without an external client library.
//
//   MetricsRegistry r;
//   CounterFamily& hits = r.counter("app_hits_total", "Hits.", {"route"});
//   Counter& home = hits.with({"/"});  // created once under a lock; keep the reference
//   home.inc();                        // one relaxed atomic add: no lock, no allocation
//   r.gauge("app_queue", "Queued jobs.", {}, [&] { return double(queue.size()); });
//   std::string text = r.render_prometheus();
//
// Counters and histograms are atomics per series; a series is created the first time its label
// values are asked for, and later lookups (a shared lock and a hash of string_views) allocate
// nothing. Gauges are callbacks read at render time, so a scrape always sees the current value
// and the hot path pays nothing for them. Callbacks must be cheap and must not block: they run on
// the thread serving the scrape.
//
// `Metrics` below is the registry of ciamd's own metrics and the standard process_* ones
// (metrics/process.hpp); docs/operations.md lists them.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ciamd {

// Upper bounds, in seconds, of every latency histogram: from a cache hit to a provider timeout.
inline constexpr std::array<double, 13> kLatencyBuckets{
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};

class Counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Histogram {
 public:
  // `bounds` are the bucket upper bounds, strictly ascending; +Inf is implicit.
  explicit Histogram(std::span<const double> bounds);

  void observe(double value) noexcept;

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // per bound, then +Inf (which equals count)
    std::uint64_t count = 0;
    double sum = 0;
  };
  // Buckets are read one by one while others may observe, so a snapshot can be a few
  // observations behind in `sum`; the buckets themselves are always cumulative and end at count.
  Snapshot snapshot() const;
  std::span<const double> bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  // Per bucket (not cumulative) so observe() touches a single counter; the last is +Inf.
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
};

namespace metrics_detail {

// Hash and equality that accept both the stored key and a span of string_views, so a lookup
// builds no std::string.
struct LabelValuesHash {
  using is_transparent = void;
  std::size_t operator()(std::span<const std::string_view> values) const noexcept;
  std::size_t operator()(const std::vector<std::string>& values) const noexcept;
};
struct LabelValuesEqual {
  using is_transparent = void;
  bool operator()(std::span<const std::string_view> a, const std::vector<std::string>& b) const;
  bool operator()(const std::vector<std::string>& a, std::span<const std::string_view> b) const;
  bool operator()(const std::vector<std::string>& a, const std::vector<std::string>& b) const;
};

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  virtual std::string_view type() const = 0;
  // Appends the HELP and TYPE lines and every sample.
  void render(std::string& out) const;

 protected:
  virtual void render_samples(std::string& out) const = 0;

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
};

}  // namespace metrics_detail

// All series of one metric name, one per combination of label values.
template <class Series>
class Family final : public metrics_detail::FamilyBase {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds = {});

  // The series for `values` (one per label name, in order). Throws std::invalid_argument for the
  // wrong number of values. The reference stays valid as long as the registry.
  Series& with(std::span<const std::string_view> values);
  Series& with(std::initializer_list<std::string_view> values) {
    return with(std::span<const std::string_view>(values.begin(), values.size()));
  }

  std::string_view type() const override;

 private:
  void render_samples(std::string& out) const override;

  std::vector<double> bounds_;  // histograms only
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::vector<std::string>, std::unique_ptr<Series>,
                     metrics_detail::LabelValuesHash, metrics_detail::LabelValuesEqual>
      series_;
};

using CounterFamily = Family<Counter>;
using HistogramFamily = Family<Histogram>;
extern template class Family<Counter>;
extern template class Family<Histogram>;

// Label name/value pairs of one gauge series.
using Labels = std::vector<std::pair<std::string, std::string>>;

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Returns the family called `name`, creating it on first use. Throws std::invalid_argument for
  // a name or label name Prometheus does not accept, or when `name` is already registered with
  // another type or other label names (two call sites disagreeing about one metric is a bug).
  CounterFamily& counter(const std::string& name, const std::string& help,
                         std::vector<std::string> label_names);
  HistogramFamily& histogram(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names,
                             std::span<const double> bounds = kLatencyBuckets);
  // Registers (or, for the same name and labels, replaces) a gauge series read at render time.
  // `read` must outlive every later render_prometheus() call and must not block.
  void gauge(const std::string& name, const std::string& help, const Labels& labels,
             std::function<double()> read);
  // The same for a counter something else keeps (the kernel's CPU time): read at render time,
  // and it must never decrease.
  void counter_callback(const std::string& name, const std::string& help, const Labels& labels,
                        std::function<double()> read);

  // Every family, sorted by name; series sorted by label values.
  std::string render_prometheus() const;
  std::vector<std::string> names() const;

 private:
  class GaugeFamily;
  void callback_series(const std::string& name, const std::string& help, const Labels& labels,
                       std::function<double()> read, std::string_view type);
  metrics_detail::FamilyBase& find_or_add(const std::string& name,
                                          std::unique_ptr<metrics_detail::FamilyBase> fresh);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<metrics_detail::FamilyBase>, std::less<>> families_;
};

// How an upstream call ended, as the transport saw it (a provider's error inside an HTTP 200
// answer is `kOk` here and shows in the login outcome instead).
enum class UpstreamOutcome { kOk, kError, kTimeout, kHttpError };
std::string_view upstream_outcome_name(UpstreamOutcome outcome);

// ciamd's metrics. One instance per process, created before and destroyed after everything that
// records into it.
class Metrics {
 public:
  // Also registers ciamd_build_info{version,commit,build_type} 1 (version/version.hpp).
  Metrics();

  MetricsRegistry& registry() { return registry_; }
  std::string render_prometheus() const { return registry_.render_prometheus(); }

  // ciamd_http_request_duration_seconds{listener,method,route}: the series to cache per route.
  Histogram& http_duration(std::string_view listener, std::string_view method,
                           std::string_view route);
  // ciamd_http_requests_total{listener,method,route,status}.
  void count_http(std::string_view listener, std::string_view method, std::string_view route,
                  int status);

  // ciamd_upstream_requests_total and ciamd_upstream_request_duration_seconds.
  void record_upstream(std::string_view provider, std::string_view endpoint,
                       UpstreamOutcome outcome, double seconds);

  // ciamd_logins_total{provider,status}.
  void record_login(std::string_view provider, std::string_view status);

  // ciamd_verification_refused_total{client_id,reason}: a code send refused by a limit
  // (flows/verification/verification.hpp names the reasons).
  void count_verification_refused(std::string_view client_id, std::string_view reason);

  // Gauges, read at scrape time. The callbacks must stay callable while /metrics can be served.
  void watch_open_connections(const std::string& listener, std::function<double()> read);
  void watch_blocking_pool_threads(std::function<double()> read);
  // ciamd_blocking_pool_busy / _queued: how much of the pool (database work) is in use.
  void watch_blocking_pool_use(std::function<double()> busy, std::function<double()> queued);
  void watch_signing_keys(std::function<double()> read);

 private:
  MetricsRegistry registry_;
  CounterFamily& http_requests_;
  HistogramFamily& http_duration_;
  CounterFamily& upstream_requests_;
  HistogramFamily& upstream_duration_;
  CounterFamily& logins_;
  CounterFamily& verification_refused_;
};

}  // namespace ciamd
