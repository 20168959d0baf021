#!/usr/bin/env bash
# `make kill-drill`: durability under SIGKILL. A release `hoso serve` on a database and blob store of
# its own (the demo tenant with a year of records and signing keys) is killed with kill -9 at a
# random moment of one operation, chosen at random each round: a document upload, an approval with
# a digital signature, an inspection's conclusion (its minutes), a report's generation. After each
# restart scripts/kill-drill.py checks that nothing is half-written (see its invariants), that the
# audit chains verify, that every stored file a row names is there with its hash, that tmp/ is
# empty, and that `hoso blobs gc --dry-run` lists only files nothing names. Prints a line per kill
# and a table; exits 1 at the first broken invariant, naming it.
#
#   KILLS=100 SEED=7 make kill-drill      (defaults: 100 kills, a seed from the clock, printed)
#   KILL_DRILL_MAX_DELAY_MS=300           the kill comes 0..1.5 times the operation's time without a
#                                         kill after the request starts, and never later than this
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
source "$script_dir/lib.sh"
cd "$HOSO_REPO_DIR"

kills="${KILLS:-100}"
seed="${SEED:-$(date +%s)}"
year="${KILL_DRILL_YEAR:-2026-2027}"
port="${KILL_DRILL_PORT:-$((8095 + ${HOSO_PORT_OFFSET:-0}))}"
[[ "$kills" =~ ^[1-9][0-9]{0,4}$ ]] || die "KILLS must be 1-99999, got '$kills'"
[[ "$seed" =~ ^[0-9]+$ ]] || die "SEED must be a number, got '$seed'"

"$script_dir/install-deps.sh"
python="$("$script_dir/python-env.sh")"

say "building hoso (release)"
swift build -c release --product hoso
bin="$(swift build -c release --show-bin-path)/hoso"
[[ -x "$bin" ]] || die "build did not produce $bin"

"$script_dir/services.sh" start run
service_env="$("$script_dir/services.sh" env run)"
eval "$service_env"
if hoso_port_in_use "$port"; then die "port $port is in use; set KILL_DRILL_PORT"; fi

# A database and a blob store of the drill's own, made afresh: the run-mode data stays as it was.
psql_bin="$(hoso_pg_bindir)/psql"
database="hoso_kill_drill"
owner_url="${HOSO_MIGRATION_DATABASE_URL%/*}/$database"
"$psql_bin" -X -q -v ON_ERROR_STOP=1 "$HOSO_MIGRATION_DATABASE_URL" \
    -c "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database" >/dev/null
export HOSO_DATABASE_URL="${HOSO_DATABASE_URL%/*}/$database" HOSO_MIGRATION_DATABASE_URL="$owner_url"
drill_dir="$HOSO_STATE_DIR/kill-drill"
rm -rf "$drill_dir"
mkdir -p "$drill_dir"
export HOSO_BLOB_DIR="$drill_dir/blobs" HOSO_KEYS_DIR="$drill_dir/keys" HOSO_TENANTS_DIR="$HOSO_REPO_DIR/tenants"
export HOSO_WEB_DIR="$HOSO_REPO_DIR/web" HOSO_LOG_LEVEL=warning
# Checkpoints of this database's chains go to a ledger of their own, never into make run's.
export HOSO_ANCHOR_DIR="$drill_dir/anchors"

say "setting up the demo tenant ($year) in $database"
"$bin" migrate >/dev/null
"$bin" tenant import tenants/demo >/dev/null
"$bin" rules import --tenant demo >/dev/null
"$bin" people import --tenant demo --year "$year" tenants/demo/people/*.csv >/dev/null
"$bin" obligations generate --tenant demo --year "$year" >/dev/null
# Keys as make run makes them: a throwaway CA, the approvers' keys, the schools' seals.
HOSO_KEYS_SECRET="$(openssl rand -hex 24)"
export HOSO_KEYS_SECRET HOSO_PKI_PASSWORD="$HOSO_KEYS_SECRET"
pki="$drill_dir/pki"
mkdir -p "$pki"
"$script_dir/pki.sh" ca "$pki" root "/CN=Hoso Kill Drill CA" >/dev/null
"$bin" keys trust --tenant demo "$pki/root.pem" >/dev/null
for login in s1.head s1.vice s1.principal; do
    "$script_dir/pki.sh" issue "$pki" root "$login" "/CN=$login/UID=$login" ec >/dev/null
    "$bin" keys import --tenant demo --user "$login" "$pki/$login.p12" >/dev/null
done
unset HOSO_PKI_PASSWORD

"$python" "$script_dir/kill-drill.py" --bin "$bin" --port "$port" --kills "$kills" --seed "$seed" --year "$year" \
    --owner-url "$owner_url" --log "$drill_dir/hoso.log" --max-delay-ms "${KILL_DRILL_MAX_DELAY_MS:-300}"
