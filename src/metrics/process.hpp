// metrics/process: the standard process_* metrics every Prometheus client library exports (CPU
// time, resident memory, open file descriptors, start time), read from /proc at scrape time the
// way those libraries read them, so dashboards and alerts written for any Prometheus target work
// on ciamd unchanged.
//
//   const ProcessStats s = read_process_stats("/proc");   // std::nullopt without a /proc
//   s->cpu_seconds; s->resident_bytes; s->open_fds; s->start_time_seconds;
#pragma once

#include <optional>
#include <string>

namespace ciamd {

class MetricsRegistry;

struct ProcessStats {
  double cpu_seconds = 0;         // user + system, /proc/self/stat utime + stime
  double resident_bytes = 0;      // /proc/self/stat rss pages * page size
  double open_fds = 0;            // entries of /proc/self/fd
  double start_time_seconds = 0;  // Unix time: /proc/stat btime + /proc/self/stat starttime
};

// This process's figures under `proc_root` (a parameter so tests can point it at a fake tree);
// nullopt when /proc/self/stat or /proc/stat cannot be read or parsed.
std::optional<ProcessStats> read_process_stats(const std::string& proc_root = "/proc");

// Registers process_cpu_seconds_total (counter), process_resident_memory_bytes,
// process_open_fds and process_start_time_seconds (gauges) on `registry`, each reading /proc
// when scraped. Registers nothing where /proc is not there (not Linux).
void register_process_metrics(MetricsRegistry& registry);

}  // namespace ciamd
