// core/phone: phone numbers. Stored as E.164 ("+8615907132852"); shown as "+86-15907132852".
//
//   normalize_phone("159 0713 2852")      -> "+8615907132852"   (a bare 11-digit 1xx: China)
//   normalize_phone("+86-15907132852")    -> "+8615907132852"
//   normalize_phone("0086 15907132852")   -> "+8615907132852"
//   normalize_phone("+86 (0)15907132852") -> "+8615907132852"   (the trunk prefix 0 dropped)
//   render_mobile("+8615907132852")       -> "+86-15907132852"
//   mask_mobile("+8615907132852")         -> "+86-159****2852"
//   mask_mobile("+376312345")             -> "+376-3***45"
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ciamd {

// nullopt when the input is not a plausible phone number (8 to 15 digits with a country code).
// Spaces, dashes, dots and parentheses are ignored. One trunk prefix "0" right after the country
// code is dropped (E.164 numbers never hold it), except where the national number itself begins
// with 0 (Italy and a few others); a second 0 there is refused. A +86 mobile number (13x to 19x)
// must have 11 digits after the 86.
std::optional<std::string> normalize_phone(std::string_view input);

// Splits an E.164 number at its country calling code (ITU: 1, 7, the assigned two-digit codes,
// else three digits) and joins the parts with '-'. Returns the input unchanged if it is not E.164.
std::string render_mobile(std::string_view e164);

// As render_mobile, with the middle of the national number hidden: at least half its digits, in
// one run, the first and last digit kept. A +86 mobile keeps the familiar "159****2852" (4 of 11).
std::string mask_mobile(std::string_view e164);

// The country calling code of an E.164 number, split off as render_mobile does: "86" for
// "+8615907132852", "1" for "+14155550123", "852" for "+85291234567"; "" when it is not E.164.
std::string country_calling_code(std::string_view e164);

// Whether `code` is a country calling code as country_calling_code() splits them off: "1", "7",
// an assigned two-digit code, or three digits of zone 2-9 that do not start with an assigned
// two-digit code ("852"). No sign, no leading zero.
bool is_country_calling_code(std::string_view code);

// "+8615907132852" from WeChat's purePhoneNumber "15907132852" and countryCode "86".
std::optional<std::string> phone_from_parts(std::string_view country_code,
                                            std::string_view national_number);

}  // namespace ciamd
