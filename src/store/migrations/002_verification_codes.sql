-- 002_verification_codes: one-time codes sent by SMS or email, and the send log behind the rate
-- limits. Portable SQL, as 001_initial.sql explains.

-- A code sent for one flow (bind, register, MFA). Only its hash is stored (see VerificationCode in
-- store.hpp). Rows are never deleted by ciamd: used, revoked and expired codes stay as a record.
CREATE TABLE verification_codes (
  id         TEXT    NOT NULL PRIMARY KEY,
  flow_id    TEXT    NOT NULL REFERENCES flow_states (id),
  purpose    TEXT    NOT NULL,  -- "REGISTER_SMS", "BIND_EMAIL_EMS", ...
  target     TEXT    NOT NULL,  -- E.164 phone or lower-case email
  code_hash  TEXT    NOT NULL,
  attempts   INTEGER NOT NULL,  -- failed verifications so far
  created_at BIGINT  NOT NULL,
  expires_at BIGINT  NOT NULL,
  used       INTEGER NOT NULL,
  revoked    INTEGER NOT NULL   -- too many failed attempts, or replaced by a newer code
);
-- At most one code per (flow, purpose, target) is neither used nor revoked: inserting a code
-- revokes the earlier one first, and this index makes that a property of the database rather than
-- of the caller's discipline (a second live code would be a second chance to guess). It is also
-- the index find_live_code reads. Codes are found by id (consume, failed attempts) through the
-- primary key; flow_states rows are never deleted, so flow_id needs no index of its own.
CREATE UNIQUE INDEX verification_codes_live_key ON verification_codes (flow_id, purpose, target)
  WHERE used = 0 AND revoked = 0;

-- One row per delivered message and rate-limit key ("target:+86...", "peer:203.0.113.7"): a
-- message counts against several keys. No primary key: rows are only counted by key and time,
-- and two sends in the same second are two rows. "send_key" rather than "key", a keyword in SQL.
CREATE TABLE send_events (
  send_key TEXT   NOT NULL,
  sent_at  BIGINT NOT NULL
);
CREATE INDEX send_events_key_idx ON send_events (send_key, sent_at);  -- count_sends
