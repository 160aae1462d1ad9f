-- 004_mfa_weibo: an application's Weibo app key and second factors, and the devices users have
-- logged in from. Portable SQL, as 001_initial.sql explains.
--
-- One ADD COLUMN per statement and a default for each, as in 003_miniprogram.sql: the applications
-- of an upgraded database get "no Weibo app" and both factors, the values a new application gets.

-- Weibo issues numeric app keys; a Weibo token is only accepted if it was issued to this key.
-- '' when the application does not offer Weibo.
ALTER TABLE applications ADD COLUMN weibo_app_key TEXT NOT NULL DEFAULT '';
-- CSV of the factors MFA_AUTH offers, in order: "SMS", "EMAIL" (MfaFactor in core/model.hpp).
ALTER TABLE applications ADD COLUMN mfa_factors TEXT NOT NULL DEFAULT 'SMS,EMAIL';

-- The devices (X-device-fingerprint) each user completed a login from, so that MFA policy
-- `new_device` asks for a second factor only the first time a device is seen. Written in the same
-- transaction as the login's session, so a login that rolls back remembers nothing. Keyed per user:
-- a fingerprint proves nothing about anyone else. Rows are only looked up by this key.
CREATE TABLE user_devices (
  user_id            TEXT   NOT NULL REFERENCES users (id),
  device_fingerprint TEXT   NOT NULL,
  first_seen_at      BIGINT NOT NULL,
  last_seen_at       BIGINT NOT NULL,
  PRIMARY KEY (user_id, device_fingerprint)
);
