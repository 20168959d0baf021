#!/usr/bin/env bash
# `make bench-backup`: what backups cost on the large synthetic province (made once, like make
# bench): a full backup (time, size), a differential one after a day's worth of changes, the restore
# drill (`hoso backup verify`, each check timed), a restore into a new folder and the recovery of
# that cluster to the point where it answers (the recovery time). Prints a table and writes
# bench-output/backup.txt.
#
#   BENCH_PRESET=small make bench-backup     a quick run on the test-sized province
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
source "$script_dir/lib.sh"
cd "$HOSO_REPO_DIR"

preset="${BENCH_PRESET:-large}"
scratch_port="${BENCH_SCRATCH_PORT:-55497}"

"$script_dir/install-deps.sh"
hoso_bench_province "$preset"
bindir="$(hoso_pg_bindir)"
mkdir -p bench-output
out="bench-output/backup.txt"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
rows=()
row() { rows+=("$(printf '%-44s %12s %s' "$1" "$2" "$3")"); }

db_size="$(psql "$HOSO_MIGRATION_DATABASE_URL" -Atc "SELECT pg_size_pretty(pg_database_size(current_database()))")"
obligations="$(psql "$HOSO_MIGRATION_DATABASE_URL" -Atc "SELECT count(*) FROM obligations")"
say "province: $obligations obligations, database $db_size"

say "full backup"
start="$(now)"
"$bin" backup --type full | tee bench-output/backup-full.txt
row "full backup" "$(elapsed "$start" "$(now)") s" "database $db_size, $obligations items"
row "  writers held at the consistency point" "$(sed -n 's/.*writers waited \([0-9.]*\) s.*/\1/p' bench-output/backup-full.txt) s" "share locks while every table is counted"

# The newest backup's own sizes, from pgBackRest: in the repository (lz4) and of the cluster.
newest_size() {
    runuser -u postgres -- pgbackrest --config="$HOSO_PGBACKREST_CONFIG" --stanza=hoso info --output=json |
        python3 -c 'import json, sys
b = json.load(sys.stdin)[0]["backup"][-1]["info"]
print("%.2f GiB in the repository, %.2f GiB of cluster files" % (b["repository"]["delta"] / 2**30, b["delta"] / 2**30))'
}
row "  its size" "$(newest_size | cut -d' ' -f1-2)" "$(newest_size | cut -d' ' -f3-) (pgBackRest, lz4); blob objects $(du -sh "$HOSO_BACKUP_DIR/blobs" | cut -f1)"

say "a day's changes: 2% of the items submitted, then a differential backup"
psql "$HOSO_MIGRATION_DATABASE_URL" -q -c "UPDATE obligations SET last_event_at = coalesce(last_event_at, now()) WHERE id % 50 = 0" >/dev/null
start="$(now)"
"$bin" backup --type diff
row "differential backup (2% of items changed)" "$(elapsed "$start" "$(now)") s" ""
row "  its size" "$(newest_size | cut -d' ' -f1-2)" "$(newest_size | cut -d' ' -f3-)"

say "restore drill (hoso backup verify)"
start="$(now)"
"$bin" backup verify --port "$scratch_port" | tee bench-output/backup-verify.txt
row "restore drill, whole (hoso backup verify)" "$(elapsed "$start" "$(now)") s" "every check below passed"
# Each check's line: "  ok   <name, 12 wide> <seconds> s  <detail>".
while IFS= read -r line; do
    if [[ "$line" =~ ^\ \ (ok|FAIL)\ +(.{12})\ +([0-9.]+)\ s\ \ (.*)$ ]]; then
        name="${BASH_REMATCH[2]}"
        row "  ${name%"${name##*[! ]}"}" "${BASH_REMATCH[3]} s" "${BASH_REMATCH[4]:0:70}"
    fi
done <bench-output/backup-verify.txt

say "restore into a new folder, then recovery until it answers"
target="$(mktemp -d /tmp/hoso-bench-restore-XXXXXX)"
chmod 755 "$target"
rmdir "$target"
# shellcheck disable=SC2317 # called through the trap
cleanup() {
    runuser -u postgres -- "$bindir/pg_ctl" -D "$target/pgdata" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$target"
}
trap cleanup EXIT
start="$(now)"
"$bin" restore --to latest --target "$target" >/dev/null
restored="$(now)"
row "restore (pgBackRest + blob objects)" "$(elapsed "$start" "$restored") s" "into an empty folder"
mkdir -p "$target/sock"
chown postgres: "$target" "$target/sock"
runuser -u postgres -- "$bindir/pg_ctl" -D "$target/pgdata" -l "$target/postgresql.log" -w -t 3600 \
    -o "-k $target/sock -p $scratch_port -h 127.0.0.1 -c archive_mode=off -c max_connections=400" start >/dev/null
until [[ "$(psql -h "$target/sock" -p "$scratch_port" -U postgres -d hoso -Atc 'SELECT pg_is_in_recovery()' 2>/dev/null)" == f ]]; do
    sleep 0.2
done
row "recovery (WAL replay until it answers)" "$(elapsed "$restored" "$(now)") s" "restore + recovery = the recovery time"
row "recovery point" "≤ 60 s" "archive_timeout: a WAL segment reaches the repository at least every minute"

{
    printf '%-44s %12s %s\n' "what ($preset province)" "figure" "note"
    printf '%s\n' "${rows[@]}"
} | tee "$out"
