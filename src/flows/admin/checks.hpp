// flows/admin/checks: the validation rules operator records share (applications, tenants, users),
// so an id or a name is valid by one rule wherever it is written.
//
//   if (!valid_record_id(id, 2)) return invalid_argument("tenant id must be ...");
//   if (auto e = check_display_name(name)) return *e;  // ADMIN invalid argument, 1 to 128 chars
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ciamd {

// An operator's mistake: the admin API's invalid-argument error, with `what` for the operator.
ApiError invalid_argument(std::string what);

// Characters, not bytes: a Chinese name of 128 characters is as valid as an English one.
std::size_t utf8_length(std::string_view s);

// [A-Za-z0-9_-], `min_size` to 64 characters: client ids (8), tenant ids (2).
bool valid_record_id(std::string_view id, std::size_t min_size);

// A display name of 1 to 128 characters.
std::optional<ApiError> check_display_name(std::string_view name);

}  // namespace ciamd
