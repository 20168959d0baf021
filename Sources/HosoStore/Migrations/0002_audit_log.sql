-- The audit trail: append-only and hash-chained per tenant. Each entry carries the hash of the
-- one before it, so an edit or a deletion made behind the application's back breaks the chain
-- where it happened (`hoso audit verify` names the first broken entry). The application role may
-- read and append, never update or delete.

CREATE TABLE audit_log (
    tenant_id     bigint NOT NULL REFERENCES tenants (id),
    seq           bigint NOT NULL,
    at_us         bigint NOT NULL,          -- microseconds since the epoch, UTC, as hashed
    actor_user_id bigint,
    actor_login   text,
    action        text NOT NULL,
    unit_id       bigint,
    subject       text,
    details       text NOT NULL,            -- canonical JSON (sorted keys), as hashed
    previous_hash bytea NOT NULL,
    hash          bytea NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_log_unit_idx ON audit_log (tenant_id, unit_id, seq);

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_log
    USING (tenant_id = hoso_current_tenant()) WITH CHECK (tenant_id = hoso_current_tenant());

REVOKE ALL ON audit_log FROM hoso_app;
GRANT SELECT, INSERT ON audit_log TO hoso_app;
