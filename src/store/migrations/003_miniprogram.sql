-- 003_miniprogram: an application's WeChat mini program credentials and session lifetime.
-- Portable SQL, as 001_initial.sql explains.
--
-- One ADD COLUMN per statement: SQLite's ALTER TABLE takes no list. Every column has a default,
-- which SQLite requires for NOT NULL columns added to a table that may hold rows and which gives
-- the applications of an upgraded database "no mini program" and the default lifetime, the same
-- values a new application gets.
--
-- The mini program has columns of its own rather than reusing wechat_appid: it has its own appid
-- and secret even within one Open Platform account, and an application may offer both the mobile
-- app and the mini program.

ALTER TABLE applications ADD COLUMN miniprogram_appid TEXT NOT NULL DEFAULT '';
-- Sealer output, '' when not set. AAD: client_id + '/miniprogram', so that a value copied between
-- this column and wechat_secret_sealed (sealed with the bare client_id) does not open.
ALTER TABLE applications ADD COLUMN miniprogram_secret_sealed TEXT NOT NULL DEFAULT '';
-- Seconds; 432000 (5 days) as for the WeChat app, kDefaultWechatSessionTtl in core/model.hpp.
ALTER TABLE applications ADD COLUMN miniprogram_session_ttl BIGINT NOT NULL DEFAULT 432000;
