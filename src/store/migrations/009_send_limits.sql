-- 009_send_limits: what the limits against SMS pumping need (docs/api.md "Verification codes").
-- Portable SQL, as 001_initial.sql explains.

-- The target (E.164 phone or lower-case email) of each counted send, so that a key can count the
-- distinct targets it sent to: a flow ("flow:<id>") and a device fingerprint ("device:<fp>") may
-- reach only a few different phones and mailboxes. Rows from before this migration name none ('');
-- they are at most a day old, purged soon, and only ever make a cap look one target fuller.
ALTER TABLE send_events ADD COLUMN target TEXT NOT NULL DEFAULT '';

-- The country calling codes an application sends SMS to, comma-separated ("86,852"); a number of
-- any other country is refused before anything is sent. Applications of an upgraded database get
-- mainland China only, the default of a new one.
ALTER TABLE applications ADD COLUMN allowed_country_codes TEXT NOT NULL DEFAULT '86';
-- How many codes (SMS and email) the application may send in any hour, across every node.
ALTER TABLE applications ADD COLUMN hourly_send_budget BIGINT NOT NULL DEFAULT 1000;
