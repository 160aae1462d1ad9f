// flows/retry: deciding again after losing a race on a unique key.
//
// A login decision reads, decides and commits in one transaction. Two first logins of one person
// may both read "nobody yet" and both try to create: the database lets one commit and refuses the
// other (a unique key). The loser reads again and now finds the winner's row, so its next attempt
// decides differently (links to that user, or logs them in). An attempt says which happened:
//
//   Result<Decided> decided = decide_with_retries<Decided>(
//       2, "phone login lost the user race twice", [&]() -> Attempt<Decided> {
//         if (logins.commit_login(commit) == CommitResult::kUserConflict) return LostRace{};
//         return Result<Decided>{...};  // decided: an outcome or an error
//       });
//
// The bound is not a tuning knob: one lost race is what real traffic produces, and a second loss
// in a row means something else is wrong, which COM.0002 reports.
//
// The example above is compiled and run in tests/unit/contracts_test.cpp.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "core/error.hpp"
#include "core/result.hpp"

namespace ciamd {

// A concurrent request changed what this attempt read; its decision no longer holds.
struct LostRace {};

template <class T>
using Attempt = std::variant<Result<T>, LostRace>;

// Runs `attempt` until it decides, at most `attempts` times; then IDAAS.SDK.COM.0002 with
// `exhausted` as the log detail.
template <class T, class F>
Result<T> decide_with_retries(int attempts, std::string_view exhausted, F&& attempt) {
  for (int i = 0; i < attempts; ++i) {
    Attempt<T> once = attempt();
    if (auto* decided = std::get_if<Result<T>>(&once)) return std::move(*decided);
  }
  return ApiError{ErrorCode::kSystemBusy, std::string(exhausted)};
}

}  // namespace ciamd
