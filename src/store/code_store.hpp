// store/code_store: verification codes and the accounting behind the send limits.
//
// Calls block (run them on the BlockingPool) and are safe from several threads; failures of the
// database throw StoreError. A code is stored after it was delivered, and only as a hash:
//
//   codes.insert_verification_code(code);  // revokes the older live codes of its target
//   codes.record_send("target:+8615907132852", "+8615907132852", now);
//   if (codes.count_other_targets("flow:" + flow_id, "+8615907132852", 0) >= 3) refuse();
//   auto live = codes.find_live_code(flow_id, "BIND_SMS", "+8615907132852", now);
//   if (live && !matches(*live, typed)) codes.record_failed_attempt(live->id, 5);
//
// The example above is compiled and run in tests/unit/contracts_test.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/model.hpp"

namespace ciamd {

// A verification code sent to a phone or mailbox for one flow. Only the code's hash is stored
// (HMAC-SHA256 under a key derived from the master key, so a leaked table cannot be brute-forced
// offline: a 6-digit code has only a million values).
struct VerificationCode {
  std::string id;
  std::string flow_id;  // the state token's flow record it belongs to
  std::string purpose;  // "REGISTER_SMS", "BIND_EMAIL_EMS", ...
  std::string target;   // E.164 phone or lower-case email
  std::string code_hash;
  int attempts = 0;  // failed verifications so far
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;
  bool used = false;
  bool revoked = false;  // by too many failed attempts, or by a newer code for the same target
};

class CodeStore {
 public:
  virtual ~CodeStore() = default;

  // Inserting a code revokes every earlier live code of the same (flow_id, purpose, target), so
  // only the newest one works.
  virtual void insert_verification_code(const VerificationCode& code) = 0;
  // The newest code of (flow_id, purpose, target) that is not used, not revoked and not expired.
  virtual std::optional<VerificationCode> find_live_code(std::string_view flow_id,
                                                         std::string_view purpose,
                                                         std::string_view target,
                                                         UnixSeconds now) = 0;
  // Counts one failed attempt atomically and revokes the code when attempts reach
  // `max_attempts`; returns the attempts after this one.
  virtual int record_failed_attempt(std::string_view code_id, int max_attempts) = 0;

  // One row per delivered message and key ("target:+86...", "peer:203.0.113.7", "flow:<id>",
  // "device:<fingerprint>", "app:<client_id>"), naming the message's target (E.164 phone or
  // email). count_sends counts the rows of a key at or after `since`; count_other_targets counts
  // the distinct targets of those rows other than `target`, so "may `target` be sent to within a
  // cap of N targets" is "count_other_targets(...) < N" whether `target` is new or not. Keys match
  // whole, never as prefixes.
  virtual void record_send(std::string_view key, std::string_view target, UnixSeconds at) = 0;
  virtual int count_sends(std::string_view key, UnixSeconds since) = 0;
  virtual int count_other_targets(std::string_view key, std::string_view target,
                                  UnixSeconds since) = 0;
};

}  // namespace ciamd
