-- Province mergers (`hoso tenant merge`): a tenant moved whole into another is kept, frozen, for as
-- long as retention requires; its audit chain stays under its own id (each entry's hash covers the
-- tenant id), closed by `tenant.merged`, and the target's chain records that entry's hash.

-- frozen_at: every write is refused from then on (`tenant.frozen`); merged_into: where its records went
-- and where its host names redirect.
ALTER TABLE tenants ADD COLUMN frozen_at timestamptz;
ALTER TABLE tenants ADD COLUMN merged_into bigint REFERENCES tenants (id);
ALTER TABLE tenants ADD CONSTRAINT tenants_merged_is_frozen CHECK (merged_into IS NULL OR frozen_at IS NOT NULL);

-- Directories besides the tenant's own `directory` (ExtraDirectory as JSON): a merged province's, with its
-- own group rules, until its accounts are migrated. Its people sign in as `login@<login domain>`.
ALTER TABLE tenants ADD COLUMN directories jsonb NOT NULL DEFAULT '[]';

-- The tenant a unit came from in a merger: a re-import of the target's own file does not close it.
ALTER TABLE units ADD COLUMN merged_from bigint REFERENCES tenants (id);

-- Which directory a person came from (its login domain, e.g. `haiduong`); NULL: the tenant's own.
ALTER TABLE users ADD COLUMN directory text;

-- A merged tenant's rule-sets travel with the obligations made under them, as history: they are
-- never the target's current rule-set for a year, and their version numbers may repeat the target's.
ALTER TABLE rule_sets ADD COLUMN merged_from bigint REFERENCES tenants (id);
ALTER TABLE rule_sets DROP CONSTRAINT rule_sets_tenant_id_school_year_version_key;
CREATE UNIQUE INDEX rule_sets_own_version ON rule_sets (tenant_id, school_year, version) WHERE merged_from IS NULL;
CREATE UNIQUE INDEX rule_sets_merged_version ON rule_sets (tenant_id, merged_from, school_year, version)
    WHERE merged_from IS NOT NULL;

-- The merged department's officers read the audit trail of the tenants merged into theirs (the
-- history of the records they now hold); they can still append only to their own.
CREATE FUNCTION hoso_merged_into_current(p_tenant bigint) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT EXISTS (SELECT 1 FROM tenants WHERE id = p_tenant AND merged_into = hoso_current_tenant()) $$;
REVOKE ALL ON FUNCTION hoso_merged_into_current(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hoso_merged_into_current(bigint) TO hoso_app;
CREATE POLICY merged_audit_read ON audit_log FOR SELECT USING (hoso_merged_into_current(tenant_id));

-- Whose a key is, as signatures made with it name them: the login or unit code its owner had when the
-- key was registered, kept when a merger gives them another (`login@domain`, a re-coded unit), so
-- that signatures made before still name their key's owner. NULL: the owner's current login or code.
ALTER TABLE signing_keys ADD COLUMN owner_as text;

-- A frozen tenant is read-only for the application: no row of it may be written (its audit chain,
-- sealed by the merger, included). The server refuses earlier with `tenant.frozen`; this is the backstop,
-- and Database maps its refusal to that code. The owner (the merger itself) is not bound by it.
CREATE FUNCTION hoso_tenant_frozen(p_tenant bigint) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT EXISTS (SELECT 1 FROM tenants WHERE id = p_tenant AND frozen_at IS NOT NULL) $$;
REVOKE ALL ON FUNCTION hoso_tenant_frozen(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hoso_tenant_frozen(bigint) TO hoso_app;
DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relrowsecurity
               AND a.attname = 'tenant_id' AND NOT a.attisdropped
    LOOP
        EXECUTE format('CREATE POLICY tenant_not_frozen ON %I AS RESTRICTIVE USING (true) '
                       'WITH CHECK (NOT hoso_tenant_frozen(tenant_id))', t);
    END LOOP;
END $$;
