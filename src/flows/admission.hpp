// flows/admission: what every login and every flow completion does once the first factor is
// proven, written once so a new rule (the second factor) lands everywhere at the same time.
//
//   admit(): a disabled user -> USER.0039; an `assigned` application and a user not assigned to
//            it -> kDenied (a user this request creates is never assigned yet); else kAdmitted.
//            Reads assignments: call it on the blocking pool.
//   Decided / finish_decided(): the result a flow computes on the pool, and how it becomes a
//            LoginOutcome off the pool (the id_token is signed after the commit).
//
//   Result<Admission> a = admit(store, app, user, /*created_now=*/false);
//   ... co_return finish_decided(services, app, std::move(decided.value()));
#pragma once

#include <variant>

#include "core/model.hpp"
#include "core/result.hpp"
#include "flows/outcome.hpp"
#include "flows/services.hpp"
#include "flows/session_issuer.hpp"

namespace ciamd {

class Store;

enum class Admission { kAdmitted, kDenied };

Result<Admission> admit(Store& store, const Application& app, const User& user, bool created_now);

// A login whose session row is committed; only the signature is left to do.
struct CommittedSuccess {
  User user;
  IssuedSession issued;
};
using Decided = std::variant<CommittedSuccess, LoginStep, LoginDenied>;

LoginOutcome finish_decided(const FlowServices& services, const Application& app, Decided decided);

}  // namespace ciamd
