-- The effective-dated tree (the 2025 map): a unit's parent holds from a legal date, and the kept
-- counts are kept on two bases.
--
-- * As it stood: an item counts under the ancestors its school had on the item's due date.
-- * As it is now: an item counts under its school's ancestors today.
--
-- Both bases share one table. A row's `basis` says which reading includes it: 'b' (both), 's'
-- (as it stood only) or 'n' (now only). An item whose school had the same ancestors on its due
-- date as today writes only 'b' rows. Only the ancestors that differ between the two paths get 's'
-- and 'n' rows. A tenant that never moved anything keeps exactly the rows it kept before.
--
-- A move dated D changes the as-it-stood path only for items due on or after D. Items due before
-- D keep their as-it-stood rows as they were, so a move never rewrites the past. Those earlier
-- items do move in the now basis: their 'b' rows for the old, no-longer-shared ancestors are
-- split into 's' rows (old ancestors) and 'n' rows (new ancestors).

-- 1. The history by legal date. A unit's first interval reaches back to the beginning, so an item
--    due before the unit was imported still counts under the parent it was imported with.
ALTER TABLE unit_parent_history
    ALTER COLUMN valid_from TYPE date USING (valid_from AT TIME ZONE 'Asia/Ho_Chi_Minh')::date,
    ALTER COLUMN valid_to TYPE date USING (valid_to AT TIME ZONE 'Asia/Ho_Chi_Minh')::date;
DELETE FROM unit_parent_history WHERE valid_to IS NOT NULL AND valid_to <= valid_from;
UPDATE unit_parent_history h SET valid_from = '-infinity'
WHERE NOT EXISTS (SELECT 1 FROM unit_parent_history e WHERE e.unit_id = h.unit_id AND e.valid_from < h.valid_from);
INSERT INTO unit_parent_history (tenant_id, unit_id, parent_id, valid_from)
SELECT u.tenant_id, u.id, u.parent_id, '-infinity' FROM units u
WHERE NOT EXISTS (SELECT 1 FROM unit_parent_history h WHERE h.unit_id = u.id);
ALTER TABLE unit_parent_history ADD CONSTRAINT unit_parent_history_span CHECK (valid_to IS NULL OR valid_to > valid_from);
ALTER TABLE unit_parent_history ADD CONSTRAINT unit_parent_history_once UNIQUE (unit_id, valid_from);
-- The tenant file states a unit's history; an import that corrects it replaces the unit's rows.
GRANT DELETE ON unit_parent_history TO hoso_app;

-- The unit that takes over a closed unit's open business (inspections it issued), from the file.
ALTER TABLE units ADD COLUMN successor_id bigint REFERENCES units (id);

-- Why an item is no longer expected: 'closed' when its school closed before it was due (a
-- reopening brings those back); NULL for the older reasons (the person left, the book left).
ALTER TABLE obligations ADD COLUMN withdrawn_reason text CHECK (withdrawn_reason IN ('closed'));

-- Where each unit in an inspection's scope hung when the inspection was planned: an inspection
-- of a school that moves (even by a move dated back) continues under its issuer.
ALTER TABLE inspection_units ADD COLUMN planned_path ltree;
UPDATE inspection_units x SET planned_path = u.path FROM units u WHERE u.id = x.unit_id;
CREATE FUNCTION hoso_inspection_unit_path() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.planned_path := (SELECT u.path FROM units u WHERE u.id = NEW.unit_id);
    RETURN NEW;
END $$;
CREATE TRIGGER inspection_units_planned_path BEFORE INSERT ON inspection_units
    FOR EACH ROW EXECUTE FUNCTION hoso_inspection_unit_path();

-- 2. Each unit's path from the root over time, derived from the history: one row per interval in
--    which neither the unit nor any of its ancestors moved. `valid_to` is 'infinity' when open.
CREATE TABLE unit_paths (
    tenant_id  bigint NOT NULL REFERENCES tenants (id),
    unit_id    bigint NOT NULL REFERENCES units (id),
    valid_from date NOT NULL,
    valid_to   date NOT NULL,
    path       ltree NOT NULL,
    PRIMARY KEY (unit_id, valid_from),
    CHECK (valid_to > valid_from)
);
CREATE INDEX unit_paths_path_idx ON unit_paths USING gist (path);

CREATE FUNCTION hoso_unit_paths_compute(p_tenant bigint)
    RETURNS TABLE (unit_id bigint, valid_from date, valid_to date, path ltree)
    LANGUAGE sql STABLE
    AS $$
    WITH RECURSIVE h AS (
        SELECT h.unit_id, h.parent_id, h.valid_from,
               coalesce(lead(h.valid_from) OVER (PARTITION BY h.unit_id ORDER BY h.valid_from), 'infinity'::date) AS valid_to
        FROM unit_parent_history h WHERE h.tenant_id = p_tenant
    ), p AS (
        SELECT h.unit_id, h.valid_from, h.valid_to, h.unit_id::text::ltree AS path
        FROM h WHERE h.parent_id IS NULL
        UNION ALL
        SELECT h.unit_id, greatest(h.valid_from, p.valid_from), least(h.valid_to, p.valid_to), p.path || h.unit_id::text
        FROM h JOIN p ON h.parent_id = p.unit_id AND h.valid_from < p.valid_to AND p.valid_from < h.valid_to
        -- The file's validation refuses a tree that is a cycle on any date; this only stops a bad row.
        WHERE nlevel(p.path) < 64
    )
    SELECT unit_id, valid_from, valid_to, path FROM p
$$;

INSERT INTO unit_paths (tenant_id, unit_id, valid_from, valid_to, path)
SELECT t.id, p.* FROM tenants t CROSS JOIN LATERAL hoso_unit_paths_compute(t.id) p;

-- 3. The counts on two bases.
ALTER TABLE compliance_counts ADD COLUMN basis "char" NOT NULL DEFAULT 'b' CHECK (basis IN ('b', 's', 'n'));
ALTER TABLE compliance_counts DROP CONSTRAINT compliance_counts_pkey;
ALTER TABLE compliance_counts ADD PRIMARY KEY (tenant_id, unit_id, school_year, record_type, school_level, due_week, basis);
ALTER TABLE signature_counts ADD COLUMN basis "char" NOT NULL DEFAULT 'b' CHECK (basis IN ('b', 's', 'n'));
ALTER TABLE signature_counts DROP CONSTRAINT signature_counts_pkey;
ALTER TABLE signature_counts ADD PRIMARY KEY (tenant_id, unit_id, school_year, basis);
DROP INDEX compliance_year_idx;
CREATE INDEX compliance_year_idx ON compliance_counts (tenant_id, school_year, unit_id, record_type) WHERE due_week = -1;

-- The units of the two paths of an item: each with its depth (root first) and the basis it
-- counts in ('b' when it is an ancestor on both).
CREATE FUNCTION hoso_path_units(stood ltree, now ltree) RETURNS TABLE (unit_id bigint, depth int, basis "char")
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT x.id, min(x.d)::int, CASE WHEN count(*) = 2 THEN 'b'::"char" ELSE min(x.b)::"char" END
    FROM (SELECT t.id::bigint AS id, t.d, 's' AS b FROM unnest(string_to_array(ltree2text(coalesce(stood, now)), '.')) WITH ORDINALITY AS t (id, d)
          UNION ALL
          SELECT t.id::bigint, t.d, 'n' FROM unnest(string_to_array(ltree2text(now), '.')) WITH ORDINALITY AS t (id, d)) x
    GROUP BY x.id
$$;

-- What an item adds to the kept counts: its school, year, type, week, its two paths, its
-- compliance vector and its signature pair (signed, invalid), each times a sign.
CREATE TYPE hoso_count_row AS (
    unit_id bigint, school_year text, record_type text, due_week int, stood ltree, now ltree, v int[], si int, inv int
);

-- Signed and invalid current versions count as compliance does: withdrawn items nowhere.
CREATE FUNCTION hoso_signature_pair(withdrawn boolean, state text) RETURNS int[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN withdrawn THEN ARRAY[0, 0] ELSE ARRAY[(state = 'signed')::int, (state = 'invalid')::int] END $$;

-- The rows of some units' items (all the tenant's when `p_units` is NULL), summed per key and path,
-- each path read as it is in unit_paths and units at the time of the call.
CREATE FUNCTION hoso_count_rows(p_tenant bigint, p_units bigint[], sign int) RETURNS hoso_count_row[]
    LANGUAGE sql STABLE
    AS $$
    SELECT coalesce(array_agg(ROW(x.unit_id, x.school_year, x.record_type, x.due_week, x.stood, x.now, x.v, x.si, x.inv)::hoso_count_row), '{}')
    FROM (
        SELECT o.unit_id, o.school_year, o.record_type, o.due_week, coalesce(p.path, u.path) AS stood, u.path AS now,
               sum(o.s[1])::int * sign AS si, sum(o.s[2])::int * sign AS inv,
               ARRAY[sum(o.v[1]) * sign, sum(o.v[2]) * sign, sum(o.v[3]) * sign, sum(o.v[4]) * sign, sum(o.v[5]) * sign,
                     sum(o.v[6]) * sign, sum(o.v[7]) * sign, sum(o.v[8]) * sign, sum(o.v[9]) * sign, sum(o.v[10]) * sign,
                     sum(o.v[11]) * sign, sum(o.v[12]) * sign, sum(o.v[13]) * sign]::int[] AS v
        FROM (SELECT o.unit_id, o.school_year, o.record_type, o.due_week, (o.due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS due,
                     hoso_compliance_vector(o.withdrawn, o.exempt_reason IS NOT NULL, o.status, o.state, o.first_submitted_at, o.due_at) AS v,
                     hoso_signature_pair(o.withdrawn, o.signature_state) AS s
              FROM obligations o
              WHERE o.tenant_id = p_tenant AND NOT o.withdrawn AND (p_units IS NULL OR o.unit_id = ANY (p_units))
              OFFSET 0) o -- a fence: each item's vector is computed once
        JOIN units u ON u.id = o.unit_id
        LEFT JOIN unit_paths p ON p.unit_id = o.unit_id AND p.valid_from <= o.due AND o.due < p.valid_to
        GROUP BY o.unit_id, o.school_year, o.record_type, o.due_week, coalesce(p.path, u.path), u.path
    ) x
$$;

-- Adds rows to compliance_counts and signature_counts for their schools and every unit on either
-- path, weekly and for the whole year (week -1). Keys whose sums are all zero are not written.
-- Root first, then by id: one lock order for every writer, so no two transactions wait in a circle.
-- (PL/pgSQL, not SQL: its two statements are planned once per session, not at every call.)
CREATE FUNCTION hoso_counts_apply(p_tenant bigint, p_rows hoso_count_row[]) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
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

-- One item's row: its as-it-stood path is its school's path on the due date.
CREATE FUNCTION hoso_count_row_of(p_unit bigint, p_year text, p_type text, p_week int, p_due timestamptz,
                                  v int[], s int[], sign int) RETURNS hoso_count_row
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    due date := (p_due AT TIME ZONE 'Asia/Ho_Chi_Minh')::date;
    now_path ltree;
    stood_path ltree;
    signed int[] := v;
BEGIN
    SELECT u.path INTO now_path FROM units u WHERE u.id = p_unit;
    SELECT p.path INTO stood_path FROM unit_paths p WHERE p.unit_id = p_unit AND p.valid_from <= due AND due < p.valid_to;
    IF sign <> 1 THEN
        FOR i IN 1 .. cardinality(v) LOOP signed[i] := v[i] * sign; END LOOP;
    END IF;
    RETURN ROW(p_unit, p_year, p_type, p_week, coalesce(stood_path, now_path), now_path, signed, s[1] * sign, s[2] * sign)::hoso_count_row;
END $$;

-- The obligations' trigger keeps both tables (it replaces the two triggers of 0004 and 0006).
DROP TRIGGER obligations_signature_count ON obligations;
DROP FUNCTION hoso_signature_count();
DROP FUNCTION hoso_compliance_add(bigint, bigint, text, text, int, int[], int);

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
    END IF;
    RETURN NULL;
END $$;

-- Adds the counts of some schools' items (all the tenant's when `p_schools` is NULL), a batch of
-- schools at a time (one array of rows per batch, not one per tenant).
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
        done := done + cardinality(batch);
    END LOOP;
    RETURN done;
END $$;

-- Recomputes a tenant's kept counts (both tables, both bases) from its items and the history.
CREATE OR REPLACE FUNCTION hoso_compliance_rebuild(p_tenant bigint) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
BEGIN
    DELETE FROM compliance_counts WHERE tenant_id = p_tenant;
    DELETE FROM signature_counts WHERE tenant_id = p_tenant;
    RETURN hoso_compliance_count(p_tenant, NULL);
END $$;

-- Brings a tenant's derived tree up to its history and to `p_today`: the paths over time, each
-- unit's parent and path today, and the kept counts of the items of every unit whose paths
-- changed. The rows of such an item are taken out as they were counted and added as they count
-- now, summed per key. An item whose two paths did not change adds nothing, and its rows are not
-- written. Called by the tenant import after it writes the history, by the merger, and daily
-- (a move dated in the future takes effect on its day). Returns how many units' paths changed.
CREATE FUNCTION hoso_tree_apply(p_tenant bigint, p_today date) RETURNS int
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
DECLARE
    changed bigint[];
    old_rows hoso_count_row[];
BEGIN
    -- One change of a tenant's tree at a time (the import also holds its own lock).
    PERFORM pg_advisory_xact_lock(14015, p_tenant::int);
    WITH fresh AS (SELECT * FROM hoso_unit_paths_compute(p_tenant)),
         old AS (SELECT unit_id, valid_from, valid_to, path FROM unit_paths WHERE tenant_id = p_tenant),
         diff AS ((SELECT * FROM fresh EXCEPT SELECT * FROM old) UNION ALL (SELECT * FROM old EXCEPT SELECT * FROM fresh))
    SELECT array_agg(DISTINCT id) INTO changed FROM (
        SELECT unit_id AS id FROM diff
        UNION
        SELECT u.id FROM units u JOIN fresh f ON f.unit_id = u.id
        WHERE u.tenant_id = p_tenant AND f.valid_from <= p_today AND p_today < f.valid_to AND u.path <> f.path) x;
    IF changed IS NULL THEN RETURN 0; END IF;
    old_rows := hoso_count_rows(p_tenant, changed, -1);
    DELETE FROM unit_paths WHERE tenant_id = p_tenant AND unit_id = ANY (changed);
    INSERT INTO unit_paths (tenant_id, unit_id, valid_from, valid_to, path)
    SELECT p_tenant, f.unit_id, f.valid_from, f.valid_to, f.path FROM hoso_unit_paths_compute(p_tenant) f WHERE f.unit_id = ANY (changed);
    UPDATE units u SET path = p.path, parent_id = h.parent_id, updated_at = now()
    FROM unit_paths p, unit_parent_history h
    WHERE u.tenant_id = p_tenant AND u.id = ANY (changed)
      AND p.unit_id = u.id AND p.valid_from <= p_today AND p_today < p.valid_to
      AND h.unit_id = u.id AND h.valid_from <= p_today AND (h.valid_to IS NULL OR p_today < h.valid_to)
      AND (u.path, u.parent_id) IS DISTINCT FROM (p.path, h.parent_id);
    PERFORM hoso_counts_apply(p_tenant, old_rows || hoso_count_rows(p_tenant, changed, 1));
    RETURN cardinality(changed);
END $$;

-- Recomputes a tenant's derived tree and every kept count from the rows, whole: for a change of
-- the whole tenant at once (a province merger), where counting only the moved items would touch
-- nearly everything anyway.
CREATE FUNCTION hoso_tree_rebuild(p_tenant bigint, p_today date) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(14015, p_tenant::int);
    DELETE FROM unit_paths WHERE tenant_id = p_tenant;
    INSERT INTO unit_paths (tenant_id, unit_id, valid_from, valid_to, path)
    SELECT p_tenant, f.unit_id, f.valid_from, f.valid_to, f.path FROM hoso_unit_paths_compute(p_tenant) f;
    UPDATE units u SET path = p.path, parent_id = h.parent_id, updated_at = now()
    FROM unit_paths p, unit_parent_history h
    WHERE u.tenant_id = p_tenant
      AND p.unit_id = u.id AND p.valid_from <= p_today AND p_today < p.valid_to
      AND h.unit_id = u.id AND h.valid_from <= p_today AND (h.valid_to IS NULL OR p_today < h.valid_to)
      AND (u.path, u.parent_id) IS DISTINCT FROM (p.path, h.parent_id);
    RETURN hoso_compliance_rebuild(p_tenant);
END $$;

SELECT hoso_compliance_rebuild(id) FROM tenants;

ALTER TABLE unit_paths ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON unit_paths
    USING (tenant_id = hoso_current_tenant()) WITH CHECK (tenant_id = hoso_current_tenant());
GRANT SELECT ON unit_paths TO hoso_app;
REVOKE ALL ON FUNCTION hoso_tree_apply(bigint, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hoso_tree_apply(bigint, date) TO hoso_app;
REVOKE ALL ON FUNCTION hoso_tree_rebuild(bigint, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hoso_tree_rebuild(bigint, date) TO hoso_app;
REVOKE ALL ON FUNCTION hoso_counts_apply(bigint, hoso_count_row[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION hoso_count_rows(bigint, bigint[], int) FROM PUBLIC;
REVOKE ALL ON FUNCTION hoso_count_row_of(bigint, text, text, int, timestamptz, int[], int[], int) FROM PUBLIC;
