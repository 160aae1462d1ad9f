-- 006_admin: the admin API's credentials, and the audit trail's fields for admin calls. Portable
-- SQL, as 001_initial.sql explains.

-- Admin API tokens: only the SHA-256 of a token is kept; the token is shown once at creation.
-- Revoked tokens stay as a record of who could act (the audit trail names tokens by name).
CREATE TABLE admin_tokens (
  id         TEXT   NOT NULL PRIMARY KEY,
  name       TEXT   NOT NULL UNIQUE,
  token_hash TEXT   NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,  -- 0: never
  revoked_at BIGINT NOT NULL   -- 0: not revoked
);

-- Who made an admin call (the token's name) and what it was ("PATCH /admin/v1/users/…"); '' for
-- SDK calls, whose client_id and device fields say who they are.
ALTER TABLE audit_events ADD COLUMN actor TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN target TEXT NOT NULL DEFAULT '';
-- The admin API filters the trail by user and by application, newest rows being the most read.
CREATE INDEX audit_events_user_idx ON audit_events (user_id, id);
CREATE INDEX audit_events_client_idx ON audit_events (client_id, id);

-- Users can be deleted now (delete_user), which 001_initial.sql did not foresee when it left
-- foreign-key child columns unindexed. Deleting a user finds its rows in each child table, and
-- the foreign-key check on the users row looks again; without these indexes each is a scan of the
-- whole table while the write lock is held. identities, sessions and user_devices are covered
-- already (identities_user_idx, sessions_user_idx, the primary key).
CREATE INDEX unionid_owners_user_idx ON unionid_owners (user_id);
CREATE INDEX app_assignments_user_idx ON app_assignments (user_id);
CREATE INDEX flow_states_user_idx ON flow_states (user_id);
