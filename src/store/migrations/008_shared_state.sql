-- 008_shared_state: state the nodes of one deployment share through the database, so that several
-- ciamd processes on one database act as one. Portable SQL, as 001_initial.sql explains.

-- Leases: a named right held by one holder (a node, or one request of a node) until expires_at or
-- until it is released. "server-token/<appid>": the node fetching that mini program's server
-- token; "send/<target>": the request sending a verification code to that phone or mailbox. A
-- release deletes the row; a crashed holder's row expires and the next acquire of its name takes
-- it over.
CREATE TABLE leases (
  name       TEXT   NOT NULL PRIMARY KEY,
  holder     TEXT   NOT NULL,
  expires_at BIGINT NOT NULL
);

-- The current server access token of each mini program (cgi-bin/stable_token), fetched by one
-- node and used by all: WeChat is asked once per token lifetime, not once per node. The token is
-- sealed by the Sealer (AAD "server-token/" + appid), like the application secrets.
CREATE TABLE server_tokens (
  appid        TEXT   NOT NULL PRIMARY KEY,
  token_sealed TEXT   NOT NULL,
  fetched_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL
);
