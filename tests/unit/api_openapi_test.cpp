// docs/openapi.yaml describes exactly the routes the server registers: the public listener's
// (build_sdk_router) and the admin listener's (build_admin_router plus add_ops_routes). A route
// added without its spec entry, or a spec entry without its route, fails here.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "api/admin/routes.hpp"
#include "api/ops/ops.hpp"
#include "api/routes.hpp"
#include "api/services.hpp"
#include "api_test_support.hpp"
#include "flows/admin/admin_flows.hpp"
#include "flows/audit.hpp"
#include "flows/maintenance/health.hpp"
#include "flows_test_support.hpp"
#include "metrics/metrics.hpp"
#include "net/client.hpp"

namespace ciamd {
namespace {

using RouteSet = std::set<std::pair<std::string, std::string>>;  // (METHOD, path)

std::string read_spec() {
  std::ifstream in(std::string(CIAMD_SOURCE_DIR) + "/docs/openapi.yaml");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
  }
  return lines;
}

std::size_t indent_of(const std::string& line) {
  const std::size_t first = line.find_first_not_of(' ');
  return first == std::string::npos ? line.size() : first;
}

bool blank_or_comment(const std::string& line) {
  const std::size_t first = line.find_first_not_of(' ');
  return first == std::string::npos || line[first] == '#';
}

// A mapping key at exactly `indent` spaces with nothing after its colon ("  /a/b:"): the key.
std::string block_key(const std::string& line, std::size_t indent) {
  if (indent_of(line) != indent || line.size() < indent + 2 || line.back() != ':') return "";
  return line.substr(indent, line.size() - indent - 1);
}

std::string upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

bool is_method(const std::string& key) {
  static const std::set<std::string> kMethods = {"get",   "put",     "post", "delete",
                                                 "patch", "options", "head", "trace"};
  return kMethods.count(key) != 0;
}

struct Spec {
  RouteSet operations;
  std::vector<std::string> problems;  // structural faults, each naming its line
};

// The operations under `paths:`: path keys at two spaces, methods at four; every operation must
// have a summary and responses (six spaces), every path at least one operation.
Spec parse_spec(const std::string& text) {
  Spec spec;
  const std::vector<std::string> lines = lines_of(text);
  bool in_paths = false;
  bool seen_paths = false;
  std::string path;
  int path_line = 0;
  int path_operations = 0;
  std::pair<std::string, std::string> operation;
  int operation_line = 0;
  bool has_summary = false;
  bool has_responses = false;

  const auto close_operation = [&] {
    if (operation.first.empty()) return;
    const std::string where = " (line " + std::to_string(operation_line) + ")";
    if (!has_summary)
      spec.problems.push_back(operation.first + " " + operation.second + " has no summary" + where);
    if (!has_responses) {
      spec.problems.push_back(operation.first + " " + operation.second + " has no responses" +
                              where);
    }
    operation = {};
  };
  const auto close_path = [&] {
    close_operation();
    if (!path.empty() && path_operations == 0) {
      spec.problems.push_back(path + " has no operation (line " + std::to_string(path_line) + ")");
    }
    path.clear();
    path_operations = 0;
  };

  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const int number = static_cast<int>(i) + 1;
    if (line.find('\t') != std::string::npos) {
      spec.problems.push_back("a tab on line " + std::to_string(number));
    }
    if (blank_or_comment(line)) continue;
    const std::size_t indent = indent_of(line);
    if (indent == 0) {
      if (in_paths) close_path();
      in_paths = line == "paths:";
      seen_paths = seen_paths || in_paths;
      continue;
    }
    if (!in_paths) continue;
    if (indent == 2) {
      close_path();
      path = block_key(line, 2);
      path_line = number;
      if (path.empty() || path.front() != '/') {
        spec.problems.push_back("not a path key on line " + std::to_string(number) + ": " + line);
        path.clear();
      }
      continue;
    }
    if (indent == 4 && !path.empty()) {
      const std::string key = block_key(line, 4);
      if (!is_method(key)) {
        close_operation();
        continue;
      }
      close_operation();
      operation = {upper(key), path};
      operation_line = number;
      has_summary = false;
      has_responses = false;
      ++path_operations;
      if (!spec.operations.insert(operation).second) {
        spec.problems.push_back("duplicate operation " + operation.first + " " + path +
                                " on line " + std::to_string(number));
      }
      continue;
    }
    if (indent == 6 && !operation.first.empty()) {
      has_summary = has_summary || line.rfind("      summary: ", 0) == 0;
      has_responses = has_responses || line.rfind("      responses:", 0) == 0;
    }
  }
  if (in_paths) close_path();
  if (!seen_paths) spec.problems.push_back("no paths: section");
  return spec;
}

std::string listing(const RouteSet& routes) {
  std::string out;
  for (const auto& [method, path] : routes) out += "\n  " + method + " " + path;
  return out;
}

class OpenApiTest : public testing::FlowsTest {
 protected:
  RouteSet registered_routes() {
    RouteSet routes;
    const Router sdk = build_sdk_router(api_);
    for (const auto& route : sdk.routes()) routes.insert(route);
    Router admin = build_admin_router(admin_);
    add_ops_routes(admin, OpsServices{metrics_, health_, keys_});
    for (const auto& route : admin.routes()) routes.insert(route);
    return routes;
  }

  Metrics metrics_;
  testing::OfflineApi offline_{*store_, pool_, runtime_, services_, &metrics_};
  const ApiServices& api_ = offline_.api;
  AdminFlows admin_flows_{AdminTokens(*store_),
                          ApplicationAdmin(*store_, *store_),
                          TenantAdmin(*store_),
                          UserAdmin(*store_, *store_),
                          SessionAdmin(*store_, *store_),
                          AuditTrail(*store_),
                          KeyRotation(*store_, *store_, sealer_)};
  AdminServices admin_{admin_flows_, pool_, offline_.audit, clock()};
  DatabaseHealth health_{*store_, pool_};
};

TEST_F(OpenApiTest, SpecPathsAreExactlyTheRegisteredRoutes) {
  const std::string text = read_spec();
  ASSERT_FALSE(text.empty()) << "docs/openapi.yaml is missing or empty";
  const Spec spec = parse_spec(text);
  const RouteSet registered = registered_routes();
  ASSERT_FALSE(registered.empty());

  RouteSet unspecified;  // served but not in the spec
  RouteSet unserved;     // in the spec but not served
  for (const auto& route : registered) {
    if (spec.operations.count(route) == 0) unspecified.insert(route);
  }
  for (const auto& route : spec.operations) {
    if (registered.count(route) == 0) unserved.insert(route);
  }
  EXPECT_TRUE(unspecified.empty())
      << "routes missing from docs/openapi.yaml:" << listing(unspecified);
  EXPECT_TRUE(unserved.empty()) << "docs/openapi.yaml operations no listener serves:"
                                << listing(unserved);
}

TEST_F(OpenApiTest, EveryOperationHasASummaryAndResponses) {
  const Spec spec = parse_spec(read_spec());
  std::string problems;
  for (const std::string& p : spec.problems) problems += "\n  " + p;
  EXPECT_TRUE(spec.problems.empty()) << "docs/openapi.yaml:" << problems;
}

TEST(OpenApiParser, ReadsPathsAndMethodsAndNothingElse) {
  const Spec spec = parse_spec(
      "openapi: 3.0.3\n"
      "paths:\n"
      "  /a/{id}:\n"
      "    parameters:\n"
      "      - name: id\n"
      "    get:\n"
      "      summary: A\n"
      "      description: |\n"
      "        post:\n"
      "      responses:\n"
      "        '200':\n"
      "          description: ok\n"
      "    delete:\n"
      "      summary: B\n"
      "      responses: {}\n"
      "  /b:\n"
      "    servers: []\n"
      "components:\n"
      "  /c:\n"
      "    get:\n");
  EXPECT_EQ(spec.operations, (RouteSet{{"GET", "/a/{id}"}, {"DELETE", "/a/{id}"}}));
  ASSERT_EQ(spec.problems.size(), 1u);
  EXPECT_NE(spec.problems.front().find("/b has no operation"), std::string::npos);
}

}  // namespace
}  // namespace ciamd
