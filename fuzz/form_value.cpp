// application/x-www-form-urlencoded values (net/http form_value): query strings of every request
// and form bodies, percent-decoded with '+' as space. The first input byte splits the key from the
// form.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/http.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ciamd;
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t key_size = std::min<std::size_t>(data[0] % 16, rest.size());
  (void)form_value(rest.substr(key_size), rest.substr(0, key_size));
  (void)form_value(rest, "client_id");
  return 0;
}
