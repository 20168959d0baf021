-- Search (issue 19), measured again on the large province (100,000 people): a common name
-- ("hoang" matches 6,764 people) took 310 ms, most of it checking each match against the scope
-- and folding each name again to rank it. The folded text is now stored (`users.search_key`,
-- generated from `hoso_fold`, which is immutable) and indexed; a searcher below the root (an
-- office, a school) starts from the people of their units, whatever the query's length; one with
-- a grant at the root (the province's officers) ranks the matches first and checks the scope only
-- until enough are found.
ALTER TABLE users ADD COLUMN search_key text GENERATED ALWAYS AS (hoso_fold(display_name || ' ' || login)) STORED;
CREATE INDEX users_search_key_idx ON users USING gin (search_key gin_trgm_ops);
DROP INDEX users_search_idx;

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
    -- A grant at the root: the whole tenant is in scope (the province's officers and inspectors).
    v_root boolean;
    v_person record;
    v_place text;
BEGIN
    IF v_tenant IS NULL OR length(v_fold) < 2 OR cardinality(p_scope) = 0 THEN RETURN; END IF;
    -- The scope: the grant units' paths (a unit is inside when its path lies under one of them).
    v_paths := ARRAY(SELECT g.path FROM units g WHERE g.tenant_id = v_tenant AND g.id = ANY (p_scope));
    v_root := EXISTS (SELECT 1 FROM units g WHERE g.tenant_id = v_tenant AND g.id = ANY (p_scope) AND g.parent_id IS NULL);

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

    IF NOT v_root THEN
    -- Below the root (an office, a school): the people of the scope's units (a few dozen to a few
    -- thousand), then the name (its start, for fewer than 3 letters).
    RETURN QUERY
    WITH su AS (SELECT s.id, s.code FROM units s WHERE s.tenant_id = v_tenant AND s.path <@ ANY (v_paths)),
         x AS (SELECT st.user_id, su.code, 1 AS o FROM su JOIN school_staff st ON st.unit_id = su.id
               UNION ALL
               SELECT gm.user_id, su.code, 2 FROM su JOIN school_groups sg ON sg.tenant_id = v_tenant AND sg.unit_id = su.id
               JOIN group_members gm ON gm.group_id = sg.id
               UNION ALL
               SELECT ug.user_id, su.code, 3 FROM su JOIN user_grants ug ON ug.tenant_id = v_tenant AND ug.unit_id = su.id),
         i AS (SELECT DISTINCT ON (x.user_id) x.user_id, x.code FROM x ORDER BY x.user_id, x.o, x.code)
    SELECT 'person'::text, p.id, p.login, p.display_name, p.display_name, i.code,
           (CASE WHEN lower(p.login) = v_fold THEN 3 ELSE 0 END
            + CASE WHEN p.search_key LIKE v_start THEN 1 ELSE 0 END
            + similarity(p.search_key, v_fold))::real AS r
    FROM i JOIN users p ON p.id = i.user_id
    WHERE CASE WHEN v_short THEN lower(p.login) = v_fold OR hoso_fold(p.display_name) LIKE v_start
               ELSE p.search_key LIKE v_like END
    ORDER BY r DESC, p.display_name, p.id
    LIMIT p_limit;
    ELSIF v_short THEN
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
    -- A province: the best names first (over the stored folded key and its trigram index), each
    -- checked against the scope only until enough are found.
    FOR v_person IN
        SELECT p.id, p.login, p.display_name,
               (CASE WHEN lower(p.login) = v_fold THEN 3 ELSE 0 END
                + CASE WHEN p.search_key LIKE v_start THEN 1 ELSE 0 END
                + similarity(p.search_key, v_fold))::real AS r
        FROM users p
        WHERE p.tenant_id = v_tenant AND p.search_key LIKE v_like
        ORDER BY 4 DESC, p.display_name, p.id
    LOOP
        v_place := hoso_person_place(v_person.id, v_paths);
        CONTINUE WHEN v_place IS NULL;
        kind := 'person'; id := v_person.id; code := v_person.login; name_vi := v_person.display_name;
        name_en := v_person.display_name; place := v_place; rank := v_person.r;
        RETURN NEXT;
        v_found := v_found + 1;
        EXIT WHEN v_found >= p_limit;
    END LOOP;
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
