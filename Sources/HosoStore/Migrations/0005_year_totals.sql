-- Whole-year totals next to the weekly ones: each count is also kept under week -1, "every week
-- of the year", so that the usual dashboard (a whole school year) reads one row per unit, record
-- type and level instead of one per week. A week range still reads weeks 0 and up.

CREATE OR REPLACE FUNCTION hoso_compliance_add(p_tenant bigint, p_unit bigint, p_year text, p_type text, p_week int, v int[], sign int)
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

CREATE OR REPLACE FUNCTION hoso_compliance_count(p_tenant bigint, p_schools bigint[]) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
DECLARE
    written bigint;
BEGIN
    WITH per_school AS (
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

-- The existing weekly counts, summed once into their year rows.
INSERT INTO compliance_counts (tenant_id, unit_id, school_year, record_type, school_level, due_week,
    expected, on_time, late_1_3, late_4_7, late_over_7, missing, not_due, awaiting, returned, approved, signed, locked, exempt)
SELECT tenant_id, unit_id, school_year, record_type, school_level, -1,
       sum(expected), sum(on_time), sum(late_1_3), sum(late_4_7), sum(late_over_7), sum(missing), sum(not_due), sum(awaiting),
       sum(returned), sum(approved), sum(signed), sum(locked), sum(exempt)
FROM compliance_counts WHERE due_week >= 0
GROUP BY tenant_id, unit_id, school_year, record_type, school_level;
