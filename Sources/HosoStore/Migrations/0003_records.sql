-- Electronic record books: versioned rule-sets, school calendars, the people of schools,
-- obligations (one row per expected item, its status kept current by the event that changes it),
-- immutable document versions naming content-addressed blobs, the workflow's events, entry
-- windows and corrections after lock.

-- A tenant's rule-set for a school year. A re-import with other content is a new version; no
-- version is ever rewritten, and no import touches another school year.
CREATE TABLE rule_sets (
    tenant_id   bigint NOT NULL REFERENCES tenants (id),
    id          bigserial PRIMARY KEY,
    school_year text NOT NULL,
    version     int NOT NULL,
    source_id   text NOT NULL,
    lineage     text[] NOT NULL,
    name_vi     text NOT NULL,
    name_en     text NOT NULL,
    checksum    text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, school_year, version)
);

CREATE TABLE record_types (
    tenant_id    bigint NOT NULL REFERENCES tenants (id),
    rule_set_id  bigint NOT NULL REFERENCES rule_sets (id),
    code         text NOT NULL,
    name_vi      text NOT NULL,
    name_en      text NOT NULL,
    owner_scope  text NOT NULL,
    cadence      text NOT NULL,
    storage      text NOT NULL,
    -- The complete, checked definition (RecordTypeDraft as JSON): how the code reads it back.
    definition   jsonb NOT NULL,
    PRIMARY KEY (rule_set_id, code)
);

CREATE TABLE school_calendars (
    tenant_id   bigint NOT NULL REFERENCES tenants (id),
    school_year text NOT NULL,
    definition  jsonb NOT NULL,
    checksum    text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, school_year)
);

-- Subject and office groups of a school, and their members over time.
CREATE TABLE school_groups (
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    id        bigserial PRIMARY KEY,
    unit_id   bigint NOT NULL REFERENCES units (id),
    kind      text NOT NULL CHECK (kind IN ('subject', 'office')),
    code      text NOT NULL,
    name_vi   text NOT NULL,
    name_en   text NOT NULL,
    UNIQUE (tenant_id, unit_id, code)
);

CREATE TABLE group_members (
    tenant_id  bigint NOT NULL REFERENCES tenants (id),
    id         bigserial PRIMARY KEY,
    group_id   bigint NOT NULL REFERENCES school_groups (id),
    user_id    bigint NOT NULL REFERENCES users (id),
    is_head    boolean NOT NULL DEFAULT false,
    valid_from date,
    valid_to   date,
    source     text NOT NULL,
    UNIQUE (group_id, user_id, valid_from)
);
CREATE INDEX group_members_user_idx ON group_members (tenant_id, user_id);

-- The teachers of a school over time (from a people import, or their directory grant).
CREATE TABLE school_staff (
    tenant_id  bigint NOT NULL REFERENCES tenants (id),
    id         bigserial PRIMARY KEY,
    unit_id    bigint NOT NULL REFERENCES units (id),
    user_id    bigint NOT NULL REFERENCES users (id),
    valid_from date,
    valid_to   date,
    source     text NOT NULL,
    UNIQUE (unit_id, user_id, valid_from)
);

CREATE TABLE school_classes (
    tenant_id   bigint NOT NULL REFERENCES tenants (id),
    id          bigserial PRIMARY KEY,
    unit_id     bigint NOT NULL REFERENCES units (id),
    school_year text NOT NULL,
    code        text NOT NULL,
    grade       int,
    UNIQUE (tenant_id, unit_id, school_year, code)
);

CREATE TABLE homeroom_assignments (
    tenant_id  bigint NOT NULL REFERENCES tenants (id),
    id         bigserial PRIMARY KEY,
    class_id   bigint NOT NULL REFERENCES school_classes (id),
    user_id    bigint NOT NULL REFERENCES users (id),
    valid_from date,
    valid_to   date,
    UNIQUE (class_id, user_id, valid_from)
);

-- One row per expected item. `state`/`step` are the workflow's; `status` is what dashboards count,
-- updated in the transaction of each event (and from pending to missing by the sweep when the due
-- time passes; readers treat a pending row past its due time as missing meanwhile).
CREATE TABLE obligations (
    tenant_id           bigint NOT NULL REFERENCES tenants (id),
    id                  bigserial PRIMARY KEY,
    unit_id             bigint NOT NULL REFERENCES units (id),
    school_year         text NOT NULL,
    rule_set_id         bigint NOT NULL REFERENCES rule_sets (id),
    record_type         text NOT NULL,
    owner_key           text NOT NULL,
    owner_user_id       bigint REFERENCES users (id),
    owner_group_id      bigint REFERENCES school_groups (id),
    owner_class_id      bigint REFERENCES school_classes (id),
    period_kind         text NOT NULL,
    period_number       int NOT NULL,
    period_first        date NOT NULL,
    period_last         date NOT NULL,
    due_at              timestamptz NOT NULL,
    state               text NOT NULL DEFAULT 'open'
                        CHECK (state IN ('open', 'awaiting', 'returned', 'approved', 'locked', 'correcting')),
    step                int,
    -- The role whose turn it is while awaiting (the approval queue's key).
    awaiting_role       text,
    status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'submitted', 'returned', 'approved', 'signed', 'locked', 'late', 'missing', 'exempt')),
    first_submitted_at  timestamptz,
    last_event_at       timestamptz,
    current_version_id  bigint,
    exempt_reason       text,
    exempted_by         bigint REFERENCES users (id),
    exempted_at         timestamptz,
    -- No longer expected (the person left, the book left the catalog) but kept: it had history.
    withdrawn           boolean NOT NULL DEFAULT false,
    revision            int NOT NULL DEFAULT 0,
    generated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, unit_id, school_year, record_type, owner_key, period_kind, period_number)
);
-- "What I owe": a person's items by due time.
CREATE INDEX obligations_owner_idx ON obligations (tenant_id, owner_user_id, due_at) WHERE NOT withdrawn;
-- Approval queues: whose turn, at which school.
CREATE INDEX obligations_queue_idx ON obligations (tenant_id, awaiting_role, unit_id, due_at) WHERE state = 'awaiting';
-- Dashboards and the missing sweep.
CREATE INDEX obligations_unit_idx ON obligations (tenant_id, unit_id, school_year, status);
CREATE INDEX obligations_due_idx ON obligations (tenant_id, due_at) WHERE status = 'pending';

-- Stored content, once per tenant per hash (the bytes live in the blob store by hash).
CREATE TABLE blobs (
    tenant_id  bigint NOT NULL REFERENCES tenants (id),
    sha256     text NOT NULL,
    size       bigint NOT NULL,
    media_type text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, sha256)
);

-- Every upload is a new immutable version.
CREATE TABLE record_versions (
    tenant_id     bigint NOT NULL REFERENCES tenants (id),
    id            bigserial PRIMARY KEY,
    obligation_id bigint NOT NULL REFERENCES obligations (id),
    version       int NOT NULL,
    sha256        text NOT NULL,
    size          bigint NOT NULL,
    media_type    text NOT NULL,
    format        text NOT NULL,
    filename      text NOT NULL,
    uploaded_by   bigint NOT NULL REFERENCES users (id),
    uploaded_at   timestamptz NOT NULL DEFAULT now(),
    correction_id bigint,
    superseded_at timestamptz,
    UNIQUE (obligation_id, version),
    FOREIGN KEY (tenant_id, sha256) REFERENCES blobs (tenant_id, sha256)
);
ALTER TABLE obligations ADD FOREIGN KEY (current_version_id) REFERENCES record_versions (id);

CREATE TABLE workflow_events (
    tenant_id     bigint NOT NULL REFERENCES tenants (id),
    id            bigserial PRIMARY KEY,
    obligation_id bigint NOT NULL REFERENCES obligations (id),
    version_id    bigint REFERENCES record_versions (id),
    kind          text NOT NULL,
    step          int,
    actor_user_id bigint REFERENCES users (id),
    actor_role    text,
    comment       text,
    signed        boolean NOT NULL DEFAULT false,
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workflow_events_obligation_idx ON workflow_events (tenant_id, obligation_id, id);

-- Entry windows: submission of a book (for one period, or all) opened and closed by the school
-- administrator on the principal's order. The newest row for a book and period decides.
CREATE TABLE entry_windows (
    tenant_id     bigint NOT NULL REFERENCES tenants (id),
    id            bigserial PRIMARY KEY,
    unit_id       bigint NOT NULL REFERENCES units (id),
    school_year   text NOT NULL,
    record_type   text NOT NULL,
    period_kind   text,
    period_number int,
    is_open       boolean NOT NULL,
    ordered_by    text NOT NULL,
    set_by        bigint NOT NULL REFERENCES users (id),
    note          text,
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX entry_windows_idx ON entry_windows (tenant_id, unit_id, school_year, record_type, id);

-- Corrections after lock: request (reason) → the principal's consent with minutes naming the
-- witnesses → a new version through the chain → locked again.
CREATE TABLE corrections (
    tenant_id        bigint NOT NULL REFERENCES tenants (id),
    id               bigserial PRIMARY KEY,
    obligation_id    bigint NOT NULL REFERENCES obligations (id),
    requested_by     bigint NOT NULL REFERENCES users (id),
    reason           text NOT NULL CHECK (length(btrim(reason)) > 0),
    requested_at     timestamptz NOT NULL DEFAULT now(),
    state            text NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'consented', 'refused', 'completed')),
    decided_by       bigint REFERENCES users (id),
    decided_at       timestamptz,
    -- The minutes: witnesses (leader, system administrator, requester) and their text.
    minutes          jsonb,
    superseded_version_id bigint REFERENCES record_versions (id)
);
CREATE INDEX corrections_obligation_idx ON corrections (tenant_id, obligation_id);
ALTER TABLE record_versions ADD FOREIGN KEY (correction_id) REFERENCES corrections (id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['rule_sets', 'record_types', 'school_calendars', 'school_groups', 'group_members', 'school_staff',
                             'school_classes', 'homeroom_assignments', 'obligations', 'blobs', 'record_versions',
                             'workflow_events', 'entry_windows', 'corrections']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = hoso_current_tenant()) '
                       'WITH CHECK (tenant_id = hoso_current_tenant())', t);
    END LOOP;
END $$;

-- What the application may do: versions, blobs, events and rule-sets are never updated or
-- deleted by it (a version is superseded by marking `superseded_at`, the one column it may set).
GRANT SELECT, INSERT ON rule_sets, record_types, blobs, workflow_events, entry_windows TO hoso_app;
GRANT SELECT, INSERT, UPDATE ON school_calendars, school_groups, group_members, school_staff, school_classes,
    homeroom_assignments, obligations, corrections TO hoso_app;
GRANT SELECT, INSERT ON record_versions TO hoso_app;
GRANT UPDATE (superseded_at) ON record_versions TO hoso_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO hoso_app;
