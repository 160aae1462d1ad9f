// notify/format: the small text forms the senders share (internal to notify).
#pragma once

#include <string>
#include <string_view>

#include "core/model.hpp"
#include "notify/sender.hpp"

namespace ciamd::notify {

std::string_view channel_name(Channel channel);  // "sms" or "email"

// RFC 3339 in UTC with a "Z": "2024-05-01T08:00:00Z".
std::string rfc3339_utc(UnixSeconds at);

// The RFC 5322 date-time of a Date header, in UTC: "Wed, 01 May 2024 08:00:00 +0000".
std::string rfc5322_date(UnixSeconds at);

}  // namespace ciamd::notify
