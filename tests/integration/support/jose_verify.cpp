#include "integration/support/jose_verify.hpp"

#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string_view>

#include "integration/support/process.hpp"
#include "integration/support/temp_dir.hpp"

#ifndef CIAMD_JOSE_DIR
#error "CIAMD_JOSE_DIR (the path of tests/jose) must be defined by the build"
#endif

namespace it {
namespace {

namespace fs = std::filesystem;

// Process spawns argv[0] as a path, without a PATH search, so the search happens here. It runs at
// test time rather than at configure time so that a node installed after cmake ran is still found.
fs::path find_node() {
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const std::size_t colon = rest.find(':');
    const std::string_view dir = rest.substr(0, colon);
    if (!dir.empty()) {
      const fs::path candidate = fs::path(dir) / "node";
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  throw std::runtime_error(
      "jose_verify: no `node` on PATH; run scripts/install-deps.sh (installs Debian's nodejs)");
}

std::string string_member(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

JoseResult parse_line(const std::string& line) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(line, ec);
  if (ec || !v.is_object()) throw std::runtime_error("not a JSON object: " + line);
  const boost::json::object& o = v.as_object();
  const boost::json::value* ok = o.if_contains("ok");
  if (ok == nullptr || !ok->is_bool()) throw std::runtime_error("no boolean \"ok\": " + line);
  JoseResult r;
  r.ok = ok->as_bool();
  r.raw = line;
  if (r.ok) {
    const boost::json::value* header = o.if_contains("protectedHeader");
    const boost::json::value* payload = o.if_contains("payload");
    if (header == nullptr || !header->is_object() || payload == nullptr || !payload->is_object()) {
      throw std::runtime_error("ok without protectedHeader and payload objects: " + line);
    }
    r.header = header->as_object();
    r.payload = payload->as_object();
  } else {
    r.code = string_member(o, "code");
    r.message = string_member(o, "message");
    // A failure without a code would make every "fails with X" check meaningless.
    if (r.code.empty()) throw std::runtime_error("failure without a code: " + line);
  }
  return r;
}

std::vector<std::string> split_lines(const std::string& out) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    if (end > start) lines.push_back(out.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

std::vector<JoseResult> jose_verify(const std::string& jwks_url,
                                    const std::vector<std::string>& tokens,
                                    const JoseOptions& options) {
  if (tokens.empty()) return {};
  const fs::path dir = CIAMD_JOSE_DIR;
  // Checked here, not left to node's "Cannot find package 'jose'": the fix is not obvious from
  // that, and a test must never pass or skip because its verifier is absent.
  if (!fs::exists(dir / "node_modules" / "jose" / "package.json")) {
    throw std::runtime_error("jose_verify: " + (dir / "node_modules").string() +
                             " is not installed; run scripts/test.sh (it runs `npm ci --prefix " +
                             dir.string() + "`)");
  }
  std::vector<std::string> argv{find_node().string(), (dir / "verify.mjs").string(), "--jwks-url",
                                jwks_url};
  for (const auto& t : tokens) {
    argv.push_back("--token");
    argv.push_back(t);
  }
  if (options.issuer) {
    argv.push_back("--issuer");
    argv.push_back(*options.issuer);
  }
  if (options.audience) {
    argv.push_back("--audience");
    argv.push_back(*options.audience);
  }
  for (const auto& alg : options.algorithms) {
    argv.push_back("--alg");
    argv.push_back(alg);
  }

  std::unique_ptr<TempDir> scratch;
  fs::path log_dir = options.log_dir;
  if (log_dir.empty()) {
    scratch = std::make_unique<TempDir>("ciamd-jose-");
    log_dir = scratch->path();
  }
  const RunResult run = run_to_completion(argv, log_dir);
  const auto broken = [&](const std::string& why) {
    return std::runtime_error("jose_verify: " + why + " (exit code " +
                              std::to_string(run.exit_code) + ")\n--- stdout ---\n" + run.out +
                              "\n--- stderr ---\n" + run.err);
  };
  if (run.exit_code != 0 && run.exit_code != 1) throw broken("verify.mjs could not run");

  std::vector<JoseResult> results;
  bool all_ok = true;
  for (const auto& line : split_lines(run.out)) {
    try {
      results.push_back(parse_line(line));
    } catch (const std::exception& e) {
      throw broken(e.what());
    }
    all_ok = all_ok && results.back().ok;
  }
  if (results.size() != tokens.size()) {
    throw broken(std::to_string(results.size()) + " results for " + std::to_string(tokens.size()) +
                 " tokens");
  }
  // The exit code and the lines are two reports of one outcome; disagreement means a broken script.
  if ((run.exit_code == 0) != all_ok) throw broken("exit code disagrees with the results");
  return results;
}

}  // namespace it
