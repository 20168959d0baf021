#!/usr/bin/env bash
# `make bench-tree`: what the effective-dated tree costs. On a scratch copy of the synthetic
# province (bigdemo, made once in the run-mode database as `make bench` does), measured inside
# PostgreSQL (clock_timestamp, no client round trips), each the median of several runs:
#
#   row change      one item's change kept in the counts by the trigger, both bases (ms per row)
#   tick            the per-minute check for dated moves when nothing is due (ms)
#   move school     a school moved on a date in the middle of the year, counts kept (ms)
#   move office     an office (and every school under it) moved under a sibling the same way (ms)
#   rebuild         a tenant's dated paths and every kept count recomputed whole (ms)
#
#   BENCH_PRESET=small make bench-tree       the test-sized province
#   BENCH_TREE_ROWS_ONLY=1 HOSO_BIN=… …      only the row change, with another binary's schema
#                                            (how the before/after of the trigger was measured)
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
source "$script_dir/lib.sh"
cd "$HOSO_REPO_DIR"

preset="${BENCH_PRESET:-large}"
runs="${BENCH_TREE_RUNS:-5}"
[[ "$runs" =~ ^[1-9][0-9]?$ ]] || die "BENCH_TREE_RUNS must be 1-99, got '$runs'"

"$script_dir/install-deps.sh"
if [[ -n "${HOSO_BIN:-}" ]]; then
    # Another build (an earlier commit): its own schema in its own database.
    bin="$HOSO_BIN"
    "$script_dir/services.sh" start run
    eval "$("$script_dir/services.sh" env run)"
    unset HOSO_ANCHOR_DIR # a database of its own: its chains are not make run's
    export HOSO_TENANTS_DIR="$HOSO_REPO_DIR/tenants"
    base="hoso_tree_bench_base"
    owner_url="$HOSO_MIGRATION_DATABASE_URL"
    "$(hoso_pg_bindir)/psql" -q "$owner_url" -c "DROP DATABASE IF EXISTS $base" -c "CREATE DATABASE $base" >/dev/null
    export HOSO_DATABASE_URL="${HOSO_DATABASE_URL%/*}/$base" HOSO_MIGRATION_DATABASE_URL="${owner_url%/*}/$base"
    "$bin" migrate >/dev/null
    "$bin" demo generate --preset "$preset" >/dev/null
    source_db="$base"
else
    hoso_bench_province "$preset"
    unset HOSO_ANCHOR_DIR # scratch copies take no checkpoints in make run's ledger
    source_db="${HOSO_MIGRATION_DATABASE_URL##*/}"
fi
owner_url="$HOSO_MIGRATION_DATABASE_URL"
[[ "$source_db" =~ ^[a-z_][a-z0-9_]*$ ]] || die "unexpected database name in HOSO_MIGRATION_DATABASE_URL"
psql_bin="$(hoso_pg_bindir)/psql"
scratch="hoso_tree_bench"
scratch_url="${owner_url%/*}/$scratch"
"$psql_bin" -q -v ON_ERROR_STOP=1 "$owner_url" -c "DROP DATABASE IF EXISTS $scratch" \
    -c "CREATE DATABASE $scratch TEMPLATE $source_db" >/dev/null
trap '"$psql_bin" -q "$owner_url" -c "DROP DATABASE IF EXISTS $scratch" >/dev/null 2>&1 || true' EXIT

# ms: runs a DO block body that sets `elapsed` (ms) and prints it.
ms() {
    "$psql_bin" -q -X -v ON_ERROR_STOP=1 "$scratch_url" -c "DO \$\$ DECLARE t0 timestamptz; elapsed numeric; n int; tenant bigint;
        school bigint; office bigint; other bigint; d date; BEGIN
        SELECT id INTO tenant FROM tenants WHERE code = 'bigdemo';
        $1
        RAISE NOTICE 'elapsed=%', round(elapsed, 3); END \$\$" 2>&1 | sed -n 's/.*elapsed=\([0-9.]*\).*/\1/p'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
measure() {
    local name="$1" body="$2" values=() i
    for ((i = 1; i <= runs; i++)); do values+=("$(ms "$body")"); done
    printf '%-14s %12s   %s\n' "$name" "$(printf '%s\n' "${values[@]}" | median)" "${values[*]}"
}

# Two changes per item (submitted, then not), 1,000 items: the trigger runs 2,000 times.
row_change='
    t0 := clock_timestamp();
    UPDATE obligations SET first_submitted_at = due_at - interval '"'"'1 day'"'"'
    WHERE id IN (SELECT id FROM obligations WHERE tenant_id = tenant AND first_submitted_at IS NULL AND NOT withdrawn ORDER BY id LIMIT 1000);
    UPDATE obligations SET first_submitted_at = NULL
    WHERE id IN (SELECT id FROM obligations WHERE tenant_id = tenant AND first_submitted_at = due_at - interval '"'"'1 day'"'"' ORDER BY id LIMIT 1000);
    elapsed := extract(epoch FROM clock_timestamp() - t0) * 1000 / 2000;'

items="$("$psql_bin" -At -X "$scratch_url" -c "SELECT count(*) FROM obligations o JOIN tenants t ON t.id = o.tenant_id WHERE t.code = 'bigdemo'")"
units="$("$psql_bin" -At -X "$scratch_url" -c "SELECT count(*) FROM units u JOIN tenants t ON t.id = u.tenant_id WHERE t.code = 'bigdemo'")"
printf '\nbigdemo (%s): %s units, %s items; medians of %s runs\n\n' "$preset" "$units" "$items" "$runs"
printf '%-14s %12s   %s\n' "measure" "median (ms)" "runs"
measure "row change" "$row_change"
[[ -n "${BENCH_TREE_ROWS_ONLY:-}" ]] && exit 0

measure "tick" '
    t0 := clock_timestamp();
    PERFORM hoso_tree_apply(tenant, current_date);
    elapsed := extract(epoch FROM clock_timestamp() - t0) * 1000;'

# A move dated in the middle of the current school year, then moved back: both are timed.
move() { # $1: the unit to move (a SQL expression setting `school`), $2: where to (`other`)
    printf '%s' "
    $1
    $2
    d := make_date(extract(year FROM current_date)::int - (extract(month FROM current_date) < 7)::int + 1, 1, 15);
    SELECT parent_id INTO office FROM units WHERE id = school;
    t0 := clock_timestamp();
    UPDATE unit_parent_history SET valid_to = d WHERE unit_id = school AND valid_to IS NULL;
    INSERT INTO unit_parent_history (tenant_id, unit_id, parent_id, valid_from) VALUES (tenant, school, other, d);
    PERFORM hoso_tree_apply(tenant, current_date);
    DELETE FROM unit_parent_history WHERE unit_id = school AND valid_from = d;
    UPDATE unit_parent_history SET valid_to = NULL WHERE unit_id = school AND valid_to = d;
    PERFORM hoso_tree_apply(tenant, current_date);
    elapsed := extract(epoch FROM clock_timestamp() - t0) * 1000 / 2;"
}
measure "move school" "$(move \
    "SELECT u.id INTO school FROM units u WHERE u.tenant_id = tenant AND u.kind = 'school' AND u.parent_id IS NOT NULL
       AND EXISTS (SELECT 1 FROM obligations o WHERE o.unit_id = u.id) ORDER BY u.id LIMIT 1;" \
    "SELECT o.id INTO other FROM units o, units s WHERE s.id = school AND o.tenant_id = tenant AND o.kind = (SELECT kind FROM units WHERE id = s.parent_id)
       AND o.id <> s.parent_id ORDER BY o.id LIMIT 1;")"
measure "move office" "$(move \
    "SELECT u.id INTO school FROM units u WHERE u.tenant_id = tenant AND u.parent_id IS NOT NULL AND u.kind <> 'school'
       AND EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.id) ORDER BY u.id LIMIT 1;" \
    "SELECT o.id INTO other FROM units o, units s WHERE s.id = school AND o.tenant_id = tenant AND o.kind = s.kind
       AND o.id <> s.id AND o.parent_id = s.parent_id ORDER BY o.id LIMIT 1;")"
measure "rebuild" '
    t0 := clock_timestamp();
    PERFORM hoso_tree_rebuild(tenant, current_date);
    elapsed := extract(epoch FROM clock_timestamp() - t0) * 1000;'
