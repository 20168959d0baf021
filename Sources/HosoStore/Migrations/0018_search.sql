-- Search (issue 19): units, people and record types by name, code or login, Vietnamese-aware.
-- `hoso_fold` is what both sides are compared as: without marks (unaccent), đ as d, lower case;
-- writers store NFC (Normalize.nfc), and the server folds the query the same way. Trigram indexes
-- (pg_trgm) over the folded text serve `LIKE '%…%'`.
--
-- Under row-level security the planner may not use an index for a non-leakproof operator such as
-- LIKE before the tenant's policy, so every search would scan the tenant's people. `hoso_search`
-- therefore runs as the owner (SECURITY DEFINER) and filters by `hoso_current_tenant()` itself,
-- which only the caller's own transaction sets, and by the caller's scope (the units of their grants
-- and everything below them): nothing outside both is ever returned. A person is in scope through
-- a school they work at, a group they belong to or a grant, at a unit inside it.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION hoso_fold(p text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT SET search_path = public
    AS $$ SELECT lower(unaccent('unaccent'::regdictionary, translate(p, 'đĐ', 'dD'))) $$;

CREATE INDEX units_search_idx ON units USING gin (hoso_fold(code || ' ' || name_vi || ' ' || name_en) gin_trgm_ops);
CREATE INDEX users_search_idx ON users USING gin (hoso_fold(display_name || ' ' || login) gin_trgm_ops);
CREATE INDEX school_staff_user_idx ON school_staff (user_id);

-- `p_query`: as typed (the server trims it to 2–100 characters); it is folded and LIKE's own
-- characters are escaped here. `p_scope`: the caller's grant units. At most `p_limit` of each kind, best first:
-- an exact code or login, then names that start with the query, then by trigram similarity.
CREATE FUNCTION hoso_search(p_query text, p_scope bigint[], p_limit int)
    RETURNS TABLE (kind text, id bigint, code text, name_vi text, name_en text, place text, rank real)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public
    AS $$
#variable_conflict use_column
DECLARE
    v_tenant bigint := hoso_current_tenant();
    -- NFD input (a keyboard's combining marks) finds NFC names.
    v_fold text := hoso_fold(normalize(p_query, NFC));
    v_escaped text := replace(replace(replace(v_fold, '\', '\\'), '%', '\%'), '_', '\_');
    v_like text := '%' || v_escaped || '%';
    v_start text := v_escaped || '%';
    v_paths ltree[];
BEGIN
    IF v_tenant IS NULL OR length(v_fold) < 2 OR cardinality(p_scope) = 0 THEN RETURN; END IF;
    -- The scope: the grant units' paths (a unit is inside when its path lies under one of them).
    v_paths := ARRAY(SELECT g.path FROM units g WHERE g.tenant_id = v_tenant AND g.id = ANY (p_scope));

    RETURN QUERY
    SELECT 'unit'::text, u.id, u.code, u.name_vi, u.name_en, coalesce(pu.code, ''),
           (CASE WHEN lower(u.code) = v_fold THEN 3 ELSE 0 END
            + CASE WHEN hoso_fold(u.name_vi) LIKE v_start OR hoso_fold(u.name_en) LIKE v_start THEN 1 ELSE 0 END
            + similarity(hoso_fold(u.code || ' ' || u.name_vi || ' ' || u.name_en), v_fold))::real AS r
    FROM units u LEFT JOIN units pu ON pu.id = u.parent_id
    WHERE u.tenant_id = v_tenant AND hoso_fold(u.code || ' ' || u.name_vi || ' ' || u.name_en) LIKE v_like
      AND u.path <@ ANY (v_paths)
    ORDER BY r DESC, u.name_vi, u.id
    LIMIT p_limit;

    RETURN QUERY
    SELECT 'person'::text, p.id, p.login, p.display_name, p.display_name, coalesce(w.code, ''),
           (CASE WHEN lower(p.login) = v_fold THEN 3 ELSE 0 END
            + CASE WHEN hoso_fold(p.display_name) LIKE v_start THEN 1 ELSE 0 END
            + similarity(hoso_fold(p.display_name || ' ' || p.login), v_fold))::real AS r
    FROM users p
    CROSS JOIN LATERAL (
        SELECT wu.code FROM (
            SELECT st.unit_id, 1 AS o FROM school_staff st WHERE st.user_id = p.id
            UNION ALL
            SELECT sg.unit_id, 2 FROM group_members gm JOIN school_groups sg ON sg.id = gm.group_id WHERE gm.user_id = p.id
            UNION ALL
            SELECT ug.unit_id, 3 FROM user_grants ug WHERE ug.user_id = p.id
        ) a JOIN units wu ON wu.id = a.unit_id
        WHERE wu.path <@ ANY (v_paths)
        ORDER BY a.o, wu.code LIMIT 1
    ) w
    WHERE p.tenant_id = v_tenant AND hoso_fold(p.display_name || ' ' || p.login) LIKE v_like
    ORDER BY r DESC, p.display_name, p.id
    LIMIT p_limit;

    RETURN QUERY
    SELECT 'type'::text, 0::bigint, t.code, t.name_vi, t.name_en, t.school_year, t.r
    FROM (
        SELECT DISTINCT ON (rt.code) rt.code, rt.name_vi, rt.name_en, rs.school_year,
               (CASE WHEN lower(rt.code) = v_fold THEN 3 ELSE 0 END
                + CASE WHEN hoso_fold(rt.name_vi) LIKE v_start OR hoso_fold(rt.name_en) LIKE v_start THEN 1 ELSE 0 END
                + similarity(hoso_fold(rt.code || ' ' || rt.name_vi || ' ' || rt.name_en), v_fold))::real AS r
        FROM record_types rt JOIN rule_sets rs ON rs.id = rt.rule_set_id
        WHERE rt.tenant_id = v_tenant AND hoso_fold(rt.code || ' ' || rt.name_vi || ' ' || rt.name_en) LIKE v_like
        ORDER BY rt.code, rs.school_year DESC, rs.version DESC
    ) t
    ORDER BY t.r DESC, t.name_vi
    LIMIT p_limit;
END
$$;
REVOKE ALL ON FUNCTION hoso_search(text, bigint[], int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hoso_search(text, bigint[], int) TO hoso_app;
GRANT EXECUTE ON FUNCTION hoso_fold(text) TO hoso_app;
