-- 005_sessions_keys: session refresh (sliding or fixed lifetime, token rotation with reuse
-- detection), per-application id_token algorithm, signing-key rotation, and the indexes the purge
-- of expired rows reads. Portable SQL, as 001_initial.sql explains.
--
-- One ADD COLUMN per statement and a default for each: the applications of an upgraded database
-- keep what they did (fixed lifetime, no rotation, RS256).

ALTER TABLE applications ADD COLUMN id_token_alg TEXT NOT NULL DEFAULT 'RS256';
ALTER TABLE applications ADD COLUMN session_lifetime TEXT NOT NULL DEFAULT 'fixed';
ALTER TABLE applications ADD COLUMN session_max_lifetime BIGINT NOT NULL DEFAULT 2592000;
ALTER TABLE applications ADD COLUMN rotate_session_token INTEGER NOT NULL DEFAULT 0;

ALTER TABLE sessions ADD COLUMN last_refreshed_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX sessions_user_idx ON sessions (user_id);        -- list, revoke on disable
-- purge. With id, so that the purge's batch (ORDER BY expires_at, id LIMIT n) is read off the
-- index in order instead of sorting every expired row on each pass.
CREATE INDEX sessions_expiry_idx ON sessions (expires_at, id);

-- The tokens a rotating refresh replaced. Presenting one again means two parties hold the
-- session's tokens, so the session is revoked. Only hashes, like sessions.token_hash. Rows go
-- with their session when the purge deletes it.
CREATE TABLE retired_session_tokens (
  token_hash TEXT   NOT NULL PRIMARY KEY,
  session_id TEXT   NOT NULL REFERENCES sessions (id),
  retired_at BIGINT NOT NULL
);
CREATE INDEX retired_session_tokens_session_idx ON retired_session_tokens (session_id);

CREATE INDEX flow_states_expiry_idx ON flow_states (expires_at, id);    -- purge, as sessions
CREATE INDEX verification_codes_flow_idx ON verification_codes (flow_id);  -- purge with the flow
CREATE INDEX send_events_time_idx ON send_events (sent_at);             -- purge

-- A rotated-in key is published before it signs (activates_at), and a retired one until every
-- id_token it signed has expired (publish_until). Existing keys: active since forever.
ALTER TABLE signing_keys ADD COLUMN activates_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE signing_keys ADD COLUMN publish_until BIGINT NOT NULL DEFAULT 0;
