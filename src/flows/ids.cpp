#include "flows/ids.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>

#include "tokens/crypto.hpp"

namespace ciamd {

std::string new_user_id() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  std::string random = crypto::random_hex(7);  // 14 hex chars; 13 are used
  std::transform(random.begin(), random.end(), random.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}{:03}-{}-{}", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, ms % 1000,
                     random.substr(0, 4), random.substr(4, 9));
}

std::string new_username(std::string_view prefix) {
  std::string tail = crypto::random_alnum(10);
  std::transform(tail.begin(), tail.end(), tail.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::string(prefix) + "_" + tail;
}

std::string new_client_id() {
  return crypto::random_alnum(32);
}

const std::string& node_id() {
  static const std::string id = crypto::random_hex(8);
  return id;
}

}  // namespace ciamd
