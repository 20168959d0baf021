-- The compliance vector as one SQL expression, which the planner inlines into the queries that
-- group items by person or list them by figure (a PL/pgSQL call per row cost more than the rest).
-- Same classification as 0004 (and HosoCore's ComplianceCounts.of): the tests compare them.
CREATE OR REPLACE FUNCTION hoso_compliance_vector(withdrawn boolean, exempt boolean, status text, state text,
                                                  first_submitted_at timestamptz, due_at timestamptz) RETURNS int[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE
        WHEN withdrawn THEN '{0,0,0,0,0,0,0,0,0,0,0,0,0}'::int[]
        WHEN exempt THEN '{0,0,0,0,0,0,0,0,0,0,0,0,1}'::int[]
        ELSE ARRAY[
            1,
            coalesce(first_submitted_at <= due_at, false)::int,
            coalesce(first_submitted_at > due_at AND first_submitted_at <= due_at + interval '3 days', false)::int,
            coalesce(first_submitted_at > due_at + interval '3 days' AND first_submitted_at <= due_at + interval '7 days', false)::int,
            coalesce(first_submitted_at > due_at + interval '7 days', false)::int,
            (first_submitted_at IS NULL AND status = 'missing')::int,
            (first_submitted_at IS NULL AND status <> 'missing')::int,
            (state = 'awaiting')::int,
            (state IN ('returned', 'correcting'))::int,
            (state = 'approved' AND status <> 'signed')::int,
            (state = 'approved' AND status = 'signed')::int,
            (state = 'locked')::int,
            0]
    END
$$;
