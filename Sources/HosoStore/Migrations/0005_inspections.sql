-- Inspections (periodic, surprise, self-inspection) with their checklist, findings and follow-up
-- actions; the minutes as immutable documents; periodic reports generated in the background.

CREATE TABLE inspections (
    tenant_id      bigint NOT NULL REFERENCES tenants (id),
    id             bigserial PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('periodic', 'surprise', 'self')),
    state          text NOT NULL DEFAULT 'planned' CHECK (state IN ('planned', 'in_progress', 'concluded', 'closed', 'cancelled')),
    title          text NOT NULL,
    -- The unit that inspects (the department, an office, or the school itself for a self-inspection).
    issuer_unit_id bigint NOT NULL REFERENCES units (id),
    symbol         text NOT NULL,
    school_year    text NOT NULL,
    period_from    date NOT NULL,
    period_to      date NOT NULL CHECK (period_to >= period_from),
    -- Empty: every record type.
    record_types   text[] NOT NULL DEFAULT '{}',
    place          text NOT NULL,
    planned_on     date NOT NULL,
    planned_by     bigint NOT NULL REFERENCES users (id),
    planned_at     timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    concluded_at   timestamptz,
    closed_at      timestamptz,
    cancelled_at   timestamptz,
    conclusions    text,
    recommendations text
);
CREATE INDEX inspections_issuer_idx ON inspections (tenant_id, issuer_unit_id, school_year);

CREATE TABLE inspection_units (
    tenant_id     bigint NOT NULL REFERENCES tenants (id),
    inspection_id bigint NOT NULL REFERENCES inspections (id),
    unit_id       bigint NOT NULL REFERENCES units (id),
    PRIMARY KEY (inspection_id, unit_id)
);
CREATE INDEX inspection_units_unit_idx ON inspection_units (unit_id);

CREATE TABLE inspection_members (
    tenant_id     bigint NOT NULL REFERENCES tenants (id),
    inspection_id bigint NOT NULL REFERENCES inspections (id),
    user_id       bigint NOT NULL REFERENCES users (id),
    leader        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (inspection_id, user_id)
);
CREATE INDEX inspection_members_user_idx ON inspection_members (user_id);

-- The checklist: one line per obligation in scope when the inspection started.
CREATE TABLE inspection_items (
    tenant_id     bigint NOT NULL REFERENCES tenants (id),
    id            bigserial PRIMARY KEY,
    inspection_id bigint NOT NULL REFERENCES inspections (id),
    obligation_id bigint NOT NULL REFERENCES obligations (id),
    unit_id       bigint NOT NULL REFERENCES units (id),
    verdict       text NOT NULL DEFAULT 'pending' CHECK (verdict IN ('pending', 'compliant', 'non_compliant', 'not_applicable')),
    note          text,
    -- Evidence: the version looked at (set when an inspector opens the record from the checklist).
    viewed_version_id bigint REFERENCES record_versions (id),
    viewed_at     timestamptz,
    marked_by     bigint REFERENCES users (id),
    marked_at     timestamptz,
    UNIQUE (inspection_id, obligation_id)
);

-- Files attached as evidence to a line of the checklist (scans, photos), in the blob store.
CREATE TABLE inspection_attachments (
    tenant_id   bigint NOT NULL REFERENCES tenants (id),
    id          bigserial PRIMARY KEY,
    item_id     bigint NOT NULL REFERENCES inspection_items (id),
    sha256      text NOT NULL,
    size        bigint NOT NULL,
    media_type  text NOT NULL,
    filename    text NOT NULL,
    uploaded_by bigint NOT NULL REFERENCES users (id),
    uploaded_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, sha256) REFERENCES blobs (tenant_id, sha256)
);

CREATE TABLE inspection_findings (
    tenant_id     bigint NOT NULL REFERENCES tenants (id),
    id            bigserial PRIMARY KEY,
    inspection_id bigint NOT NULL REFERENCES inspections (id),
    -- A finding is always about a line of the checklist.
    item_id       bigint NOT NULL REFERENCES inspection_items (id),
    severity      text NOT NULL CHECK (severity IN ('observation', 'shortcoming', 'violation')),
    text          text NOT NULL CHECK (length(text) > 0),
    created_by    bigint NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE follow_ups (
    tenant_id     bigint NOT NULL REFERENCES tenants (id),
    id            bigserial PRIMARY KEY,
    inspection_id bigint NOT NULL REFERENCES inspections (id),
    finding_id    bigint NOT NULL REFERENCES inspection_findings (id),
    action        text NOT NULL CHECK (length(action) > 0),
    owner_user_id bigint NOT NULL REFERENCES users (id),
    due_on        date NOT NULL,
    state         text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done')),
    created_by    bigint NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    done_by       bigint REFERENCES users (id),
    done_at       timestamptz,
    done_note     text
);
CREATE INDEX follow_ups_owner_idx ON follow_ups (owner_user_id, state);

-- The minutes (biên bản) once issued: an immutable document, like a record version.
-- Each issuing unit numbers its documents from 1 every calendar year (NĐ 30/2020).
CREATE TABLE inspection_minutes (
    tenant_id      bigint NOT NULL REFERENCES tenants (id),
    inspection_id  bigint PRIMARY KEY REFERENCES inspections (id),
    issuer_unit_id bigint NOT NULL REFERENCES units (id),
    issued_year    int NOT NULL,
    sequence       int NOT NULL CHECK (sequence > 0),
    number         text NOT NULL,
    sha256         text NOT NULL,
    size           bigint NOT NULL,
    issued_by      bigint NOT NULL REFERENCES users (id),
    issued_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, sha256) REFERENCES blobs (tenant_id, sha256),
    UNIQUE (tenant_id, issuer_unit_id, issued_year, sequence)
);

-- Periodic and ad-hoc reports, generated in the background.
CREATE TABLE report_jobs (
    tenant_id    bigint NOT NULL REFERENCES tenants (id),
    id           bigserial PRIMARY KEY,
    unit_id      bigint NOT NULL REFERENCES units (id),
    requested_by bigint NOT NULL REFERENCES users (id),
    format       text NOT NULL CHECK (format IN ('pdf', 'xlsx', 'csv')),
    -- The filter (query string form) and the period as asked, to reproduce the report.
    parameters   text NOT NULL,
    title        text NOT NULL,
    state        text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    progress     real NOT NULL DEFAULT 0,
    stage        text,
    error_code   text,
    sha256       text,
    size         bigint,
    filename     text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    -- Moves with the progress: a running job whose heartbeat stopped long ago was cut short.
    heartbeat_at timestamptz,
    finished_at  timestamptz,
    FOREIGN KEY (tenant_id, sha256) REFERENCES blobs (tenant_id, sha256)
);
CREATE INDEX report_jobs_requester_idx ON report_jobs (tenant_id, requested_by, created_at DESC);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['inspections', 'inspection_units', 'inspection_members', 'inspection_items', 'inspection_attachments',
                             'inspection_findings', 'follow_ups', 'inspection_minutes', 'report_jobs']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = hoso_current_tenant()) '
                       'WITH CHECK (tenant_id = hoso_current_tenant())', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE ON inspections, inspection_items, follow_ups, report_jobs TO hoso_app;
GRANT SELECT, INSERT ON inspection_units, inspection_members, inspection_attachments, inspection_findings, inspection_minutes TO hoso_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO hoso_app;
