-- Search (issue 19), measured on the large province: a query of two letters ("le") has no trigram,
-- so `LIKE '%le%'` scanned every person of the tenant (100,000) and timed out. Short queries now
-- find names that start with them, read in the order of a btree index over the folded names (the
-- scan stops once enough in scope are found), and exact codes and logins; three letters and more
-- are as before.
CREATE INDEX users_search_prefix_idx ON users (tenant_id, (hoso_fold(display_name) COLLATE "C"));
CREATE INDEX users_login_lower_idx ON users (tenant_id, lower(login));
CREATE INDEX group_members_member_idx ON group_members (user_id);

-- Where a person is inside a searcher's scope (`p_paths`: their grants' units): the first school
-- they work at, else a group's school, else a grant's unit, under one of the paths; NULL outside.
CREATE FUNCTION hoso_person_place(p_user bigint, p_paths ltree[]) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT wu.code FROM (
        SELECT st.unit_id, 1 AS o FROM school_staff st WHERE st.user_id = p_user
        UNION ALL
        SELECT sg.unit_id, 2 FROM group_members gm JOIN school_groups sg ON sg.id = gm.group_id WHERE gm.user_id = p_user
        UNION ALL
        SELECT ug.unit_id, 3 FROM user_grants ug WHERE ug.user_id = p_user
    ) a JOIN units wu ON wu.id = a.unit_id
    WHERE wu.path <@ ANY (p_paths)
    ORDER BY a.o, wu.code LIMIT 1
$$;
REVOKE ALL ON FUNCTION hoso_person_place(bigint, ltree[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION hoso_search(p_query text, p_scope bigint[], p_limit int)
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
    -- Fewer than 3 letters have no trigram: names that start with them, and exact codes and logins.
    v_short boolean := length(hoso_fold(normalize(p_query, NFC))) < 3;
    v_found int := 0;
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
    WHERE u.tenant_id = v_tenant
      AND (CASE WHEN v_short THEN lower(u.code) = v_fold OR hoso_fold(u.name_vi) LIKE v_start OR hoso_fold(u.name_en) LIKE v_start
                ELSE hoso_fold(u.code || ' ' || u.name_vi || ' ' || u.name_en) LIKE v_like END)
      AND u.path <@ ANY (v_paths)
    ORDER BY r DESC, u.name_vi, u.id
    LIMIT p_limit;

    IF v_short THEN
    -- Short: the exact login first, then names in the index's order (the scope is checked row by row,
    -- and the index stops the scan once enough are found).
    RETURN QUERY
    SELECT 'person'::text, p.id, p.login, p.display_name, p.display_name, w.code, 4::real
    FROM users p
    CROSS JOIN LATERAL (SELECT hoso_person_place(p.id, v_paths) AS code) w
    WHERE p.tenant_id = v_tenant AND lower(p.login) = v_fold AND w.code IS NOT NULL;
    GET DIAGNOSTICS v_found = ROW_COUNT;
    RETURN QUERY
    SELECT 'person'::text, p.id, p.login, p.display_name, p.display_name, w.code, 1::real
    FROM users p
    CROSS JOIN LATERAL (SELECT hoso_person_place(p.id, v_paths) AS code) w
    WHERE p.tenant_id = v_tenant AND lower(p.login) <> v_fold AND w.code IS NOT NULL
      AND (hoso_fold(p.display_name) COLLATE "C") >= v_fold AND (hoso_fold(p.display_name) COLLATE "C") < v_fold || chr(1114111)
    ORDER BY (hoso_fold(p.display_name) COLLATE "C"), p.id
    LIMIT p_limit - v_found;
    ELSE
    RETURN QUERY
    SELECT 'person'::text, p.id, p.login, p.display_name, p.display_name, w.code,
           (CASE WHEN lower(p.login) = v_fold THEN 3 ELSE 0 END
            + CASE WHEN hoso_fold(p.display_name) LIKE v_start THEN 1 ELSE 0 END
            + similarity(hoso_fold(p.display_name || ' ' || p.login), v_fold))::real AS r
    FROM users p
    CROSS JOIN LATERAL (SELECT hoso_person_place(p.id, v_paths) AS code) w
    WHERE p.tenant_id = v_tenant
      AND hoso_fold(p.display_name || ' ' || p.login) LIKE v_like AND w.code IS NOT NULL
    ORDER BY r DESC, p.display_name, p.id
    LIMIT p_limit;
    END IF;

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
