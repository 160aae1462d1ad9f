#include "flows/admin/checks.hpp"

#include <algorithm>

namespace ciamd {

ApiError invalid_argument(std::string what) {
  return ApiError{ErrorCode::kAdminInvalidArgument, std::move(what)};
}

std::size_t utf8_length(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool valid_record_id(std::string_view id, std::size_t min_size) {
  return id.size() >= min_size && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
         });
}

std::optional<ApiError> check_display_name(std::string_view name) {
  if (utf8_length(name) < 1 || utf8_length(name) > 128) {
    return invalid_argument("name must be 1 to 128 characters");
  }
  return std::nullopt;
}

}  // namespace ciamd
