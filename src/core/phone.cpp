#include "core/phone.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace ciamd {
namespace {

// Every assigned two-digit country calling code; the rest of zone 2-9 uses three digits.
constexpr std::array<std::string_view, 45> kTwoDigitCodes{
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
    "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
    "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98", "99"};

std::size_t country_code_length(std::string_view digits) {
  if (digits.empty()) return 0;
  if (digits[0] == '1' || digits[0] == '7') return 1;
  if (digits.size() >= 2 && std::find(kTwoDigitCodes.begin(), kTwoDigitCodes.end(),
                                      digits.substr(0, 2)) != kTwoDigitCodes.end()) {
    return 2;
  }
  return 3;
}

// Country codes whose national significant numbers themselves begin with 0, so a 0 after the code
// is no trunk prefix there: Italy and the Vatican (+39 06 is Rome), San Marino, Cote d'Ivoire,
// Gabon and the Republic of the Congo. Everywhere else the "0" dialled before a national number is
// a trunk prefix, which ITU-T E.164 never includes.
constexpr std::array<std::string_view, 6> kLeadingZeroCodes{"39",  "225", "241",
                                                            "242", "378", "379"};

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_e164(std::string_view s) {
  return s.size() >= 9 && s.size() <= 16 && s[0] == '+' && all_digits(s.substr(1));
}

}  // namespace

std::optional<std::string> normalize_phone(std::string_view input) {
  std::string digits;
  bool plus = false;
  for (char c : input) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c == '+' && digits.empty() && !plus) {
      plus = true;
    } else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') {
      continue;
    } else {
      return std::nullopt;
    }
  }
  if (!plus && digits.starts_with("00")) {
    digits.erase(0, 2);
    plus = true;
  }
  if (!plus) {
    // A bare mainland China mobile number: 11 digits starting with 1.
    if (digits.size() == 11 && digits[0] == '1') {
      digits.insert(0, "86");
    } else if (!(digits.size() == 13 && digits.starts_with("861"))) {
      return std::nullopt;
    }
  }
  if (digits.empty() || digits[0] == '0') return std::nullopt;
  // "+86 (0)159..." and "+86 0159..." write the trunk prefix out; dropped, they are one number with
  // "+86 159...", so one target for send limits and one owner. A second 0 is no trunk prefix in
  // any plan, so guessing what it meant could only merge numbers the user did not write: refused.
  const std::size_t cc = country_code_length(digits);
  if (digits.size() > cc && digits[cc] == '0' &&
      std::find(kLeadingZeroCodes.begin(), kLeadingZeroCodes.end(), digits.substr(0, cc)) ==
          kLeadingZeroCodes.end()) {
    digits.erase(cc, 1);
    if (digits.size() > cc && digits[cc] == '0') return std::nullopt;
  }
  if (digits.size() < 8 || digits.size() > 15) return std::nullopt;
  if (digits.starts_with("86")) {
    // Mainland China: 13 digits must be a mobile number (1xx), and a mobile number (13x to 19x;
    // 10 is Beijing's area code) has exactly 11 digits after the 86.
    if (digits.size() == 13 && digits[2] != '1') return std::nullopt;
    if (digits[2] == '1' && digits[3] >= '3' && digits.size() != 13) return std::nullopt;
  }
  return "+" + digits;
}

std::string render_mobile(std::string_view e164) {
  if (!is_e164(e164)) return std::string(e164);
  const std::string_view digits = e164.substr(1);
  const std::size_t cc = country_code_length(digits);
  std::string out = "+";
  out.append(digits.substr(0, cc));
  out.push_back('-');
  out.append(digits.substr(cc));
  return out;
}

std::string country_calling_code(std::string_view e164) {
  if (!is_e164(e164)) return "";
  const std::string_view digits = e164.substr(1);
  return std::string(digits.substr(0, country_code_length(digits)));
}

bool is_country_calling_code(std::string_view code) {
  return code.size() <= 3 && all_digits(code) && code[0] != '0' &&
         country_code_length(code) == code.size();
}

std::string mask_mobile(std::string_view e164) {
  std::string rendered = render_mobile(e164);
  const auto dash = rendered.find('-');
  if (dash == std::string::npos) return rendered;
  const std::size_t national = rendered.size() - dash - 1;
  std::size_t head = 0;
  std::size_t hidden = 0;
  if (rendered.starts_with("+86-1") && national == 11) {
    // A mainland mobile: the form Chinese users and the vendor's pages show, "159****2852".
    head = 3;
    hidden = 4;
  } else {
    // Any other length: at least half the digits hidden, so a short number is no more readable
    // than a long one; what stays splits between both ends (the end one longer), so the user
    // can still recognise the number. E.164 guarantees national >= 5 here, so both ends keep one.
    hidden = (national + 1) / 2;
    head = (national - hidden) / 2;
  }
  for (std::size_t i = 0; i < hidden; ++i) rendered[dash + 1 + head + i] = '*';
  return rendered;
}

std::optional<std::string> phone_from_parts(std::string_view country_code,
                                            std::string_view national_number) {
  while (!country_code.empty() && country_code.front() == '+') country_code.remove_prefix(1);
  if (!all_digits(country_code) || !all_digits(national_number)) return std::nullopt;
  std::string e164;
  e164.reserve(1 + country_code.size() + national_number.size());
  e164.push_back('+');
  e164.append(country_code);
  e164.append(national_number);
  return normalize_phone(e164);
}

}  // namespace ciamd
