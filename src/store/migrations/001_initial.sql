-- 001_initial: the first schema of ciamd.
--
-- Portable SQL: SQLite and PostgreSQL run this same file (see migrations.hpp). Booleans are
-- INTEGER 0/1, times are Unix seconds in BIGINT, optional strings are NULL rather than '' only
-- where a UNIQUE index must ignore them. The one SQLite-only phrase is the audit_events key; the
-- PostgreSQL backend rewrites "INTEGER PRIMARY KEY AUTOINCREMENT" to
-- "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY" before running this file.
--
-- Indexes serve the lookups Store makes. Foreign-key child columns carry no index of their own:
-- parent rows (users, applications) are never deleted nor re-keyed, so nothing would use one.

CREATE TABLE applications (
  client_id            TEXT    NOT NULL PRIMARY KEY,
  name                 TEXT    NOT NULL,
  enabled              INTEGER NOT NULL,
  unbound_policy       TEXT    NOT NULL,  -- "register", "bind", "auto_create", "reject"
  bind_methods         TEXT    NOT NULL,  -- CSV: "VERIFY_PHONE,VERIFY_EMAIL"
  access_policy        TEXT    NOT NULL,  -- "all", "assigned"
  mfa_policy           TEXT    NOT NULL,  -- "off", "always", "new_device"
  wechat_appid         TEXT    NOT NULL,
  wechat_secret_sealed TEXT    NOT NULL,  -- Sealer output (AAD: client_id), '' when not set
  wechat_session_ttl   BIGINT  NOT NULL,
  weibo_session_ttl    BIGINT  NOT NULL,
  id_token_ttl         BIGINT  NOT NULL,
  created_at           BIGINT  NOT NULL,
  updated_at           BIGINT  NOT NULL
);

CREATE TABLE users (
  id         TEXT   NOT NULL PRIMARY KEY,
  username   TEXT   NOT NULL UNIQUE,
  name       TEXT   NOT NULL,
  mobile     TEXT,  -- E.164; NULL when the user has none
  email      TEXT,  -- lower case; NULL when the user has none
  status     TEXT   NOT NULL,  -- "active", "disabled"
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_mobile_key ON users (mobile) WHERE mobile IS NOT NULL;
CREATE UNIQUE INDEX users_email_key ON users (email) WHERE email IS NOT NULL;
CREATE INDEX users_created_idx ON users (created_at, id);  -- list_users

-- A social identity, keyed on (provider, provider_app_id, subject).
--
-- unionid: WeChat gives one person one unionid across every app of an Open Platform account, but a
-- different openid per app. So one user legitimately holds two identities with the same unionid
-- (the mobile app and the mini program), and UNIQUE(provider, unionid) would be wrong. Within one
-- provider app, though, openid and unionid are one-to-one: that is the UNIQUE index below.
-- "One unionid belongs to one user" spans rows, which no index on this table can say; the
-- unionid_owners table says it (see there). find_identity_by_unionid returns any identity of the
-- unionid (they all belong to the same user) through identities_unionid_idx.
CREATE TABLE identities (
  provider        TEXT   NOT NULL,  -- "wechat", "weibo"
  provider_app_id TEXT   NOT NULL,  -- the WeChat appid; the Weibo app key
  subject         TEXT   NOT NULL,  -- openid, Weibo uid
  unionid         TEXT,             -- NULL when the provider gave none
  user_id         TEXT   NOT NULL REFERENCES users (id),
  profile_json    TEXT   NOT NULL,  -- stored byte for byte as the provider connector gave it
  created_at      BIGINT NOT NULL,
  PRIMARY KEY (provider, provider_app_id, subject)
);
CREATE UNIQUE INDEX identities_app_unionid_key ON identities (provider, provider_app_id, unionid)
  WHERE unionid IS NOT NULL;
CREATE INDEX identities_unionid_idx ON identities (provider, unionid) WHERE unionid IS NOT NULL;
CREATE INDEX identities_user_idx ON identities (user_id);

-- The user a unionid belongs to: claimed by the transaction that first links an identity with that
-- unionid. Its primary key makes two concurrent logins of one person (app and mini program, two
-- nodes) unable to create two users, in SQLite and in PostgreSQL alike, without relying on the
-- isolation level.
CREATE TABLE unionid_owners (
  provider   TEXT   NOT NULL,
  unionid    TEXT   NOT NULL,
  user_id    TEXT   NOT NULL REFERENCES users (id),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (provider, unionid)
);

CREATE TABLE app_assignments (
  client_id TEXT NOT NULL REFERENCES applications (client_id),
  user_id   TEXT NOT NULL REFERENCES users (id),
  PRIMARY KEY (client_id, user_id)
);

CREATE TABLE sessions (
  id                 TEXT    NOT NULL PRIMARY KEY,
  token_hash         TEXT    NOT NULL UNIQUE,  -- SHA-256 of the token; the token is never stored
  user_id            TEXT    NOT NULL REFERENCES users (id),
  client_id          TEXT    NOT NULL REFERENCES applications (client_id),
  provider           TEXT    NOT NULL,
  device_fingerprint TEXT    NOT NULL,
  created_at         BIGINT  NOT NULL,
  expires_at         BIGINT  NOT NULL,
  revoked            INTEGER NOT NULL
);

-- The server-side record behind a state token (id = the token's jti).
CREATE TABLE flow_states (
  id                    TEXT    NOT NULL PRIMARY KEY,
  kind                  TEXT    NOT NULL,  -- "social_register", "social_bind", "mfa"
  client_id             TEXT    NOT NULL REFERENCES applications (client_id),
  provider              TEXT    NOT NULL,
  pending_identity_json TEXT    NOT NULL,  -- the pending Identity as a JSON object
  user_id               TEXT    REFERENCES users (id),  -- MFA flows; NULL otherwise
  device_fingerprint    TEXT    NOT NULL,
  created_at            BIGINT  NOT NULL,
  expires_at            BIGINT  NOT NULL,
  consumed              INTEGER NOT NULL
);

CREATE TABLE signing_keys (
  kid                TEXT   NOT NULL PRIMARY KEY,
  algorithm          TEXT   NOT NULL,  -- "RS256", "ES256"
  sealed_private_key TEXT   NOT NULL,  -- Sealer output (AAD: kid)
  state              TEXT   NOT NULL,  -- "active", "retired"
  created_at         BIGINT NOT NULL,
  retired_at         BIGINT            -- NULL while active
);

-- Append only; deliberately without foreign keys, so that a failed login naming an unknown client
-- or user is still recorded.
CREATE TABLE audit_events (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  at                 BIGINT NOT NULL,
  request_id         TEXT   NOT NULL,
  event              TEXT   NOT NULL,
  client_id          TEXT   NOT NULL,
  provider           TEXT   NOT NULL,
  user_id            TEXT   NOT NULL,
  outcome            TEXT   NOT NULL,
  device_fingerprint TEXT   NOT NULL,
  peer_address       TEXT   NOT NULL,
  client_reported_ip TEXT   NOT NULL  -- X-device-ip: recorded, never trusted
);
