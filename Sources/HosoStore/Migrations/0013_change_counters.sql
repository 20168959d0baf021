-- Live dashboards at memory speed (issue 17).
--
-- 1. unit_changes: one change counter per unit, bumped in the same transaction as anything a
--    dashboard of that unit shows: its kept counts or any count of its subtree (hoso_counts_apply),
--    its people's figures and approval steps (the obligations' trigger), the tree, the units' names,
--    inspections (coverage) and paper copies. A server caches a dashboard's figures under the
--    counter it read; a request reads the counter (one indexed row) and answers from the cache when
--    it matches. Equal counters mean that no committed transaction changed what the view shows.
-- 2. owner_counts: the people's figures of a school (each item counted for its responsible
--    person), kept by the same trigger, so the school page sums rows instead of scanning items.
-- 3. hoso_signed_in and hoso_unit_head: a request's session, actor and grants in one statement, and
--    a unit with its counter in one statement (each sets the tenant for row-level security itself,
--    so neither needs a transaction of its own).

CREATE TABLE unit_changes (
    unit_id   bigint PRIMARY KEY REFERENCES units (id) ON DELETE CASCADE,
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    counter   bigint NOT NULL DEFAULT 0
);
INSERT INTO unit_changes (unit_id, tenant_id) SELECT id, tenant_id FROM units;
ALTER TABLE unit_changes ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON unit_changes USING (tenant_id = hoso_current_tenant());
GRANT SELECT ON unit_changes TO hoso_app;

-- Bumps some of a tenant's units' counters. Every writer takes the same locks in the same order:
-- first the tenant's audit-chain lock (the one `AuditStore.append` takes: a workflow event bumps
-- counters and then appends, a paper copy or an inspection appends and then bumps), then the
-- counters root first and by id. Writers of one tenant therefore queue instead of waiting for each
-- other in a circle.
CREATE FUNCTION hoso_units_touch(p_tenant bigint, p_units bigint[]) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF cardinality(p_units) = 0 THEN RETURN; END IF;
    PERFORM pg_advisory_xact_lock(hashtext('audit:' || p_tenant::text));
    PERFORM 1 FROM unit_changes c JOIN units u ON u.id = c.unit_id
    WHERE c.unit_id = ANY (p_units) ORDER BY nlevel(u.path), c.unit_id FOR UPDATE OF c;
    UPDATE unit_changes SET counter = counter + 1 WHERE unit_id = ANY (p_units);
END $$;

-- A unit and every unit above it today.
CREATE FUNCTION hoso_unit_line(p_unit bigint) RETURNS bigint[]
    LANGUAGE sql STABLE
    AS $$ SELECT coalesce((SELECT string_to_array(ltree2text(path), '.')::bigint[] FROM units WHERE id = p_unit), '{}') $$;

-- Every unit of the tenants a statement changed (`changed` is its transition table): for rare
-- changes that many dashboards show (the tree, names, inspections, who teaches which class). A tenant
-- import sets `hoso.defer_touch` and touches once at its end (`hoso_touch_tenant`) instead of once
-- per unit it writes.
CREATE FUNCTION hoso_tenant_touch() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
DECLARE
    t bigint;
BEGIN
    IF current_setting('hoso.defer_touch', true) = 'on' THEN RETURN NULL; END IF;
    FOR t IN SELECT DISTINCT tenant_id FROM changed ORDER BY 1 LOOP
        PERFORM hoso_units_touch(t, ARRAY(SELECT c.unit_id FROM unit_changes c WHERE c.tenant_id = t));
    END LOOP;
    RETURN NULL;
END $$;

CREATE FUNCTION hoso_touch_tenant(p_tenant bigint) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
BEGIN
    PERFORM hoso_units_touch(p_tenant, ARRAY(SELECT c.unit_id FROM unit_changes c WHERE c.tenant_id = p_tenant));
END $$;
REVOKE ALL ON FUNCTION hoso_touch_tenant(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hoso_touch_tenant(bigint) TO hoso_app;

CREATE FUNCTION hoso_unit_changes_row() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
BEGIN
    INSERT INTO unit_changes (unit_id, tenant_id) VALUES (NEW.id, NEW.tenant_id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER units_change_counter AFTER INSERT ON units FOR EACH ROW EXECUTE FUNCTION hoso_unit_changes_row();

-- (A transition table serves one event per trigger: three triggers a table.)
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['units', 'inspections', 'inspection_units', 'inspection_members', 'teaching_assignments'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION hoso_tenant_touch()', t || '_touch_insert', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION hoso_tenant_touch()', t || '_touch_update', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed '
                       'FOR EACH STATEMENT EXECUTE FUNCTION hoso_tenant_touch()', t || '_touch_delete', t);
    END LOOP;
END $$;

-- A paper copy filed shows in the figures of its school and every unit above.
CREATE FUNCTION hoso_paper_copy_touch() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
BEGIN
    PERFORM hoso_units_touch(NEW.tenant_id, hoso_unit_line((SELECT unit_id FROM obligations WHERE id = NEW.obligation_id)));
    RETURN NULL;
END $$;
CREATE TRIGGER paper_copies_touch AFTER INSERT ON paper_copies FOR EACH ROW EXECUTE FUNCTION hoso_paper_copy_touch();

-- A person's new name shows on the school pages that list them.
CREATE FUNCTION hoso_user_name_touch() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
BEGIN
    PERFORM hoso_units_touch(NEW.tenant_id, ARRAY(
        SELECT DISTINCT g.unit_id FROM user_grants g WHERE g.user_id = NEW.id
        UNION SELECT DISTINCT o.unit_id FROM obligations o WHERE o.tenant_id = NEW.tenant_id AND o.owner_user_id = NEW.id));
    RETURN NULL;
END $$;
CREATE TRIGGER users_name_touch AFTER UPDATE ON users FOR EACH ROW
    WHEN ((OLD.display_name, OLD.login) IS DISTINCT FROM (NEW.display_name, NEW.login))
    EXECUTE FUNCTION hoso_user_name_touch();

-- The kept counts' one writer bumps the counters of every unit on the rows' two paths first.
CREATE OR REPLACE FUNCTION hoso_counts_apply(p_tenant bigint, p_rows hoso_count_row[]) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM hoso_units_touch(p_tenant, ARRAY(
        SELECT DISTINCT a.unit_id FROM unnest(p_rows) r CROSS JOIN LATERAL hoso_path_units(r.stood, r.now) a));

    INSERT INTO compliance_counts AS c (tenant_id, unit_id, school_year, record_type, school_level, due_week, basis,
        expected, on_time, late_1_3, late_4_7, late_over_7, missing, not_due, awaiting, returned, approved, signed, locked, exempt)
    SELECT p_tenant, a.unit_id, r.school_year, r.record_type, coalesce(s.school_levels[1], ''), w.week, a.basis,
           sum(r.v[1]), sum(r.v[2]), sum(r.v[3]), sum(r.v[4]), sum(r.v[5]), sum(r.v[6]), sum(r.v[7]),
           sum(r.v[8]), sum(r.v[9]), sum(r.v[10]), sum(r.v[11]), sum(r.v[12]), sum(r.v[13])
    FROM unnest(p_rows) r
    JOIN units s ON s.id = r.unit_id
    CROSS JOIN LATERAL hoso_path_units(r.stood, r.now) a
    CROSS JOIN LATERAL (VALUES (-1), (r.due_week)) AS w (week)
    GROUP BY a.unit_id, r.school_year, r.record_type, coalesce(s.school_levels[1], ''), w.week, a.basis
    HAVING (sum(r.v[1]) <> 0 OR sum(r.v[2]) <> 0 OR sum(r.v[3]) <> 0 OR sum(r.v[4]) <> 0 OR sum(r.v[5]) <> 0
            OR sum(r.v[6]) <> 0 OR sum(r.v[7]) <> 0 OR sum(r.v[8]) <> 0 OR sum(r.v[9]) <> 0 OR sum(r.v[10]) <> 0
            OR sum(r.v[11]) <> 0 OR sum(r.v[12]) <> 0 OR sum(r.v[13]) <> 0)
    ORDER BY min(a.depth), a.unit_id, w.week, a.basis
    ON CONFLICT (tenant_id, unit_id, school_year, record_type, school_level, due_week, basis) DO UPDATE SET
        expected = c.expected + excluded.expected, on_time = c.on_time + excluded.on_time,
        late_1_3 = c.late_1_3 + excluded.late_1_3, late_4_7 = c.late_4_7 + excluded.late_4_7,
        late_over_7 = c.late_over_7 + excluded.late_over_7, missing = c.missing + excluded.missing,
        not_due = c.not_due + excluded.not_due, awaiting = c.awaiting + excluded.awaiting,
        returned = c.returned + excluded.returned, approved = c.approved + excluded.approved,
        signed = c.signed + excluded.signed, locked = c.locked + excluded.locked, exempt = c.exempt + excluded.exempt;

    INSERT INTO signature_counts AS c (tenant_id, unit_id, school_year, basis, signed, invalid)
    SELECT p_tenant, a.unit_id, r.school_year, a.basis, sum(r.si), sum(r.inv)
    FROM unnest(p_rows) r
    CROSS JOIN LATERAL hoso_path_units(r.stood, r.now) a
    GROUP BY a.unit_id, r.school_year, a.basis
    HAVING sum(r.si) <> 0 OR sum(r.inv) <> 0
    ORDER BY min(a.depth), a.unit_id, a.basis
    ON CONFLICT (tenant_id, unit_id, school_year, basis) DO UPDATE SET
        signed = c.signed + excluded.signed, invalid = c.invalid + excluded.invalid;
END $$;

-- 2. The people's figures of each school: an item counts for its responsible person at its
--    school, by year, record type and week (and week -1 for the whole year).
CREATE TABLE owner_counts (
    tenant_id     bigint NOT NULL REFERENCES tenants (id),
    unit_id       bigint NOT NULL REFERENCES units (id),
    school_year   text NOT NULL,
    owner_user_id bigint NOT NULL,
    record_type   text NOT NULL,
    due_week      int NOT NULL,
    expected      int NOT NULL DEFAULT 0,
    on_time       int NOT NULL DEFAULT 0,
    late_1_3      int NOT NULL DEFAULT 0,
    late_4_7      int NOT NULL DEFAULT 0,
    late_over_7   int NOT NULL DEFAULT 0,
    missing       int NOT NULL DEFAULT 0,
    not_due       int NOT NULL DEFAULT 0,
    awaiting      int NOT NULL DEFAULT 0,
    returned      int NOT NULL DEFAULT 0,
    approved      int NOT NULL DEFAULT 0,
    signed        int NOT NULL DEFAULT 0,
    locked        int NOT NULL DEFAULT 0,
    exempt        int NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, unit_id, school_year, owner_user_id, record_type, due_week)
);
ALTER TABLE owner_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON owner_counts USING (tenant_id = hoso_current_tenant());
GRANT SELECT ON owner_counts TO hoso_app;

-- Adds rows of people's figures (each for its week and for the whole year), summed per key, in
-- one order for every writer. The trigger adds an item's; the batch counter a school's.
CREATE TYPE hoso_owner_row AS (unit_id bigint, school_year text, owner_user_id bigint, record_type text, due_week int, v int[]);

CREATE FUNCTION hoso_owner_counts_merge(p_tenant bigint, p_rows hoso_owner_row[]) RETURNS void
    LANGUAGE sql
    AS $$
    INSERT INTO owner_counts AS c (tenant_id, unit_id, school_year, owner_user_id, record_type, due_week,
        expected, on_time, late_1_3, late_4_7, late_over_7, missing, not_due, awaiting, returned, approved, signed, locked, exempt)
    SELECT p_tenant, r.unit_id, r.school_year, r.owner_user_id, r.record_type, w.week,
           sum(r.v[1]), sum(r.v[2]), sum(r.v[3]), sum(r.v[4]), sum(r.v[5]), sum(r.v[6]), sum(r.v[7]),
           sum(r.v[8]), sum(r.v[9]), sum(r.v[10]), sum(r.v[11]), sum(r.v[12]), sum(r.v[13])
    FROM unnest(p_rows) r
    CROSS JOIN LATERAL (VALUES (-1), (r.due_week)) AS w (week)
    GROUP BY r.unit_id, r.school_year, r.owner_user_id, r.record_type, w.week
    ORDER BY r.unit_id, r.school_year, r.owner_user_id, r.record_type, w.week
    ON CONFLICT (tenant_id, unit_id, school_year, owner_user_id, record_type, due_week) DO UPDATE SET
        expected = c.expected + excluded.expected, on_time = c.on_time + excluded.on_time,
        late_1_3 = c.late_1_3 + excluded.late_1_3, late_4_7 = c.late_4_7 + excluded.late_4_7,
        late_over_7 = c.late_over_7 + excluded.late_over_7, missing = c.missing + excluded.missing,
        not_due = c.not_due + excluded.not_due, awaiting = c.awaiting + excluded.awaiting,
        returned = c.returned + excluded.returned, approved = c.approved + excluded.approved,
        signed = c.signed + excluded.signed, locked = c.locked + excluded.locked, exempt = c.exempt + excluded.exempt
$$;

-- `sign` times one item's vector, for its person.
CREATE FUNCTION hoso_owner_counts_add(p_tenant bigint, p_unit bigint, p_owner bigint, p_year text, p_type text, p_week int,
                                      v int[], sign int) RETURNS void
    LANGUAGE sql
    AS $$
    SELECT hoso_owner_counts_merge(p_tenant, ARRAY[ROW(p_unit, p_year, p_owner, p_type, p_week,
        ARRAY(SELECT x * sign FROM unnest(v) WITH ORDINALITY AS t (x, i) ORDER BY i))::hoso_owner_row])
$$;

-- Counts some schools' items for their people.
CREATE FUNCTION hoso_owner_counts_fill(p_tenant bigint, p_schools bigint[]) RETURNS void
    LANGUAGE sql
    AS $$
    SELECT hoso_owner_counts_merge(p_tenant, coalesce(array_agg(ROW(x.unit_id, x.school_year, x.owner_user_id, x.record_type, x.due_week,
        ARRAY[x.e1, x.e2, x.e3, x.e4, x.e5, x.e6, x.e7, x.e8, x.e9, x.e10, x.e11, x.e12, x.e13])::hoso_owner_row), '{}'))
    FROM (
        SELECT o.unit_id, o.school_year, o.owner_user_id, o.record_type, o.due_week,
               sum(o.v[1])::int AS e1, sum(o.v[2])::int AS e2, sum(o.v[3])::int AS e3, sum(o.v[4])::int AS e4, sum(o.v[5])::int AS e5,
               sum(o.v[6])::int AS e6, sum(o.v[7])::int AS e7, sum(o.v[8])::int AS e8, sum(o.v[9])::int AS e9, sum(o.v[10])::int AS e10,
               sum(o.v[11])::int AS e11, sum(o.v[12])::int AS e12, sum(o.v[13])::int AS e13
        FROM (SELECT o.unit_id, o.school_year, o.owner_user_id, o.record_type, o.due_week,
                     hoso_compliance_vector(o.withdrawn, o.exempt_reason IS NOT NULL, o.status, o.state, o.first_submitted_at, o.due_at) AS v
              FROM obligations o
              WHERE o.tenant_id = p_tenant AND NOT o.withdrawn AND o.owner_user_id IS NOT NULL AND o.unit_id = ANY (p_schools)
              OFFSET 0) o -- a fence: each item's vector is computed once
        GROUP BY o.unit_id, o.school_year, o.owner_user_id, o.record_type, o.due_week
    ) x
$$;

-- The obligations' trigger keeps the people's figures too, and bumps a school's counter when only
-- its approval steps or an item's person changed (nothing the kept counts hold).
CREATE OR REPLACE FUNCTION hoso_obligations_count() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
DECLARE
    old_v int[];
    new_v int[];
    old_s int[];
    new_s int[];
    rows hoso_count_row[] := '{}';
BEGIN
    -- A bulk load by the owner (`hoso demo generate`) counts its rows itself, a batch at a time.
    IF current_setting('hoso.bulk_load', true) = 'on'
       AND (SELECT oid FROM pg_roles WHERE rolname = session_user) = (SELECT relowner FROM pg_class WHERE oid = 'public.obligations'::regclass) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_v := hoso_compliance_vector(OLD.withdrawn, OLD.exempt_reason IS NOT NULL, OLD.status, OLD.state, OLD.first_submitted_at, OLD.due_at);
        old_s := hoso_signature_pair(OLD.withdrawn, OLD.signature_state);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_v := hoso_compliance_vector(NEW.withdrawn, NEW.exempt_reason IS NOT NULL, NEW.status, NEW.state, NEW.first_submitted_at, NEW.due_at);
        new_s := hoso_signature_pair(NEW.withdrawn, NEW.signature_state);
    END IF;
    IF TG_OP = 'UPDATE' AND old_v = new_v AND old_s = new_s
       AND (OLD.unit_id, OLD.school_year, OLD.record_type, OLD.due_week, OLD.due_at)
         = (NEW.unit_id, NEW.school_year, NEW.record_type, NEW.due_week, NEW.due_at) THEN
        IF OLD.owner_user_id IS DISTINCT FROM NEW.owner_user_id THEN
            PERFORM hoso_units_touch(NEW.tenant_id, ARRAY[NEW.unit_id]);
            IF OLD.owner_user_id IS NOT NULL AND 1 = ANY (old_v) THEN
                PERFORM hoso_owner_counts_add(OLD.tenant_id, OLD.unit_id, OLD.owner_user_id, OLD.school_year, OLD.record_type, OLD.due_week, old_v, -1);
            END IF;
            IF NEW.owner_user_id IS NOT NULL AND 1 = ANY (new_v) THEN
                PERFORM hoso_owner_counts_add(NEW.tenant_id, NEW.unit_id, NEW.owner_user_id, NEW.school_year, NEW.record_type, NEW.due_week, new_v, 1);
            END IF;
        ELSIF OLD.rule_set_id IS DISTINCT FROM NEW.rule_set_id THEN
            -- A new rule-set version: which books need a paper copy (shown at every level) may change.
            PERFORM hoso_units_touch(NEW.tenant_id, hoso_unit_line(NEW.unit_id));
        ELSIF (OLD.step, OLD.awaiting_role, OLD.current_version_id, OLD.revision, OLD.last_event_at)
              IS DISTINCT FROM (NEW.step, NEW.awaiting_role, NEW.current_version_id, NEW.revision, NEW.last_event_at) THEN
            -- An approval within a step (a subject teacher's signature), a new version: the school's
            -- waiting list and signers change.
            PERFORM hoso_units_touch(NEW.tenant_id, ARRAY[NEW.unit_id]);
        END IF;
        RETURN NULL;
    END IF;
    IF old_v IS NOT NULL AND (1 = ANY (old_v) OR 1 = ANY (old_s)) THEN
        rows := rows || hoso_count_row_of(OLD.unit_id, OLD.school_year, OLD.record_type, OLD.due_week, OLD.due_at, old_v, old_s, -1);
    END IF;
    IF new_v IS NOT NULL AND (1 = ANY (new_v) OR 1 = ANY (new_s)) THEN
        rows := rows || hoso_count_row_of(NEW.unit_id, NEW.school_year, NEW.record_type, NEW.due_week, NEW.due_at, new_v, new_s, 1);
    END IF;
    IF cardinality(rows) > 0 THEN
        PERFORM hoso_counts_apply(coalesce(NEW.tenant_id, OLD.tenant_id), rows);
    ELSIF TG_OP = 'UPDATE' THEN
        -- Nothing counted on either side (a withdrawn item edited): its school shows it still.
        PERFORM hoso_units_touch(NEW.tenant_id, ARRAY[NEW.unit_id]);
    END IF;
    IF old_v IS NOT NULL AND OLD.owner_user_id IS NOT NULL AND 1 = ANY (old_v) THEN
        PERFORM hoso_owner_counts_add(OLD.tenant_id, OLD.unit_id, OLD.owner_user_id, OLD.school_year, OLD.record_type, OLD.due_week, old_v, -1);
    END IF;
    IF new_v IS NOT NULL AND NEW.owner_user_id IS NOT NULL AND 1 = ANY (new_v) THEN
        PERFORM hoso_owner_counts_add(NEW.tenant_id, NEW.unit_id, NEW.owner_user_id, NEW.school_year, NEW.record_type, NEW.due_week, new_v, 1);
    END IF;
    RETURN NULL;
END $$;

-- The batch counter (the bulk load's and the rebuild's) counts the people's figures too.
CREATE OR REPLACE FUNCTION hoso_compliance_count(p_tenant bigint, p_schools bigint[]) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
DECLARE
    batch bigint[];
    done bigint := 0;
BEGIN
    FOR batch IN
        SELECT array_agg(id) FROM (
            SELECT id, (row_number() OVER (ORDER BY id) - 1) / 50 AS b
            FROM units WHERE tenant_id = p_tenant AND (p_schools IS NULL OR id = ANY (p_schools))
              AND EXISTS (SELECT 1 FROM obligations o WHERE o.tenant_id = p_tenant AND o.unit_id = units.id)) x
        GROUP BY b ORDER BY b
    LOOP
        PERFORM hoso_counts_apply(p_tenant, hoso_count_rows(p_tenant, batch, 1));
        PERFORM hoso_owner_counts_fill(p_tenant, batch);
        done := done + cardinality(batch);
    END LOOP;
    RETURN done;
END $$;

CREATE OR REPLACE FUNCTION hoso_compliance_rebuild(p_tenant bigint) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
BEGIN
    DELETE FROM compliance_counts WHERE tenant_id = p_tenant;
    DELETE FROM signature_counts WHERE tenant_id = p_tenant;
    DELETE FROM owner_counts WHERE tenant_id = p_tenant;
    RETURN hoso_compliance_count(p_tenant, NULL);
END $$;

-- Counted now for what exists, fifty schools at a time (as the batch counter does).
DO $$
DECLARE
    t bigint;
    batch bigint[];
BEGIN
    FOR t IN SELECT id FROM tenants ORDER BY id LOOP
        FOR batch IN
            SELECT array_agg(id) FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / 50 AS b FROM units WHERE tenant_id = t) x
            GROUP BY b ORDER BY b
        LOOP
            PERFORM hoso_owner_counts_fill(t, batch);
        END LOOP;
    END LOOP;
END $$;

-- 3. One statement for a request's session and actor: the session the token's hash names (with
--    its ages on `p_now`), the tenant a host selects, and the person with their grants. The tenant
--    for row-level security is set inside, for the rest of the statement only.
CREATE FUNCTION hoso_signed_in(p_hash bytea, p_now bigint, p_host text)
    RETURNS TABLE (tenant_id bigint, tenant_code text, user_id bigint, csrf_token text, age bigint, idle bigint,
                   host_tenant_id bigint, login text, display_name text,
                   roles text[], unit_ids bigint[], unit_codes text[], closed boolean[])
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
DECLARE
    s record;
BEGIN
    SELECT x.tenant_id, t.code, x.user_id, x.csrf_token,
           p_now - extract(epoch FROM x.created_at)::int8 AS age, p_now - extract(epoch FROM x.last_seen_at)::int8 AS idle
    INTO s
    FROM sessions x JOIN tenants t ON t.id = x.tenant_id
    WHERE x.token_hash = p_hash AND x.ended_at IS NULL;
    IF NOT FOUND THEN RETURN; END IF;
    PERFORM set_config('hoso.tenant_id', s.tenant_id::text, true);
    RETURN QUERY
    SELECT s.tenant_id, s.code, s.user_id, s.csrf_token, s.age, s.idle,
           (SELECT h.id FROM tenants h WHERE p_host <> '' AND lower(p_host) = ANY (h.hosts) LIMIT 1),
           u.login, u.display_name,
           coalesce(array_agg(g.role ORDER BY gu.path, g.role) FILTER (WHERE g.role IS NOT NULL), '{}'),
           coalesce(array_agg(g.unit_id ORDER BY gu.path, g.role) FILTER (WHERE g.role IS NOT NULL), '{}'),
           coalesce(array_agg(gu.code ORDER BY gu.path, g.role) FILTER (WHERE g.role IS NOT NULL), '{}'),
           coalesce(array_agg(gu.closes_on IS NOT NULL AND gu.closes_on <= current_date ORDER BY gu.path, g.role)
                    FILTER (WHERE g.role IS NOT NULL), '{}')
    FROM users u
    LEFT JOIN user_grants g ON g.tenant_id = s.tenant_id AND g.user_id = u.id
    LEFT JOIN units gu ON gu.id = g.unit_id
    WHERE u.tenant_id = s.tenant_id AND u.id = s.user_id
    GROUP BY u.login, u.display_name;
END $$;
GRANT EXECUTE ON FUNCTION hoso_signed_in(bytea, bigint, text) TO hoso_app;

-- One statement for a unit named by its code and its change counter. The code as stored is looked
-- up first: under row-level security a condition on upper(code) cannot use an index (upper() is
-- not leakproof), so the case-insensitive match (URLs typed by hand) is only the fallback.
CREATE FUNCTION hoso_unit_head(p_tenant bigint, p_code text)
    RETURNS TABLE (id bigint, tenant_id bigint, code text, parent_id bigint, path text, kind text, name_vi text, name_en text,
                   school_levels text[], opens_on text, closes_on text, closed boolean, counter bigint)
    LANGUAGE plpgsql
    AS $$
#variable_conflict use_column
BEGIN
    PERFORM set_config('hoso.tenant_id', p_tenant::text, true);
    RETURN QUERY
    SELECT u.id, u.tenant_id, u.code, u.parent_id, u.path::text, u.kind, u.name_vi, u.name_en, u.school_levels,
           u.opens_on::text, u.closes_on::text, coalesce(u.closes_on <= (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, false),
           c.counter
    FROM units u JOIN unit_changes c ON c.unit_id = u.id
    WHERE u.tenant_id = p_tenant AND u.code = p_code;
    IF FOUND THEN RETURN; END IF;
    RETURN QUERY
    SELECT u.id, u.tenant_id, u.code, u.parent_id, u.path::text, u.kind, u.name_vi, u.name_en, u.school_levels,
           u.opens_on::text, u.closes_on::text, coalesce(u.closes_on <= (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, false),
           c.counter
    FROM units u JOIN unit_changes c ON c.unit_id = u.id
    WHERE u.tenant_id = p_tenant AND upper(u.code) = upper(p_code)
    ORDER BY u.code LIMIT 1;
END $$;
GRANT EXECUTE ON FUNCTION hoso_unit_head(bigint, text) TO hoso_app;

REVOKE ALL ON FUNCTION hoso_units_touch(bigint, bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION hoso_owner_counts_merge(bigint, hoso_owner_row[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION hoso_owner_counts_add(bigint, bigint, bigint, text, text, int, int[], int) FROM PUBLIC;
REVOKE ALL ON FUNCTION hoso_owner_counts_fill(bigint, bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION hoso_tenant_touch() FROM PUBLIC;
REVOKE ALL ON FUNCTION hoso_unit_changes_row() FROM PUBLIC;
REVOKE ALL ON FUNCTION hoso_paper_copy_touch() FROM PUBLIC;
REVOKE ALL ON FUNCTION hoso_user_name_touch() FROM PUBLIC;
