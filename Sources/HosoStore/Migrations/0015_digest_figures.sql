-- Officers' and inspectors' digests (issue 18): the figures a week's digest showed for each unit
-- (the first digest of that week), so that the next week's says what changed.
CREATE TABLE digest_figures (
    tenant_id    bigint NOT NULL REFERENCES tenants (id),
    unit_id      bigint NOT NULL REFERENCES units (id),
    week         text NOT NULL,
    completeness double precision,
    timeliness   double precision,
    PRIMARY KEY (tenant_id, unit_id, week)
);
ALTER TABLE digest_figures ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON digest_figures
    USING (tenant_id = hoso_current_tenant()) WITH CHECK (tenant_id = hoso_current_tenant());
GRANT SELECT, INSERT ON digest_figures TO hoso_app;
