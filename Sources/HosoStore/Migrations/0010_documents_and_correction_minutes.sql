-- Several documents per version (seed 002: one file per lesson) and correction minutes as a
-- document (seed 001, Điều 10.3: minutes witnessed by the unit's leader, the system administrator
-- and the requester). Everything here is history: the application inserts and reads, never
-- updates or deletes.

-- The documents of a version, in order. Position 1 is the document the version's own columns name
-- (so code and data from before keep working); the others follow it. Each names a stored blob.
CREATE TABLE record_documents (
    tenant_id  bigint NOT NULL REFERENCES tenants (id),
    version_id bigint NOT NULL REFERENCES record_versions (id),
    position   int NOT NULL CHECK (position BETWEEN 1 AND 100),
    sha256     text NOT NULL,
    size       bigint NOT NULL CHECK (size > 0),
    media_type text NOT NULL,
    format     text NOT NULL,
    filename   text NOT NULL,
    PRIMARY KEY (version_id, position),
    FOREIGN KEY (tenant_id, sha256) REFERENCES blobs (tenant_id, sha256)
);
CREATE INDEX record_documents_tenant_idx ON record_documents (tenant_id, version_id);

-- Every version made before this migration holds one document: its own.
INSERT INTO record_documents (tenant_id, version_id, position, sha256, size, media_type, format, filename)
SELECT tenant_id, id, 1, sha256, size, media_type, format, filename FROM record_versions;

-- The witnesses a consent names: accounts, each in one or more capacities.
CREATE TABLE correction_witnesses (
    tenant_id     bigint NOT NULL REFERENCES tenants (id),
    correction_id bigint NOT NULL REFERENCES corrections (id),
    user_id       bigint NOT NULL REFERENCES users (id),
    capacities    text[] NOT NULL CHECK (capacities <@ ARRAY['leader', 'administrator', 'requester']::text[]
                                         AND cardinality(capacities) > 0),
    named_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (correction_id, user_id)
);

-- Each witness's confirmation of the minutes, once.
CREATE TABLE correction_confirmations (
    tenant_id     bigint NOT NULL REFERENCES tenants (id),
    correction_id bigint NOT NULL,
    user_id       bigint NOT NULL,
    confirmed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (correction_id, user_id),
    FOREIGN KEY (correction_id, user_id) REFERENCES correction_witnesses (correction_id, user_id)
);

-- The minutes as issued: the PDF (a blob, by hash) and its manifest (signed by the principal when
-- the key store holds their key).
CREATE TABLE correction_minutes (
    tenant_id             bigint NOT NULL REFERENCES tenants (id),
    correction_id         bigint PRIMARY KEY REFERENCES corrections (id),
    number                text NOT NULL,
    sha256                text NOT NULL,
    size                  bigint NOT NULL,
    superseded_version_id bigint REFERENCES record_versions (id),
    new_version_id        bigint NOT NULL REFERENCES record_versions (id),
    manifest_xml          text NOT NULL,
    signed                boolean NOT NULL,
    issued_by             bigint NOT NULL REFERENCES users (id),
    issued_at             timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, sha256) REFERENCES blobs (tenant_id, sha256)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['record_documents', 'correction_witnesses', 'correction_confirmations', 'correction_minutes']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = hoso_current_tenant()) '
                       'WITH CHECK (tenant_id = hoso_current_tenant())', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT ON record_documents, correction_witnesses, correction_confirmations, correction_minutes TO hoso_app;
