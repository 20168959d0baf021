-- Issue 14 (parts 5 and 9): the duties people hold in a school besides teaching, from the people
-- import (the Pioneer leader keeps the Pioneer book, nobody else), and the XML schemas a tenant
-- supplies to check structured uploads (the digital transcript) against.

CREATE TABLE school_duties (
    tenant_id  bigint NOT NULL REFERENCES tenants (id),
    id         bigserial PRIMARY KEY,
    unit_id    bigint NOT NULL REFERENCES units (id),
    user_id    bigint NOT NULL REFERENCES users (id),
    duty       text NOT NULL CHECK (duty IN ('pioneer_leader')),
    valid_from date,
    valid_to   date,
    source     text NOT NULL,
    CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from),
    UNIQUE (unit_id, user_id, duty, valid_from)
);
CREATE INDEX school_duties_unit ON school_duties (tenant_id, unit_id);

-- One row per version of a tenant's schema for a record type: a changed file is a new row, the
-- newest applies, the old ones stay (an upload checked last year names the schema it met).
CREATE TABLE tenant_xml_schemas (
    tenant_id        bigint NOT NULL REFERENCES tenants (id),
    id               bigserial PRIMARY KEY,
    record_type      text NOT NULL,
    target_namespace text NOT NULL,
    xsd              text NOT NULL,
    sha256           text NOT NULL,
    imported_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tenant_xml_schemas_type ON tenant_xml_schemas (tenant_id, record_type, id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['school_duties', 'tenant_xml_schemas']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = hoso_current_tenant()) '
                       'WITH CHECK (tenant_id = hoso_current_tenant())', t);
    END LOOP;
END $$;

-- A duty ends by its end date (like every staff row); a schema version is never changed or removed.
GRANT SELECT, INSERT ON school_duties, tenant_xml_schemas TO hoso_app;
GRANT UPDATE (valid_to) ON school_duties TO hoso_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO hoso_app;
