#include "metrics/process.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string_view>
#include <vector>

#include "metrics/metrics.hpp"

namespace ciamd {
namespace {

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The fields of /proc/self/stat after the command name. The name is in parentheses and may hold
// spaces or parentheses itself, so the split starts after the last ')'; element 0 is then field 3
// (state) of proc(5).
std::optional<std::vector<std::string>> stat_fields(const std::string& proc_root) {
  const std::optional<std::string> text = read_text(proc_root + "/self/stat");
  if (!text) return std::nullopt;
  const auto close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text->substr(close + 1));
  std::vector<std::string> fields{std::istream_iterator<std::string>(rest),
                                  std::istream_iterator<std::string>()};
  return fields;
}

std::optional<double> number(const std::vector<std::string>& fields, std::size_t proc5_field) {
  const std::size_t index = proc5_field - 3;
  if (index >= fields.size()) return std::nullopt;
  try {
    return std::stod(fields[index]);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// "btime N" of /proc/stat: the boot time, in Unix seconds.
std::optional<double> boot_time(const std::string& proc_root) {
  std::ifstream in(proc_root + "/stat");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("btime ")) {
      try {
        return std::stod(line.substr(6));
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

double open_fds(const std::string& proc_root) {
  std::error_code ec;
  double n = 0;
  for (std::filesystem::directory_iterator it(proc_root + "/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  return n;
}

}  // namespace

std::optional<ProcessStats> read_process_stats(const std::string& proc_root) {
  const std::optional<std::vector<std::string>> fields = stat_fields(proc_root);
  const std::optional<double> btime = boot_time(proc_root);
  if (!fields || !btime) return std::nullopt;
  // proc(5): utime 14, stime 15 and starttime 22 in clock ticks, rss 24 in pages.
  const std::optional<double> utime = number(*fields, 14);
  const std::optional<double> stime = number(*fields, 15);
  const std::optional<double> start = number(*fields, 22);
  const std::optional<double> rss = number(*fields, 24);
  if (!utime || !stime || !start || !rss) return std::nullopt;
  const auto ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const auto page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  ProcessStats s;
  s.cpu_seconds = (*utime + *stime) / ticks;
  s.resident_bytes = *rss * page;
  s.open_fds = open_fds(proc_root);
  s.start_time_seconds = *btime + *start / ticks;
  return s;
}

void register_process_metrics(MetricsRegistry& registry) {
  if (!read_process_stats()) return;
  // Each series reads /proc on its own: four small reads per scrape, and no state to share
  // between callbacks that may run on different scrapes at once. NaN if /proc went away.
  const auto reading = [](double ProcessStats::*field) {
    return [field] {
      const std::optional<ProcessStats> s = read_process_stats();
      return s ? (*s).*field : std::nan("");
    };
  };
  registry.counter_callback("process_cpu_seconds_total",
                            "Total user and system CPU time spent in seconds.", {},
                            reading(&ProcessStats::cpu_seconds));
  registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", {},
                 reading(&ProcessStats::resident_bytes));
  registry.gauge("process_open_fds", "Number of open file descriptors.", {},
                 reading(&ProcessStats::open_fds));
  registry.gauge("process_start_time_seconds",
                 "Start time of the process since unix epoch in seconds.", {},
                 reading(&ProcessStats::start_time_seconds));
}

}  // namespace ciamd
