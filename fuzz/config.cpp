// The TOML configuration file (app/config load_config): toml++ syntax, then ciamd's sections,
// keys, types, ranges and cross-checks. A bad file must be a ConfigError (the message `ciamd`
// prints before exiting), never another exception or a crash.
//
// load_config reads a path, so each input is written to a file of this process in /dev/shm (or
// TMPDIR when there is none) first. The CIAMD_* environment is cleared once: a variable set in the
// fuzzing shell would override the file.
#include "app/config.hpp"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

std::string config_path() {
  namespace fs = std::filesystem;
  fs::path dir = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  return (dir / ("ciamd-fuzz-config-" + std::to_string(::getpid()) + ".toml")).string();
}

// Removes the file when the fuzzer exits normally.
struct ConfigFile {
  std::string path = config_path();
  ConfigFile() {
    for (const auto& key : ciamd::config_keys()) ::unsetenv(ciamd::env_name(key).c_str());
  }
  ~ConfigFile() { std::filesystem::remove(path); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ConfigFile file;
  {
    std::ofstream out(file.path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    const ciamd::Config cfg = ciamd::load_config(file.path);
    // Only the inline key: a master_key_file would have the fuzzer read whatever file it names.
    if (cfg.security.master_key_file.empty()) (void)ciamd::master_key_bytes(cfg);
  } catch (const ciamd::ConfigError&) {
    // The documented refusal.
  }
  return 0;
}
