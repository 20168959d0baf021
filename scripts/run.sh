#!/usr/bin/env bash
# `make run`: builds the server, starts the run-mode services, migrates, imports the demo tenants and
# starts `hoso serve` in the background. `make stop` (scripts/stop.sh) stops it all again.
#
# Honours HOSO_HTTP_HOST (default 127.0.0.1), HOSO_HTTP_PORT (default 8080), and HOSO_DATABASE_URL /
# HOSO_DIRECTORY_URL for external servers (see scripts/services.sh).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
source "$script_dir/lib.sh"
cd "$HOSO_REPO_DIR"

export HOSO_HTTP_HOST="${HOSO_HTTP_HOST:-127.0.0.1}"
export HOSO_HTTP_PORT="${HOSO_HTTP_PORT:-8080}"
# The address in reminders' links (a proxy in front of Hoso sets its own).
export HOSO_PUBLIC_URL="${HOSO_PUBLIC_URL:-http://127.0.0.1:$HOSO_HTTP_PORT}"

"$script_dir/install-deps.sh"

say "building hoso (release)"
swift build -c release --product hoso
bin="$(swift build -c release --show-bin-path)/hoso"
[[ -x "$bin" ]] || die "build did not produce $bin"

"$script_dir/services.sh" start run
# Assign first: `eval "$(...)"` would hide a failure of the command inside.
service_env="$("$script_dir/services.sh" env run)"
eval "$service_env"

state_dir="$HOSO_STATE_DIR"
# Uploaded documents (content-addressed, SHA-256) live next to the database's files.
export HOSO_BLOB_DIR="${HOSO_BLOB_DIR:-$state_dir/blobs}"
export HOSO_TENANTS_DIR="${HOSO_TENANTS_DIR:-$HOSO_REPO_DIR/tenants}"
pidfile="$(hoso_server_pidfile "$state_dir")"
logfile="$(hoso_server_logfile "$state_dir")"

# A server from an earlier `make run` would hold the port (and run an older binary).
hoso_stop_server "$state_dir"

# Talk to the server the way a browser on this machine would: a wildcard bind is reachable on loopback.
case "$HOSO_HTTP_HOST" in
    0.0.0.0 | '::' | '[::]' | '') probe_host=127.0.0.1 ;;
    *:*) probe_host="[$HOSO_HTTP_HOST]" ;; # IPv6 literal
    *) probe_host="$HOSO_HTTP_HOST" ;;
esac
base_url="http://$probe_host:$HOSO_HTTP_PORT"
# Another program on the port would answer the health check in our server's place.
if [[ "$probe_host" == 127.0.0.1 || "$probe_host" == localhost ]] && hoso_port_in_use "$HOSO_HTTP_PORT"; then
    die "port $HOSO_HTTP_PORT is already in use; stop that program or set HOSO_HTTP_PORT"
fi

say "migrating the database"
"$bin" migrate
# A bigdemo generated before tenants had to declare a shared directory still names demo's, and the
# import would refuse demo beside it. bigdemo has no directory now (`make bench` re-imports it so).
psql -X -q -v ON_ERROR_STOP=1 "$HOSO_MIGRATION_DATABASE_URL" -c \
    "UPDATE tenants SET directory = 'null'::jsonb WHERE code = 'bigdemo' AND directory <> 'null'::jsonb" >/dev/null
# haiduong and haiphong: two provinces as they stood before the merger of 1 July 2025 (README:
# "A province merger"). Once haiduong is merged it is frozen and its import is refused: skipped then.
say "importing tenants demo, demo2, haiphong, haiduong"
"$bin" tenant import tenants/demo tenants/demo2 tenants/haiphong
merged="$(psql -X -q -t -A "$HOSO_MIGRATION_DATABASE_URL" -c \
    "SELECT count(*) FROM tenants WHERE code = 'haiduong' AND merged_into IS NOT NULL")"
demo_tenants=(demo demo2 haiphong)
if [[ "$merged" == "0" ]]; then
    "$bin" tenant import tenants/haiduong
    demo_tenants+=(haiduong)
fi
# Rule-sets and calendars of every year on file; people of each school; then the obligations. Each
# step is idempotent: a second `make run` changes nothing that is already there.
for tenant in "${demo_tenants[@]}"; do
    say "importing rule-sets and calendars of $tenant"
    "$bin" rules import --tenant "$tenant"
    for calendar in tenants/"$tenant"/calendars/*.yaml; do
        year="$(basename "$calendar" .yaml)"
        people=(tenants/"$tenant"/people/*.csv)
        if [[ -e "${people[0]}" ]]; then
            "$bin" people import --tenant "$tenant" --year "$year" "${people[@]}"
        fi
        "$bin" obligations generate --tenant "$tenant" --year "$year"
    done
done

# Digital signatures. The key store's secret comes from the environment (HOSO_KEYS_SECRET); for the
# demo one is made once and kept in the state dir, never in the repository. A demo CA (openssl),
# a key for each demo approver and a seal for each demo school are made and loaded once.
export HOSO_KEYS_DIR="${HOSO_KEYS_DIR:-$state_dir/keys}"
if [[ -z "${HOSO_KEYS_SECRET:-}" ]]; then
    [[ -s "$state_dir/keys.secret" ]] || (umask 077 && openssl rand -hex 24 >"$state_dir/keys.secret")
    HOSO_KEYS_SECRET="$(cat "$state_dir/keys.secret")"
fi
export HOSO_KEYS_SECRET
pki_dir="$state_dir/pki"
mkdir -p "$pki_dir"
export HOSO_PKI_PASSWORD="$HOSO_KEYS_SECRET"
# The demo's past (hoso demo story) is signed at its approvals' times: the CA and the keys are valid
# from well before the school year began (a state made before keeps its keys: those approvals wait).
pki_start="$(date -u -d '-16 months' +%Y%m01000000Z)"
pki_end="$(date -u -d '+2 years' +%Y%m%d000000Z)"
# Each step leaves a mark, so that a run cut short resumes where it stopped.
if [[ ! -f "$pki_dir/root.trusted" ]]; then
    say "creating the demo certificate authority"
    [[ -f "$pki_dir/root.pem" ]] || "$script_dir/pki.sh" ca "$pki_dir" root "/CN=Hoso Demo CA/O=Sở GD&ĐT Demo (chỉ để thử)" \
        "$pki_start" "$(date -u -d '+10 years' +%Y%m%d000000Z)"
    "$bin" keys trust --tenant demo "$pki_dir/root.pem"
    : >"$pki_dir/root.trusted"
fi
# The subject teachers of class 6A1 sign its transcript (and s1.teacher, its homeroom teacher, signs
# the upload): they have keys too; so do the inspectors, who sign their minutes.
for login in s1.principal s1.vice s1.head s1.teacher s1.teacher2 s2.principal t1.principal d1.inspector so.inspector; do
    [[ -f "$pki_dir/$login.loaded" ]] && continue
    name="$(awk -v uid="uid: $login" '$0 == uid { found = 1; next } found && /^cn: / { sub(/^cn: /, ""); print; exit }' tenants/demo/directory.ldif)"
    [[ -f "$pki_dir/$login.p12" ]] || "$script_dir/pki.sh" issue "$pki_dir" root "$login" "/CN=${name:-$login}/UID=$login" ec "$pki_start" "$pki_end"
    "$bin" keys import --tenant demo --user "$login" "$pki_dir/$login.p12"
    : >"$pki_dir/$login.loaded"
done
for school in S01 S02; do
    [[ -f "$pki_dir/$school.loaded" ]] && continue
    name="$(awk -v code="  - code: $school" '$0 == code { found = 1; next } found && /name_vi:/ { sub(/^ *name_vi: */, ""); print; exit }' tenants/demo/tenant.yaml)"
    [[ -f "$pki_dir/$school.p12" ]] || "$script_dir/pki.sh" issue "$pki_dir" root "$school" "/CN=${name:-$school}/O=${name:-$school}" rsa "$pki_start" "$pki_end"
    "$bin" keys import --tenant demo --unit "$school" "$pki_dir/$school.p12"
    : >"$pki_dir/$school.loaded"
done
unset HOSO_PKI_PASSWORD

# setsid: the server gets its own session, so it outlives make and ignores the terminal's signals.
# In a non-interactive shell a background job is not a process-group leader, so setsid execs in
# place and $! is the server's own pid.
say "starting hoso serve on $HOSO_HTTP_HOST:$HOSO_HTTP_PORT (log: $logfile)"
# Keep one previous log, so the tail printed on failure is about this start only.
if [[ -f "$logfile" ]]; then mv -f "$logfile" "$logfile.prev"; fi
setsid "$bin" serve </dev/null >>"$logfile" 2>&1 &
echo "$!" >"$pidfile"

healthy=0
for ((i = 0; i < 60; i++)); do
    if curl -fsS -o /dev/null --max-time 2 "$base_url/healthz" 2>/dev/null; then
        healthy=1
        break
    fi
    if ! hoso_pid_alive "$pidfile" hoso; then
        break # it exited: waiting longer will not help
    fi
    sleep 0.5
done

if ((!healthy)); then
    say "hoso serve did not answer $base_url/healthz within 30 s; last lines of $logfile:"
    tail -n 40 "$logfile" >&2 || true
    hoso_stop_server "$state_dir"
    exit 1
fi

# A living demo: its people sign in once (their accounts and roles come from the directory, as at
# anyone's first sign-in), then the demo's items get a realistic past up to today (hoso demo
# story: submissions, approvals by those people, returns). Both are done once: a later make run
# writes only what has come due since.
say "signing in the demo's people once, then telling the demo's past (hoso demo story)"
for login in so.officer so.inspector d1.officer d1.inspector d2.officer s1.principal s1.vice s1.head s1.teacher s1.teacher2 \
    s1.admin s1.clerk s2.principal t1.principal t1.teacher; do
    curl -fsS -o /dev/null --max-time 10 -H 'Content-Type: application/json' \
        -d "{\"tenant\":\"demo\",\"username\":\"$login\",\"password\":\"Demo@2026!\"}" "$base_url/api/v1/session" ||
        say "warning: $login could not sign in"
done
"$bin" demo story --tenant demo || say "warning: the demo's past was not told; the portal works without it"

# Today's reminders at once, whatever the hour, so the mail folder shows what people would receive
# (once a day: the server's own job at 07:00 then makes nothing more today).
if [[ -n "${HOSO_SMTP_URL:-}" ]]; then
    say "making today's reminders (hoso reminders)"
    "$bin" reminders || say "warning: reminders not made; the server makes them from 07:00"
fi

# Point-in-time backups are on (WAL archiving); the first full backup makes them restorable.
if ! "$bin" backup list 2>/dev/null | grep ' full ' | grep -vq 'incomplete'; then
    say "taking the first full backup (hoso backup)"
    "$bin" backup --type full || say "warning: the first backup failed; run hoso backup again (README: Backups and recovery)"
fi

cat <<MSG

Hoso is running at $base_url/

Demo logins (password for all: Demo@2026!)
  tenant demo:  so.officer, so.inspector, d1.officer, d1.inspector, s1.principal, s1.vice, s1.head,
                s1.teacher, s1.teacher2, s1.admin, s1.clerk, s2.principal, t1.principal,
                s3.pioneer (Pioneer leader, S03), t2.director and t2.teacher (continuing-education centre)
  tenant demo2: p2.officer

  s1.teacher owes lesson plans (Việc cần nộp), s1.head and s1.principal approve them (Chờ phê duyệt),
  s1.admin opens and closes entry windows (/units/S01/windows).
  so.officer, d1.inspector and s1.principal watch compliance (Bảng theo dõi, /dashboard).
  d1.officer plans an inspection of S01 (/units/D01/inspections; sign d1.inspector in once first so
  that Hoso knows the account); d1.inspector runs it and issues the minutes (PDF, /inspections);
  s1.principal plans the school's self-inspection. Reports (PDF, XLSX, CSV): /units/SO/reports.
  Digital signatures: s1.vice and s1.principal approve the student register (Sổ đăng bộ, due 15/10,
  submitted by s1.admin) with "Ký số"; s1.clerk files the scan of its printed, hand-signed copy
  (Bản in có chữ ký) first; the principal's approval adds the school's seal, then the book can be
  locked. The transcript of 6A1 (Học bạ): s1.teacher uploads and signs it, its subject teachers
  (s1.teacher, s1.teacher2, s1.head) each sign, then s1.principal, then s1.clerk seals. After a lock,
  a correction names its witnesses as accounts and ends with signed minutes (Biên bản sửa chữa).
  s1.principal records the school's choice of electronic or paper books (/units/S01/choices). Each record's "Xác minh chữ ký" page and ZIP package check the signatures; the demo
  CA's root is $pki_dir/root.pem (xmlsec1 --verify --trusted-pem ...). Keys: hoso keys list --tenant demo.
  A large synthetic province for load tests: make bench (or hoso demo generate --preset small).

  A province merger (1 July 2025: Hải Dương joined Hải Phòng). Before: tenant haiduong, hd.s1principal;
  tenant haiphong, hp.officer. See what would move, then merge (README: "A province merger"):
    eval "\$(scripts/services.sh env run)"   # the database URLs (the merger runs as the owner)
    $bin tenant merge --from haiduong --into haiphong --on 2025-07-01 --dry-run
    $bin tenant merge --from haiduong --into haiphong --on 2025-07-01
  After: tenant haiphong, hd.s1principal@haiduong (Hải Dương's directory, its school now S01 → haiduong-S01);
  sign-in to haiduong answers that it is read-only; hoso audit verify checks both chains.

  Backups (README: "Backups and recovery"): WAL archived into $HOSO_STATE_DIR/backup, checkpoints of the
  audit chains in $HOSO_ANCHOR_DIR. With eval "\$(scripts/services.sh env run)":
    $bin backup list        $bin backup          $bin backup verify (the restore drill)
    $bin restore --to "$(TZ=Asia/Ho_Chi_Minh date -d '-10 min' '+%Y-%m-%d %H:%M')" --target /tmp/hoso-restored     $bin audit verify

  Reminders by e-mail (README: "Reminders by e-mail"): every morning from 07:00 each person with records
  due within 7 days, overdue or returned gets a weekly digest on their chosen day (/settings/notifications)
  and a note the day before a deadline. Nothing leaves this machine: the local SMTP sink keeps every
  message in ${HOSO_SMTP_MAIL_DIR:-(an external server: HOSO_SMTP_URL)} (one .eml file each, and log.jsonl).
  People get mail at the address the directory gives (read every morning through the service account),
  and whoever must change a password gets a weekly reminder. hoso reminders makes today's at any hour. The outbox (queued, sent,
  failed, with the server's answer, and a "send a test message" button) is /outbox for a tenant administrator.

Server log: $logfile
make stop to stop.
MSG
