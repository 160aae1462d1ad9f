#include "notify/format.hpp"

#include <array>
#include <cstdio>
#include <ctime>

namespace ciamd::notify {

namespace {

std::tm utc(UnixSeconds at) {
  const auto t = static_cast<std::time_t>(at);
  std::tm out{};
  gmtime_r(&t, &out);
  return out;
}

}  // namespace

std::string_view channel_name(Channel channel) {
  return channel == Channel::kEmail ? "email" : "sms";
}

std::string rfc3339_utc(UnixSeconds at) {
  const std::tm t = utc(at);
  // Sized for any int the fields could hold, so GCC can prove the output is never truncated.
  std::array<char, 96> out{};
  std::snprintf(out.data(), out.size(), "%04d-%02d-%02dT%02d:%02d:%02dZ", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec);
  return out.data();
}

std::string rfc5322_date(UnixSeconds at) {
  // Spelled out rather than strftime("%a %b"), whose names follow the process locale: a mail
  // header needs the English names whatever LC_TIME says.
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::tm t = utc(at);
  std::array<char, 128> out{};
  std::snprintf(out.data(), out.size(), "%s, %02d %s %04d %02d:%02d:%02d +0000",
                kDays.at(static_cast<std::size_t>(t.tm_wday)), t.tm_mday,
                kMonths.at(static_cast<std::size_t>(t.tm_mon)), t.tm_year + 1900, t.tm_hour,
                t.tm_min, t.tm_sec);
  return out.data();
}

}  // namespace ciamd::notify
