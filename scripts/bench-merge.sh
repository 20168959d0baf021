#!/usr/bin/env bash
# `make bench-merge`: how long a province merger takes. The large synthetic province (bigdemo, made
# once by `hoso demo generate` in the run-mode database, as `make bench` does) is copied into a scratch
# database with the demo tenant imported beside it, and bigdemo is merged into demo; each run starts
# from a fresh copy. Prints a table (rows moved, seconds) and the median.
#
#   BENCH_PRESET=small make bench-merge      the test-sized province
#   BENCH_MERGE_RUNS=3 make bench-merge      runs to take the median of (default 3)
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
source "$script_dir/lib.sh"
cd "$HOSO_REPO_DIR"

preset="${BENCH_PRESET:-large}"
runs="${BENCH_MERGE_RUNS:-3}"
[[ "$runs" =~ ^[1-9][0-9]?$ ]] || die "BENCH_MERGE_RUNS must be 1-99, got '$runs'"

"$script_dir/install-deps.sh"
hoso_bench_province "$preset"
# The scratch databases are copies: their chains are not make run's, so they take no checkpoints there.
unset HOSO_ANCHOR_DIR

# The same URLs, on the scratch database.
scratch="hoso_merge_bench"
on_scratch() { printf '%s/%s\n' "${1%/*}" "$scratch"; }
owner_url="$HOSO_MIGRATION_DATABASE_URL"
source_db="${owner_url##*/}"
[[ "$source_db" =~ ^[a-z_][a-z0-9_]*$ ]] || die "unexpected database name in HOSO_MIGRATION_DATABASE_URL"
psql_bin="$(hoso_pg_bindir)/psql"

times=()
printf '\n%-5s %14s %12s %12s\n' "run" "rows moved" "merge (s)" "process (s)"
for ((run = 1; run <= runs; run++)); do
    "$psql_bin" -q -v ON_ERROR_STOP=1 "$owner_url" -c "DROP DATABASE IF EXISTS $scratch" \
        -c "CREATE DATABASE $scratch TEMPLATE $source_db" >/dev/null
    HOSO_DATABASE_URL="$(on_scratch "$HOSO_DATABASE_URL")" "$bin" tenant import tenants/demo >/dev/null
    started="$(date +%s.%N)"
    output="$(HOSO_DATABASE_URL="$(on_scratch "$HOSO_DATABASE_URL")" HOSO_MIGRATION_DATABASE_URL="$(on_scratch "$owner_url")" \
        "$bin" tenant merge --from bigdemo --into demo --on 2025-07-01)"
    ended="$(date +%s.%N)"
    moved="$(awk '$3 == "moved" { sum += $2 } END { print sum + 0 }' <<<"$output")"
    seconds="$(sed -n 's/^hoso: done in \([0-9.]*\) s$/\1/p' <<<"$output")"
    HOSO_DATABASE_URL="$(on_scratch "$HOSO_DATABASE_URL")" "$bin" audit verify >/dev/null || die "audit verify failed after the merger"
    printf '%-5s %14s %12s %12.2f\n' "$run" "$moved" "$seconds" "$(echo "$ended - $started" | bc)"
    times+=("$seconds")
done
"$psql_bin" -q "$owner_url" -c "DROP DATABASE IF EXISTS $scratch" >/dev/null
median="$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')"
printf '\nmedian merge time (%s province, %s runs): %s s\n' "$preset" "$runs" "$median"
