// Email addresses as clients send them (flows/verification normalize_email). An accepted address
// is lower-case, has no spaces and normalizes to itself.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "flows/verification/verification.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ciamd;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto email = normalize_email(input);
  if (!email) return 0;
  const bool lower_no_space = std::none_of(email->begin(), email->end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || c == ' ' || c == '\t';
  });
  if (!lower_no_space || email->find('@') == std::string::npos ||
      normalize_email(*email) != email) {
    std::abort();
  }
  return 0;
}
