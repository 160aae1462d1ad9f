// Phone numbers as clients and WeChat send them (core/phone): normalize_phone on any text, then
// render_mobile and mask_mobile on what it accepted (the stored form), and phone_from_parts on a
// countryCode and purePhoneNumber pair (getuserphonenumber). A normalized number is E.164 and
// normalizes to itself; the input's first '|' splits the pair.
#include "core/phone.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

bool is_e164(std::string_view s) {
  return s.size() >= 2 && s.front() == '+' &&
         std::all_of(s.begin() + 1, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void check_stored(const std::string& e164) {
  using namespace ciamd;
  if (!is_e164(e164) || normalize_phone(e164) != e164) std::abort();
  (void)render_mobile(e164);
  (void)mask_mobile(e164);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ciamd;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (const auto e164 = normalize_phone(input)) check_stored(*e164);
  // Rendering and masking also meet whatever an older row or an operator's CLI argument holds.
  (void)render_mobile(input);
  (void)mask_mobile(input);
  const auto bar = input.find('|');
  if (bar != std::string_view::npos) {
    if (const auto e164 = phone_from_parts(input.substr(0, bar), input.substr(bar + 1))) {
      check_stored(*e164);
    }
  }
  return 0;
}
