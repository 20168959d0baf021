-- Foundation: tenants, the unit tree, users and their scoped grants, sessions, sign-in throttling.
-- Run by the owner role. The application connects as hoso_app (or a member of it), which owns
-- nothing, so row-level security on tenant_id applies to it and backs up the code's own scoping.

CREATE EXTENSION IF NOT EXISTS ltree;

-- The tenant the current transaction works for; NULL (no rows visible) when unset.
CREATE FUNCTION hoso_current_tenant() RETURNS bigint
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('hoso.tenant_id', true), '')::bigint $$;

-- The registry of tenants: read before any tenant is known (sign-in lists them), so no RLS.
CREATE TABLE tenants (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    name_vi     text NOT NULL,
    name_en     text NOT NULL,
    hosts       text[] NOT NULL DEFAULT '{}',
    levels      jsonb NOT NULL,
    directory   jsonb NOT NULL,
    group_rules jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The hierarchy. path holds the ids from the root down to the unit, so "everything under U" is
-- the one indexed predicate path <@ U.path.
CREATE TABLE units (
    tenant_id     bigint NOT NULL REFERENCES tenants (id),
    id            bigserial PRIMARY KEY,
    code          text NOT NULL,
    parent_id     bigint REFERENCES units (id),
    path          ltree NOT NULL,
    kind          text NOT NULL,
    name_vi       text NOT NULL,
    name_en       text NOT NULL,
    school_levels text[] NOT NULL DEFAULT '{}',
    opens_on      date,
    closes_on     date,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, code),
    CHECK (closes_on IS NULL OR opens_on IS NULL OR closes_on >= opens_on)
);
CREATE INDEX units_path_idx ON units USING gist (path);
CREATE INDEX units_parent_idx ON units (tenant_id, parent_id);

-- Where a unit hung and when: a move keeps the unit (and everything that refers to it) and
-- records the old parent here.
CREATE TABLE unit_parent_history (
    tenant_id  bigint NOT NULL REFERENCES tenants (id),
    unit_id    bigint NOT NULL REFERENCES units (id),
    parent_id  bigint REFERENCES units (id),
    valid_from timestamptz NOT NULL,
    valid_to   timestamptz
);
CREATE INDEX unit_parent_history_unit_idx ON unit_parent_history (tenant_id, unit_id, valid_from);

CREATE TABLE users (
    tenant_id        bigint NOT NULL REFERENCES tenants (id),
    id               bigserial PRIMARY KEY,
    login            text NOT NULL,
    source           text NOT NULL CHECK (source IN ('directory', 'local')),
    directory_dn     text,
    display_name     text NOT NULL,
    email            text,
    -- bcrypt, for local (directory-independent) tenant administrators only.
    password_hash    text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_sign_in_at  timestamptz,
    UNIQUE (tenant_id, login),
    CHECK ((source = 'local') = (password_hash IS NOT NULL))
);

-- Re-read from the directory at each sign-in.
CREATE TABLE user_grants (
    tenant_id    bigint NOT NULL REFERENCES tenants (id),
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         text NOT NULL,
    unit_id      bigint NOT NULL REFERENCES units (id),
    source_group text NOT NULL,
    granted_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, role, unit_id)
);
CREATE INDEX user_grants_unit_idx ON user_grants (tenant_id, unit_id);

-- Server-side sessions. Looked up by the hash of a 256-bit random token before the tenant is
-- known (the session is what names the tenant), so this table has no RLS; the token itself is
-- never stored.
CREATE TABLE sessions (
    token_hash     bytea PRIMARY KEY,
    tenant_id      bigint NOT NULL REFERENCES tenants (id),
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token     text NOT NULL,
    client_address text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    ended_at       timestamptz
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Sign-in attempts not (yet) known to have succeeded. A row is written before the directory is
-- asked, so parallel attempts count at once; success deletes that login's rows, an outage of the
-- directory deletes its own row (not the person's fault).
CREATE TABLE sign_in_attempts (
    id             bigserial PRIMARY KEY,
    tenant_id      bigint NOT NULL REFERENCES tenants (id),
    login          text NOT NULL,
    client_address text NOT NULL,
    attempted_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_attempts_login_idx ON sign_in_attempts (tenant_id, login, attempted_at);
CREATE INDEX sign_in_attempts_address_idx ON sign_in_attempts (tenant_id, client_address, attempted_at);

-- Row-level security on every tenant-owned table.
ALTER TABLE units ENABLE ROW LEVEL SECURITY;
ALTER TABLE unit_parent_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE sign_in_attempts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON units
    USING (tenant_id = hoso_current_tenant()) WITH CHECK (tenant_id = hoso_current_tenant());
CREATE POLICY tenant_isolation ON unit_parent_history
    USING (tenant_id = hoso_current_tenant()) WITH CHECK (tenant_id = hoso_current_tenant());
CREATE POLICY tenant_isolation ON users
    USING (tenant_id = hoso_current_tenant()) WITH CHECK (tenant_id = hoso_current_tenant());
CREATE POLICY tenant_isolation ON user_grants
    USING (tenant_id = hoso_current_tenant()) WITH CHECK (tenant_id = hoso_current_tenant());
CREATE POLICY tenant_isolation ON sign_in_attempts
    USING (tenant_id = hoso_current_tenant()) WITH CHECK (tenant_id = hoso_current_tenant());

-- What the application may do. Units are closed, never deleted; nothing here grants DELETE on them.
GRANT SELECT, INSERT, UPDATE ON tenants, units, unit_parent_history, users TO hoso_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON user_grants, sessions, sign_in_attempts TO hoso_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO hoso_app;
GRANT EXECUTE ON FUNCTION hoso_current_tenant() TO hoso_app;
