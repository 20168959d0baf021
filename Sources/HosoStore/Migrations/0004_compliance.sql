-- Compliance figures, kept current in the transaction that changes an obligation.
--
-- Every obligation contributes a vector of counts (expected, on time, late by bucket, missing, not
-- yet due, awaiting approval, returned, approved, signed, locked, exempt). A trigger adds the
-- difference between a row's old and new vector to `compliance_counts` for its school and every
-- unit above it, keyed by school year, record type, the school's main level and the week of the
-- school year in which the item is due. A dashboard for any unit then reads a few hundred rows
-- of its own and its children's, whatever the size of the subtree.
--
-- The classification is the one of HosoCore's `ComplianceCounts.of` (tested against each other).

-- Week of the school year in which a time falls: 1 is the week of the calendar's first teaching
-- Monday, 0 anything before it. Weeks are Monday to Sunday in Asia/Ho_Chi_Minh.
CREATE FUNCTION hoso_year_week(at timestamptz, first_monday date) RETURNS int
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN (at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date < first_monday THEN 0
                      ELSE ((at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date - first_monday) / 7 + 1 END $$;

ALTER TABLE obligations ADD COLUMN due_week int NOT NULL DEFAULT 0;
UPDATE obligations o SET due_week = hoso_year_week(o.due_at, (c.definition ->> 'firstWeekMonday')::date)
FROM school_calendars c WHERE c.tenant_id = o.tenant_id AND c.school_year = o.school_year;

-- The vector, in this order:
--   1 expected  2 on_time  3 late_1_3  4 late_4_7  5 late_over_7  6 missing  7 not_due
--   8 awaiting  9 returned  10 approved  11 signed  12 locked  13 exempt
-- Withdrawn items count nowhere; exempt items only as exempt (completeness excludes them).
-- Lateness is decided once, by the first submission: days late are whole days begun.
CREATE FUNCTION hoso_compliance_vector(withdrawn boolean, exempt boolean, status text, state text,
                                       first_submitted_at timestamptz, due_at timestamptz) RETURNS int[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
DECLARE
    v int[] := array_fill(0, ARRAY[13]);
    days numeric;
BEGIN
    IF withdrawn THEN RETURN v; END IF;
    IF exempt THEN v[13] := 1; RETURN v; END IF;
    v[1] := 1;
    IF first_submitted_at IS NOT NULL THEN
        IF first_submitted_at <= due_at THEN
            v[2] := 1;
        ELSE
            days := ceil(extract(epoch FROM first_submitted_at - due_at) / 86400);
            IF days <= 3 THEN v[3] := 1; ELSIF days <= 7 THEN v[4] := 1; ELSE v[5] := 1; END IF;
        END IF;
    ELSIF status = 'missing' THEN
        v[6] := 1;
    ELSE
        v[7] := 1;
    END IF;
    CASE state
        WHEN 'awaiting' THEN v[8] := 1;
        WHEN 'returned', 'correcting' THEN v[9] := 1;
        WHEN 'approved' THEN IF status = 'signed' THEN v[11] := 1; ELSE v[10] := 1; END IF;
        WHEN 'locked' THEN v[12] := 1;
        ELSE NULL;
    END CASE;
    RETURN v;
END $$;

CREATE TABLE compliance_counts (
    tenant_id    bigint NOT NULL REFERENCES tenants (id),
    -- The school, or any unit above it: each row is a subtree's total.
    unit_id      bigint NOT NULL REFERENCES units (id),
    school_year  text NOT NULL,
    record_type  text NOT NULL,
    -- The school's main level (the first it lists), for the level filter.
    school_level text NOT NULL,
    due_week     int NOT NULL,
    expected     int NOT NULL DEFAULT 0,
    on_time      int NOT NULL DEFAULT 0,
    late_1_3     int NOT NULL DEFAULT 0,
    late_4_7     int NOT NULL DEFAULT 0,
    late_over_7  int NOT NULL DEFAULT 0,
    missing      int NOT NULL DEFAULT 0,
    not_due      int NOT NULL DEFAULT 0,
    awaiting     int NOT NULL DEFAULT 0,
    returned     int NOT NULL DEFAULT 0,
    approved     int NOT NULL DEFAULT 0,
    signed       int NOT NULL DEFAULT 0,
    locked       int NOT NULL DEFAULT 0,
    exempt       int NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, unit_id, school_year, record_type, school_level, due_week)
);

-- Adds `sign` times the vector to the counts of the school and every unit above it, for its week
-- and for week -1 ("every week of the year": a whole-year dashboard reads one row per unit, type
-- and level), root first: one lock order for every writer, so no two transactions wait in a circle.
CREATE FUNCTION hoso_compliance_add(p_tenant bigint, p_unit bigint, p_year text, p_type text, p_week int, v int[], sign int)
    RETURNS void LANGUAGE sql
    AS $$
    INSERT INTO compliance_counts AS c (tenant_id, unit_id, school_year, record_type, school_level, due_week,
        expected, on_time, late_1_3, late_4_7, late_over_7, missing, not_due, awaiting, returned, approved, signed, locked, exempt)
    SELECT p_tenant, a.id, p_year, p_type, coalesce(s.school_levels[1], ''), w.week,
           sign * v[1], sign * v[2], sign * v[3], sign * v[4], sign * v[5], sign * v[6], sign * v[7],
           sign * v[8], sign * v[9], sign * v[10], sign * v[11], sign * v[12], sign * v[13]
    FROM units s JOIN units a ON a.tenant_id = s.tenant_id AND a.path @> s.path
    CROSS JOIN (VALUES (-1), (p_week)) AS w (week)
    WHERE s.id = p_unit
    ORDER BY nlevel(a.path), w.week
    ON CONFLICT (tenant_id, unit_id, school_year, record_type, school_level, due_week) DO UPDATE SET
        expected = c.expected + excluded.expected, on_time = c.on_time + excluded.on_time,
        late_1_3 = c.late_1_3 + excluded.late_1_3, late_4_7 = c.late_4_7 + excluded.late_4_7,
        late_over_7 = c.late_over_7 + excluded.late_over_7, missing = c.missing + excluded.missing,
        not_due = c.not_due + excluded.not_due, awaiting = c.awaiting + excluded.awaiting,
        returned = c.returned + excluded.returned, approved = c.approved + excluded.approved,
        signed = c.signed + excluded.signed, locked = c.locked + excluded.locked, exempt = c.exempt + excluded.exempt
$$;

-- The trigger runs as the owner: the application reads the counts but cannot write them.
CREATE FUNCTION hoso_obligations_count() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
DECLARE
    old_v int[];
    new_v int[];
BEGIN
    -- A bulk load by the owner (`hoso demo generate`) counts its rows itself, a batch at a time.
    IF current_setting('hoso.bulk_load', true) = 'on'
       AND (SELECT oid FROM pg_roles WHERE rolname = session_user) = (SELECT relowner FROM pg_class WHERE oid = 'public.obligations'::regclass) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_v := hoso_compliance_vector(OLD.withdrawn, OLD.exempt_reason IS NOT NULL, OLD.status, OLD.state, OLD.first_submitted_at, OLD.due_at);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_v := hoso_compliance_vector(NEW.withdrawn, NEW.exempt_reason IS NOT NULL, NEW.status, NEW.state, NEW.first_submitted_at, NEW.due_at);
    END IF;
    IF TG_OP = 'UPDATE' AND old_v = new_v
       AND (OLD.unit_id, OLD.school_year, OLD.record_type, OLD.due_week) = (NEW.unit_id, NEW.school_year, NEW.record_type, NEW.due_week) THEN
        RETURN NULL;
    END IF;
    IF old_v IS NOT NULL AND 1 = ANY (old_v) THEN
        PERFORM hoso_compliance_add(OLD.tenant_id, OLD.unit_id, OLD.school_year, OLD.record_type, OLD.due_week, old_v, -1);
    END IF;
    IF new_v IS NOT NULL AND 1 = ANY (new_v) THEN
        PERFORM hoso_compliance_add(NEW.tenant_id, NEW.unit_id, NEW.school_year, NEW.record_type, NEW.due_week, new_v, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER obligations_compliance AFTER INSERT OR UPDATE OR DELETE ON obligations
    FOR EACH ROW EXECUTE FUNCTION hoso_obligations_count();

-- Adds the counts of some schools' items (all the tenant's when `p_schools` is NULL) to the totals
-- of those schools and every unit above them, weekly and for the whole year (week -1), in one pass.
CREATE FUNCTION hoso_compliance_count(p_tenant bigint, p_schools bigint[]) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
DECLARE
    written bigint;
BEGIN
    -- MATERIALIZED: each item's vector is computed once, not once per sum.
    WITH per_school AS MATERIALIZED (
        SELECT o.unit_id, o.school_year, o.record_type, o.due_week,
               hoso_compliance_vector(o.withdrawn, o.exempt_reason IS NOT NULL, o.status, o.state, o.first_submitted_at, o.due_at) AS v
        FROM obligations o
        WHERE o.tenant_id = p_tenant AND NOT o.withdrawn AND (p_schools IS NULL OR o.unit_id = ANY (p_schools))
    ), summed AS (
        SELECT unit_id, school_year, record_type, due_week,
               sum(v[1]) e, sum(v[2]) ot, sum(v[3]) l1, sum(v[4]) l4, sum(v[5]) l8, sum(v[6]) mi, sum(v[7]) nd,
               sum(v[8]) aw, sum(v[9]) re, sum(v[10]) ap, sum(v[11]) si, sum(v[12]) lo, sum(v[13]) ex
        FROM per_school GROUP BY unit_id, school_year, record_type, due_week
    )
    INSERT INTO compliance_counts AS c (tenant_id, unit_id, school_year, record_type, school_level, due_week,
        expected, on_time, late_1_3, late_4_7, late_over_7, missing, not_due, awaiting, returned, approved, signed, locked, exempt)
    SELECT p_tenant, a.id, x.school_year, x.record_type, coalesce(s.school_levels[1], ''), w.week,
           sum(e), sum(ot), sum(l1), sum(l4), sum(l8), sum(mi), sum(nd), sum(aw), sum(re), sum(ap), sum(si), sum(lo), sum(ex)
    FROM summed x
    JOIN units s ON s.id = x.unit_id
    JOIN units a ON a.tenant_id = s.tenant_id AND a.path @> s.path
    CROSS JOIN LATERAL (VALUES (-1), (x.due_week)) AS w (week)
    GROUP BY a.id, x.school_year, x.record_type, coalesce(s.school_levels[1], ''), w.week
    ORDER BY min(nlevel(a.path)), a.id, w.week
    ON CONFLICT (tenant_id, unit_id, school_year, record_type, school_level, due_week) DO UPDATE SET
        expected = c.expected + excluded.expected, on_time = c.on_time + excluded.on_time,
        late_1_3 = c.late_1_3 + excluded.late_1_3, late_4_7 = c.late_4_7 + excluded.late_4_7,
        late_over_7 = c.late_over_7 + excluded.late_over_7, missing = c.missing + excluded.missing,
        not_due = c.not_due + excluded.not_due, awaiting = c.awaiting + excluded.awaiting,
        returned = c.returned + excluded.returned, approved = c.approved + excluded.approved,
        signed = c.signed + excluded.signed, locked = c.locked + excluded.locked, exempt = c.exempt + excluded.exempt;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END $$;

-- Recomputes a tenant's counts from its obligations (to prove the counts: the tests compare both).
CREATE FUNCTION hoso_compliance_rebuild(p_tenant bigint) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
BEGIN
    DELETE FROM compliance_counts WHERE tenant_id = p_tenant;
    RETURN hoso_compliance_count(p_tenant, NULL);
END $$;

SELECT hoso_compliance_rebuild(id) FROM tenants;

-- The whole-year rows of every unit, read without walking the weekly ones.
CREATE INDEX compliance_year_idx ON compliance_counts (tenant_id, school_year, unit_id, record_type) WHERE due_week = -1;

-- "Late and by whom", reminders and the drill-down to items read obligations by unit and due week.
CREATE INDEX obligations_week_idx ON obligations (tenant_id, unit_id, school_year, due_week) WHERE NOT withdrawn;

ALTER TABLE compliance_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON compliance_counts
    USING (tenant_id = hoso_current_tenant()) WITH CHECK (tenant_id = hoso_current_tenant());
GRANT SELECT ON compliance_counts TO hoso_app;
REVOKE ALL ON FUNCTION hoso_compliance_rebuild(bigint) FROM PUBLIC;
-- A tenant import that moves a school recounts (it only ever recomputes from the rows).
GRANT EXECUTE ON FUNCTION hoso_compliance_rebuild(bigint) TO hoso_app;
REVOKE ALL ON FUNCTION hoso_compliance_count(bigint, bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION hoso_compliance_add(bigint, bigint, text, text, int, int[], int) FROM PUBLIC;

-- A bulk load (`hoso demo generate`) writes items and their versions in one transaction, each
-- naming the other: the two references are checked at commit when it asks for that.
ALTER TABLE obligations ALTER CONSTRAINT obligations_current_version_id_fkey DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE record_versions ALTER CONSTRAINT record_versions_obligation_id_fkey DEFERRABLE INITIALLY IMMEDIATE;
