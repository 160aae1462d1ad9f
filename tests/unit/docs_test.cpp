// The documentation is part of the product: these tests fail when a new error code or
// configuration key is added without being documented.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "app/config.hpp"
#include "core/error.hpp"

namespace ciamd {
namespace {

std::string read_doc(const std::string& name) {
  std::ifstream in(std::string(CIAMD_SOURCE_DIR) + "/docs/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Docs, ErrorsMdListsEveryCodeWithBothMessagesAndStatus) {
  const std::string doc = read_doc("errors.md");
  ASSERT_FALSE(doc.empty());
  for (ErrorCode c : all_error_codes()) {
    const ErrorInfo& e = error_info(c);
    const std::string row = "| " + std::to_string(e.http_status) + " | " + std::string(e.code) +
                            " | " + std::string(e.english) + " | " + std::string(e.chinese) + " |";
    EXPECT_NE(doc.find(row), std::string::npos) << "docs/errors.md lacks the row: " << row;
  }
}

TEST(Docs, ConfigurationMdDocumentsEveryKeyInItsSection) {
  const std::string doc = read_doc("configuration.md");
  ASSERT_FALSE(doc.empty());
  for (const ConfigKey& key : config_keys()) {
    const std::string heading = "## `[" + std::string(key.section) + "]`";
    const auto section = doc.find(heading);
    ASSERT_NE(section, std::string::npos) << "no section " << heading;
    const auto next = doc.find("\n## ", section + heading.size());
    const auto row = doc.find("| `" + std::string(key.key) + "` |", section);
    EXPECT_TRUE(row != std::string::npos && row < next)
        << "docs/configuration.md does not document [" << key.section << "] " << key.key;
  }
}

TEST(Config, EnvironmentNamesFollowTheDocumentedRule) {
  EXPECT_EQ(env_name({"server", "listen"}), "CIAMD_SERVER_LISTEN");
  EXPECT_EQ(env_name({"database", "url"}), "CIAMD_DATABASE_URL");
  EXPECT_EQ(env_name({"upstream", "wechat_base_url"}), "CIAMD_UPSTREAM_WECHAT_BASE_URL");
}

TEST(Config, ListenAddresses) {
  EXPECT_EQ(parse_listen("127.0.0.1:8080").port, 8080);
  EXPECT_EQ(parse_listen("[::1]:0").host, "::1");
  EXPECT_THROW(parse_listen("localhost"), ConfigError);
  EXPECT_THROW(parse_listen("127.0.0.1:99999"), ConfigError);
}

}  // namespace
}  // namespace ciamd
