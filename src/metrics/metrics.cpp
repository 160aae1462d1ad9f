#include "metrics/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <type_traits>
#include <typeinfo>

#include "metrics/process.hpp"
#include "version/version.hpp"

namespace ciamd {
namespace {

bool valid_name(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

// Label names starting with "__" are reserved by Prometheus; "le" is the histogram bucket label.
void check_names(const std::string& name, const std::vector<std::string>& label_names,
                 bool histogram) {
  if (!valid_name(name, /*allow_colon=*/true)) {
    throw std::invalid_argument("invalid metric name: " + name);
  }
  for (const std::string& label : label_names) {
    if (!valid_name(label, /*allow_colon=*/false) || label.starts_with("__") ||
        (histogram && label == "le")) {
      throw std::invalid_argument("invalid label name for " + name + ": " + label);
    }
  }
}

void append_escaped(std::string& out, std::string_view text, bool quotes) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quotes && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void append_number(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    // Shortest round-trip form: 0.005 stays "0.005", not "0.0050000000000000001".
    char buf[32];
    const auto result = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, result.ptr);
  }
}

void append_number(std::string& out, std::uint64_t value) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, result.ptr);
}

// `name{a="x",b="y"<extra>}` or just `name` without labels; `extra` is a pre-rendered
// `le="..."` pair for histogram buckets.
void append_series(std::string& out, std::string_view name, std::string_view suffix,
                   const std::vector<std::string>& label_names,
                   const std::vector<std::string>& values, std::string_view extra = {}) {
  out += name;
  out += suffix;
  if (label_names.empty() && extra.empty()) return;
  out += '{';
  for (std::size_t i = 0; i < label_names.size(); ++i) {
    if (i > 0) out += ',';
    out += label_names[i];
    out += "=\"";
    append_escaped(out, values[i], /*quotes=*/true);
    out += '"';
  }
  if (!extra.empty()) {
    if (!label_names.empty()) out += ',';
    out += extra;
  }
  out += '}';
}

template <class Series>
using SeriesList = std::vector<std::pair<const std::vector<std::string>*, const Series*>>;

template <class Map>
auto sorted_series(const Map& series) {
  SeriesList<typename Map::mapped_type::element_type> out;
  out.reserve(series.size());
  for (const auto& [values, s] : series) out.emplace_back(&values, s.get());
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return *a.first < *b.first; });
  return out;
}

}  // namespace

// --- Histogram ---------------------------------------------------------------------------------

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds.begin(), bounds.end()),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size() + 1)) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end()) ||
      std::adjacent_find(bounds_.begin(), bounds_.end()) != bounds_.end()) {
    throw std::invalid_argument("histogram bounds must be strictly ascending");
  }
}

void Histogram::observe(double value) noexcept {
  // A NaN would land in the first bucket (every comparison is false) and poison the sum.
  if (std::isnan(value)) return;
  // Prometheus buckets are "less than or equal": the first bound >= value.
  const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  buckets_[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.cumulative.reserve(bounds_.size() + 1);
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    s.count += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(s.count);
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

// --- families ----------------------------------------------------------------------------------

namespace metrics_detail {

namespace {
std::size_t combine(std::size_t seed, std::string_view value) noexcept {
  return seed ^
         (std::hash<std::string_view>{}(value) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}
}  // namespace

std::size_t LabelValuesHash::operator()(std::span<const std::string_view> values) const noexcept {
  std::size_t seed = values.size();
  for (const std::string_view v : values) seed = combine(seed, v);
  return seed;
}

std::size_t LabelValuesHash::operator()(const std::vector<std::string>& values) const noexcept {
  std::size_t seed = values.size();
  for (const std::string& v : values) seed = combine(seed, v);
  return seed;
}

bool LabelValuesEqual::operator()(std::span<const std::string_view> a,
                                  const std::vector<std::string>& b) const {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](std::string_view x, const std::string& y) { return x == y; });
}

bool LabelValuesEqual::operator()(const std::vector<std::string>& a,
                                  std::span<const std::string_view> b) const {
  return (*this)(b, a);
}

bool LabelValuesEqual::operator()(const std::vector<std::string>& a,
                                  const std::vector<std::string>& b) const {
  return a == b;
}

FamilyBase::FamilyBase(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void FamilyBase::render(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  append_escaped(out, help_, /*quotes=*/false);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += type();
  out += '\n';
  render_samples(out);
}

}  // namespace metrics_detail

template <class Series>
Family<Series>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                       std::vector<double> bounds)
    : FamilyBase(std::move(name), std::move(help), std::move(label_names)),
      bounds_(std::move(bounds)) {}

template <class Series>
Series& Family<Series>::with(std::span<const std::string_view> values) {
  if (values.size() != label_names().size()) {
    throw std::invalid_argument(name() + " takes " + std::to_string(label_names().size()) +
                                " label values, not " + std::to_string(values.size()));
  }
  {
    const std::shared_lock lock(mutex_);
    if (const auto it = series_.find(values); it != series_.end()) return *it->second;
  }
  const std::unique_lock lock(mutex_);
  auto it = series_.find(values);
  if (it == series_.end()) {
    std::unique_ptr<Series> fresh;
    if constexpr (std::is_same_v<Series, Histogram>) {
      fresh = std::make_unique<Histogram>(bounds_);
    } else {
      fresh = std::make_unique<Series>();
    }
    it = series_.emplace(std::vector<std::string>(values.begin(), values.end()), std::move(fresh))
             .first;
  }
  return *it->second;
}

template <class Series>
std::string_view Family<Series>::type() const {
  if constexpr (std::is_same_v<Series, Histogram>) {
    return "histogram";
  } else {
    return "counter";
  }
}

template <class Series>
void Family<Series>::render_samples(std::string& out) const {
  SeriesList<Series> list;
  {
    // Series are never removed and live in their own allocation, so the pointers outlive the lock.
    const std::shared_lock lock(mutex_);
    list = sorted_series(series_);
  }
  for (const auto& [values, series] : list) {
    if constexpr (std::is_same_v<Series, Histogram>) {
      const Histogram::Snapshot snap = series->snapshot();
      for (std::size_t i = 0; i < snap.cumulative.size(); ++i) {
        std::string le = "le=\"";
        if (i < bounds_.size()) {
          append_number(le, bounds_[i]);
        } else {
          le += "+Inf";
        }
        le += '"';
        append_series(out, name(), "_bucket", label_names(), *values, le);
        out += ' ';
        append_number(out, snap.cumulative[i]);
        out += '\n';
      }
      append_series(out, name(), "_sum", label_names(), *values);
      out += ' ';
      append_number(out, snap.sum);
      out += '\n';
      append_series(out, name(), "_count", label_names(), *values);
      out += ' ';
      append_number(out, snap.count);
      out += '\n';
    } else {
      append_series(out, name(), "", label_names(), *values);
      out += ' ';
      append_number(out, series->value());
      out += '\n';
    }
  }
}

template class Family<Counter>;
template class Family<Histogram>;

// --- gauges ------------------------------------------------------------------------------------

// Series read by callbacks at render time: gauges, and counters kept by someone else (the
// kernel's CPU time of process_cpu_seconds_total), which differ only in their TYPE line.
class MetricsRegistry::GaugeFamily final : public metrics_detail::FamilyBase {
 public:
  GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names,
              std::string_view type)
      : FamilyBase(std::move(name), std::move(help), std::move(label_names)), type_(type) {}

  std::string_view type() const override { return type_; }

  void set(std::vector<std::string> values, std::function<double()> read) {
    const std::lock_guard lock(mutex_);
    series_[std::move(values)] = std::make_shared<const std::function<double()>>(std::move(read));
  }

 private:
  void render_samples(std::string& out) const override {
    // Copied out so a callback runs without the lock: a slow or re-registering callback must not
    // block or deadlock other scrapes.
    std::map<std::vector<std::string>, std::shared_ptr<const std::function<double()>>> copy;
    {
      const std::lock_guard lock(mutex_);
      copy = series_;
    }
    for (const auto& [values, read] : copy) {
      append_series(out, name(), "", label_names(), values);
      out += ' ';
      append_number(out, (*read)());
      out += '\n';
    }
  }

  const std::string_view type_;  // "gauge" or "counter", a literal
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::shared_ptr<const std::function<double()>>> series_;
};

// --- registry ----------------------------------------------------------------------------------

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

metrics_detail::FamilyBase& MetricsRegistry::find_or_add(
    const std::string& name, std::unique_ptr<metrics_detail::FamilyBase> fresh) {
  const std::lock_guard lock(mutex_);
  const auto it = families_.find(name);
  if (it == families_.end()) return *families_.emplace(name, std::move(fresh)).first->second;
  metrics_detail::FamilyBase& existing = *it->second;
  if (typeid(existing) != typeid(*fresh) || existing.type() != fresh->type() ||
      existing.label_names() != fresh->label_names()) {
    throw std::invalid_argument("metric " + name + " is already registered differently");
  }
  return existing;
}

CounterFamily& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                        std::vector<std::string> label_names) {
  check_names(name, label_names, /*histogram=*/false);
  return static_cast<CounterFamily&>(
      find_or_add(name, std::make_unique<CounterFamily>(name, help, std::move(label_names))));
}

HistogramFamily& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                            std::vector<std::string> label_names,
                                            std::span<const double> bounds) {
  check_names(name, label_names, /*histogram=*/true);
  // Validates the bounds now rather than on the first observation.
  const Histogram probe(bounds);
  return static_cast<HistogramFamily&>(find_or_add(
      name, std::make_unique<HistogramFamily>(name, help, std::move(label_names),
                                              std::vector<double>(bounds.begin(), bounds.end()))));
}

void MetricsRegistry::callback_series(const std::string& name, const std::string& help,
                                      const Labels& labels, std::function<double()> read,
                                      std::string_view type) {
  std::vector<std::string> label_names;
  std::vector<std::string> values;
  for (const auto& [label, value] : labels) {
    label_names.push_back(label);
    values.push_back(value);
  }
  check_names(name, label_names, /*histogram=*/false);
  auto& family = static_cast<GaugeFamily&>(
      find_or_add(name, std::make_unique<GaugeFamily>(name, help, std::move(label_names), type)));
  family.set(std::move(values), std::move(read));
}

void MetricsRegistry::gauge(const std::string& name, const std::string& help, const Labels& labels,
                            std::function<double()> read) {
  callback_series(name, help, labels, std::move(read), "gauge");
}

void MetricsRegistry::counter_callback(const std::string& name, const std::string& help,
                                       const Labels& labels, std::function<double()> read) {
  callback_series(name, help, labels, std::move(read), "counter");
}

std::string MetricsRegistry::render_prometheus() const {
  std::vector<const metrics_detail::FamilyBase*> families;
  {
    // Families are never removed; rendering outside the lock keeps gauge callbacks from running
    // under it.
    const std::lock_guard lock(mutex_);
    families.reserve(families_.size());
    for (const auto& [name, family] : families_) families.push_back(family.get());
  }
  std::string out;
  for (const auto* family : families) family->render(out);
  return out;
}

std::vector<std::string> MetricsRegistry::names() const {
  const std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  out.reserve(families_.size());
  for (const auto& [name, family] : families_) out.push_back(name);
  return out;
}

// --- ciamd's metrics ---------------------------------------------------------------------------

std::string_view upstream_outcome_name(UpstreamOutcome outcome) {
  switch (outcome) {
    case UpstreamOutcome::kOk:
      return "ok";
    case UpstreamOutcome::kError:
      return "error";
    case UpstreamOutcome::kTimeout:
      return "timeout";
    case UpstreamOutcome::kHttpError:
      return "http_error";
  }
  return "error";
}

Metrics::Metrics()
    : http_requests_(registry_.counter(
          "ciamd_http_requests_total",
          "HTTP requests answered by the router, by listener, method, route (the registered path, "
          "or \"unmatched\") and status.",
          {"listener", "method", "route", "status"})),
      http_duration_(registry_.histogram(
          "ciamd_http_request_duration_seconds",
          "Time from routing a request to its response being ready, in seconds.",
          {"listener", "method", "route"})),
      upstream_requests_(
          registry_.counter("ciamd_upstream_requests_total",
                            "Calls to identity providers, by provider, endpoint and outcome "
                            "(ok, error, timeout, http_error).",
                            {"provider", "endpoint", "outcome"})),
      upstream_duration_(registry_.histogram("ciamd_upstream_request_duration_seconds",
                                             "Duration of calls to identity providers, in seconds.",
                                             {"provider", "endpoint"})),
      logins_(registry_.counter(
          "ciamd_logins_total",
          "Login attempts by provider and result (a login status or an error code).",
          {"provider", "status"})),
      verification_refused_(registry_.counter(
          "ciamd_verification_refused_total",
          "Verification code sends refused by a limit, by application and reason.",
          {"client_id", "reason"})) {
  register_process_metrics(registry_);
  // The info-metric idiom: a constant 1 whose labels say what runs, so a dashboard can join any
  // series on it and see a rollout progress node by node.
  const BuildInfo build = build_info();
  registry_.gauge("ciamd_build_info",
                  "Always 1; the labels name the running build (version, git commit, build type).",
                  {{"version", std::string(build.version)},
                   {"commit", std::string(build.commit)},
                   {"build_type", std::string(build.build_type)}},
                  [] { return 1.0; });
}

Histogram& Metrics::http_duration(std::string_view listener, std::string_view method,
                                  std::string_view route) {
  return http_duration_.with({listener, method, route});
}

void Metrics::count_http(std::string_view listener, std::string_view method, std::string_view route,
                         int status) {
  // Formatted on the stack: the series lookup needs no std::string once the series exists.
  char buf[12];
  const auto result = std::to_chars(buf, buf + sizeof buf, status);
  http_requests_.with({listener, method, route, std::string_view(buf, result.ptr)}).inc();
}

void Metrics::record_upstream(std::string_view provider, std::string_view endpoint,
                              UpstreamOutcome outcome, double seconds) {
  upstream_requests_.with({provider, endpoint, upstream_outcome_name(outcome)}).inc();
  upstream_duration_.with({provider, endpoint}).observe(seconds);
}

void Metrics::record_login(std::string_view provider, std::string_view status) {
  logins_.with({provider, status}).inc();
}

void Metrics::count_verification_refused(std::string_view client_id, std::string_view reason) {
  verification_refused_.with({client_id, reason}).inc();
}

void Metrics::watch_open_connections(const std::string& listener, std::function<double()> read) {
  registry_.gauge("ciamd_open_connections", "Open client connections, by listener.",
                  {{"listener", listener}}, std::move(read));
}

void Metrics::watch_blocking_pool_threads(std::function<double()> read) {
  registry_.gauge("ciamd_blocking_pool_threads",
                  "Threads of the pool that runs database and other blocking work.", {},
                  std::move(read));
}

void Metrics::watch_blocking_pool_use(std::function<double()> busy,
                                      std::function<double()> queued) {
  registry_.gauge("ciamd_blocking_pool_busy",
                  "Pool threads running blocking work now (database calls, mostly).", {},
                  std::move(busy));
  registry_.gauge("ciamd_blocking_pool_queued", "Blocking work waiting for a pool thread.", {},
                  std::move(queued));
}

void Metrics::watch_signing_keys(std::function<double()> read) {
  registry_.gauge("ciamd_signing_keys_loaded",
                  "Signing keys held in memory (every key published in the JWKS).", {},
                  std::move(read));
}

}  // namespace ciamd
