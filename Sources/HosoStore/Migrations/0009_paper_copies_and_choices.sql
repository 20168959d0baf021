-- Paper copies and choices of form (issue 14, parts 3 and 4).
--
-- paper_copies: the scan of a record version's printed, hand-signed and stamped copy (seed 003 §4,
-- seed 004 §2), filed by the school office. Rows are history: never updated or deleted; a newer
-- scan of the same version supersedes the earlier one, which is kept (the newest row is current).
CREATE TABLE paper_copies (
    tenant_id     bigint NOT NULL REFERENCES tenants (id),
    id            bigserial PRIMARY KEY,
    obligation_id bigint NOT NULL REFERENCES obligations (id),
    version_id    bigint NOT NULL REFERENCES record_versions (id),
    sha256        text NOT NULL,
    size          bigint NOT NULL CHECK (size > 0),
    filename      text NOT NULL,
    filed_by      bigint NOT NULL REFERENCES users (id),
    filed_role    text NOT NULL,
    filed_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, sha256) REFERENCES blobs (tenant_id, sha256)
);
-- A record's scans (its page; "is the current version's copy filed" under the record's lock).
CREATE INDEX paper_copies_obligation_idx ON paper_copies (tenant_id, obligation_id, version_id, id);

-- record_form_choices: a school's (teacher_user_id NULL) or a teacher's choice of electronic or
-- paper for one book and school year. History: the newest row for (unit, year, type, teacher)
-- is in force; rows are never updated or deleted.
CREATE TABLE record_form_choices (
    tenant_id       bigint NOT NULL REFERENCES tenants (id),
    id              bigserial PRIMARY KEY,
    unit_id         bigint NOT NULL REFERENCES units (id),
    school_year     text NOT NULL,
    record_type     text NOT NULL,
    teacher_user_id bigint REFERENCES users (id),
    form            text NOT NULL CHECK (form IN ('electronic', 'paper')),
    reason          text NOT NULL CHECK (length(btrim(reason)) > 0),
    chosen_by       bigint NOT NULL REFERENCES users (id),
    chosen_role     text NOT NULL,
    chosen_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX record_form_choices_idx ON record_form_choices (tenant_id, unit_id, school_year, record_type, teacher_user_id, id);

-- The choice that exempted an item (NULL: exempted by hand, or not exempt): a choice back to
-- electronic releases exactly the items that choices exempted.
ALTER TABLE obligations ADD COLUMN exempt_choice_id bigint REFERENCES record_form_choices (id);
CREATE INDEX obligations_choice_idx ON obligations (tenant_id, exempt_choice_id) WHERE exempt_choice_id IS NOT NULL;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['paper_copies', 'record_form_choices']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = hoso_current_tenant()) '
                       'WITH CHECK (tenant_id = hoso_current_tenant())', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT ON paper_copies, record_form_choices TO hoso_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO hoso_app;
