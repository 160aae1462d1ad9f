-- 007_tenants: tenants, and the tenant of each application. Portable SQL, as 001_initial.sql
-- explains.

CREATE TABLE tenants (
  id         TEXT   NOT NULL PRIMARY KEY,
  name       TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
-- Every application of an upgraded database belongs to this one.
INSERT INTO tenants (id, name, created_at, updated_at) VALUES ('default', 'Default', 0, 0);

-- No REFERENCES clause: SQLite refuses a foreign key on an added column with a non-NULL default.
-- flows/admin checks that the tenant exists before it writes an application.
ALTER TABLE applications ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
CREATE INDEX applications_tenant_idx ON applications (tenant_id);
