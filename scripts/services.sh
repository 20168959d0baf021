#!/usr/bin/env bash
# Starts, stops and describes the backing services Hoso needs: PostgreSQL and slapd, both
# project-local throwaway instances.
#
#   scripts/services.sh start|stop|status|env run|test
#
# Modes (they use different state dirs and ports, so both can run at once):
#   run   PostgreSQL 127.0.0.1:55432, slapd 127.0.0.1:3389, SMTP sink 127.0.0.1:2525; data kept between runs
#   test  PostgreSQL 127.0.0.1:55433, slapd 127.0.0.1:3390, SMTP sink 127.0.0.1:2526; wiped on every start, fsync off
#
# The SMTP sink (scripts/smtp-sink.py, Debian's python3-aiosmtpd) keeps every message it receives
# in STATE/smtp/mail and relays nothing; run mode starts none when HOSO_SMTP_URL names another server.
#
# In run mode, external servers are honoured: with HOSO_DATABASE_URL set no PostgreSQL is started,
# with HOSO_DIRECTORY_URL set no slapd is started, and `env` keeps the values from the environment.
# (URLs that point at our own loopback ports, left over from an earlier `eval` of `env`, do not
# count as external.)
# Test mode always uses its own throwaway servers (tests create databases and rely on the demo
# directory), whatever those variables say.
#
# `env MODE` prints `export VAR=...` lines:  eval "$(scripts/services.sh env test)"
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
source "$script_dir/lib.sh"

usage() {
    echo "usage: $0 start|stop|status|env run|test" >&2
    exit 2
}

(($# == 2)) || usage
action="$1"
mode="$2"

case "$mode" in
    run)
        pg_port=55432
        ldap_port=3389
        smtp_port=2525
        ;;
    test)
        pg_port=55433
        ldap_port=3390
        smtp_port=2526
        ;;
    *) usage ;;
esac
# Two checkouts on one machine can test at once: HOSO_PORT_OFFSET moves both ports.
pg_port=$((pg_port + ${HOSO_PORT_OFFSET:-0}))
ldap_port=$((ldap_port + ${HOSO_PORT_OFFSET:-0}))
smtp_port=$((smtp_port + ${HOSO_PORT_OFFSET:-0}))
state_dir="$(hoso_state_dir "$mode")"
smtp_dir="$state_dir/smtp"

# is_own_url URL PORT...: true when URL points at loopback on one of our own ports. Such a URL was
# left in the environment by an earlier `eval "$(scripts/services.sh env ...)"`: it is not an
# external server, and treating it as one would leave our own server unstarted.
is_own_url() {
    local url="$1" port
    shift
    for port in "$@"; do
        if [[ "$url" =~ ^[a-z]+://([^/@]*@)?(127\.0\.0\.1|localhost|\[::1\]):$port(/|$|\?) ]]; then
            return 0
        fi
    done
    return 1
}

# Which services this mode manages itself (run mode defers to external URLs from the environment).
want_pg=1
want_ldap=1
if [[ "$mode" == run ]]; then
    if [[ -n "${HOSO_DATABASE_URL:-}" ]] && ! is_own_url "$HOSO_DATABASE_URL" 55432 55433; then
        want_pg=0
    fi
    if [[ -n "${HOSO_DIRECTORY_URL:-}" ]] && ! is_own_url "$HOSO_DIRECTORY_URL" 3389 3390; then
        want_ldap=0
    fi
fi
want_smtp=1
if [[ "$mode" == run && -n "${HOSO_SMTP_URL:-}" ]] && ! is_own_url "$HOSO_SMTP_URL" 2525 2526; then
    want_smtp=0
fi

# The SMTP sink: started once, its pid in STATE/smtp/sink.pid.
start_smtp_sink() {
    mkdir -p "$smtp_dir"
    if hoso_pid_alive "$smtp_dir/sink.pid" python3; then return 0; fi
    if hoso_port_in_use "$smtp_port"; then die "port $smtp_port is in use; cannot start the SMTP sink for $state_dir"; fi
    setsid /usr/bin/python3 "$script_dir/smtp-sink.py" "$smtp_dir" "$smtp_port" </dev/null >"$smtp_dir/sink.log" 2>&1 &
    echo $! >"$smtp_dir/sink.pid"
    local i
    for ((i = 0; i < 50; i++)); do
        if hoso_port_in_use "$smtp_port"; then return 0; fi
        sleep 0.1
    done
    tail -n 20 "$smtp_dir/sink.log" >&2 || true
    die "the SMTP sink did not start on port $smtp_port"
}

stop_smtp_sink() {
    if hoso_pid_alive "$smtp_dir/sink.pid" python3; then
        kill "$(head -n1 "$smtp_dir/sink.pid")" 2>/dev/null || true
    fi
    rm -f "$smtp_dir/sink.pid"
}

# redact_url URL: the URL without its password, for messages.
redact_url() {
    sed -E 's#^([a-zA-Z][a-zA-Z0-9+.-]*://)([^:/@]*):[^@/]*@#\1\2:***@#' <<<"$1"
}

stop_all() {
    hoso_stop_server "$state_dir"
    if [[ -d "$state_dir" ]]; then
        stop_smtp_sink
        "$script_dir/ldap.sh" stop "$state_dir" "$ldap_port"
        "$script_dir/pg.sh" stop "$state_dir" "$pg_port"
    fi
}

start_all() {
    if [[ "$mode" == test ]]; then
        export HOSO_PG_FAST=1
        # Throwaway data on every test run: stop whatever still runs there, then start from nothing.
        stop_all
        [[ "$state_dir" == /tmp/hoso-test-* ]] || die "refusing to wipe unexpected state dir $state_dir"
        rm -rf "$state_dir"
    fi
    hoso_ensure_secrets "$state_dir"
    # Run mode keeps point-in-time backups possible: WAL archiving into the pgBackRest repository.
    if [[ "$mode" == run ]]; then
        export HOSO_PG_ARCHIVE=1
    fi

    if ((want_pg)); then
        "$script_dir/pg.sh" start "$state_dir" "$pg_port"
        say "PostgreSQL ($mode) on 127.0.0.1:$pg_port, state in $state_dir"
    else
        say "PostgreSQL: using external HOSO_DATABASE_URL=$(redact_url "$HOSO_DATABASE_URL")"
    fi
    if ((want_ldap)); then
        "$script_dir/ldap.sh" start "$state_dir" "$ldap_port"
        say "slapd ($mode) on 127.0.0.1:$ldap_port"
    else
        say "directory: using external HOSO_DIRECTORY_URL=$HOSO_DIRECTORY_URL"
    fi
    if ((want_smtp)); then
        start_smtp_sink
        say "SMTP sink ($mode) on 127.0.0.1:$smtp_port, mail kept in $smtp_dir/mail"
    else
        say "SMTP: using external HOSO_SMTP_URL=$(redact_url "$HOSO_SMTP_URL")"
    fi
}

# status: one line per service; exit 0 only if every service this mode manages is running.
show_status() {
    local ok=0
    if ((want_pg)); then
        if [[ -d "$state_dir" ]] && "$script_dir/pg.sh" status "$state_dir" "$pg_port"; then
            echo "postgresql: running on 127.0.0.1:$pg_port ($state_dir)"
        else
            echo "postgresql: stopped"
            ok=1
        fi
    else
        echo "postgresql: external $(redact_url "$HOSO_DATABASE_URL")"
    fi
    if ((want_ldap)); then
        if [[ -d "$state_dir" ]] && "$script_dir/ldap.sh" status "$state_dir" "$ldap_port"; then
            echo "slapd: running on 127.0.0.1:$ldap_port ($state_dir)"
        else
            echo "slapd: stopped"
            ok=1
        fi
    else
        echo "slapd: external $HOSO_DIRECTORY_URL"
    fi
    if ((want_smtp)); then
        if hoso_pid_alive "$smtp_dir/sink.pid" python3; then
            echo "smtp sink: running on 127.0.0.1:$smtp_port (mail in $smtp_dir/mail)"
        else
            echo "smtp sink: stopped"
            ok=1
        fi
    else
        echo "smtp: external $(redact_url "$HOSO_SMTP_URL")"
    fi
    if hoso_pid_alive "$(hoso_server_pidfile "$state_dir")" hoso; then
        echo "hoso server: running (pid $(head -n1 "$(hoso_server_pidfile "$state_dir")"))"
    fi
    return "$ok"
}

# export_line NAME VALUE: one shell-safe `export NAME=VALUE` line.
export_line() {
    printf 'export %s=%q\n' "$1" "$2"
}

print_env() {
    hoso_load_secrets "$state_dir"
    local local_app_url="postgres://hoso_app:$HOSO_PG_APP_PASSWORD@127.0.0.1:$pg_port/hoso"
    local local_owner_url="postgres://hoso_owner:$HOSO_PG_OWNER_PASSWORD@127.0.0.1:$pg_port/hoso"
    local local_ldap_url="ldap://127.0.0.1:$ldap_port"
    local db_url migration_url directory_url directory_password="$HOSO_DEMO_DIRECTORY_PASSWORD"

    if ((want_pg)); then
        db_url="$local_app_url"
        migration_url="$local_owner_url"
    else
        db_url="$HOSO_DATABASE_URL"
        # Without a separate migration URL, migrations run with the same credentials as the server.
        if [[ -n "${HOSO_MIGRATION_DATABASE_URL:-}" ]]; then
            migration_url="$HOSO_MIGRATION_DATABASE_URL"
        else
            say "HOSO_MIGRATION_DATABASE_URL is not set; migrations will use HOSO_DATABASE_URL"
            migration_url="$HOSO_DATABASE_URL"
        fi
    fi
    if ((want_ldap)); then
        directory_url="$local_ldap_url"
    else
        directory_url="$HOSO_DIRECTORY_URL"
        directory_password="${HOSO_DEMO_DIRECTORY_PASSWORD:-$directory_password}"
    fi

    export_line HOSO_STATE_DIR "$state_dir"
    export_line HOSO_REPO_DIR "$HOSO_REPO_DIR"
    export_line HOSO_DATABASE_URL "$db_url"
    export_line HOSO_MIGRATION_DATABASE_URL "$migration_url"
    export_line HOSO_DIRECTORY_URL "$directory_url"
    export_line HOSO_DEMO_DIRECTORY_PASSWORD "$directory_password"
    # Backups (pgBackRest + Hoso's part of the repository) and the audit checkpoints' ledger. Run
    # mode only: the test cluster does not archive, and tests give each server and command a ledger
    # of their own (many test databases share tenant codes).
    if [[ "$mode" == run ]]; then
        if ((want_pg)); then
            export_line HOSO_PGBACKREST_CONFIG "$state_dir/pgbackrest/pgbackrest.conf"
            export_line HOSO_PGBACKREST_USER postgres
        fi
        export_line HOSO_BACKUP_DIR "${HOSO_BACKUP_DIR:-$state_dir/backup/hoso}"
        export_line HOSO_ANCHOR_DIR "${HOSO_ANCHOR_DIR:-$state_dir/anchors}"
    fi
    export_line HOSO_ANCHOR_KEY "${HOSO_ANCHOR_KEY:-$(hoso_anchor_key "$state_dir")}"
    export_line HOSO_PG_BINDIR "$(hoso_pg_bindir)"
    # Run mode sends through the sink (or the external server of HOSO_SMTP_URL); the tests configure
    # mail themselves, so the servers they start send nothing unless a test says so.
    if [[ "$mode" == run ]]; then
        if ((want_smtp)); then
            export_line HOSO_SMTP_URL "smtp://127.0.0.1:$smtp_port"
            export_line HOSO_SMTP_STARTTLS off
            export_line HOSO_SMTP_MAIL_DIR "$smtp_dir/mail"
        fi
        export_line HOSO_SMTP_FROM "${HOSO_SMTP_FROM:-hoso@hoso.local}"
        export_line HOSO_MAIL_LINK_KEY "${HOSO_MAIL_LINK_KEY:-$(hoso_mail_link_key "$state_dir")}"
    fi
    if [[ "$mode" == test ]]; then
        export_line HOSO_TEST_PG_HOST 127.0.0.1
        export_line HOSO_TEST_PG_PORT "$pg_port"
        export_line HOSO_TEST_PG_OWNER hoso_owner
        export_line HOSO_TEST_PG_OWNER_PASSWORD "$HOSO_PG_OWNER_PASSWORD"
        export_line HOSO_TEST_PG_APP hoso_app
        export_line HOSO_TEST_PG_APP_PASSWORD "$HOSO_PG_APP_PASSWORD"
        export_line HOSO_TEST_LDAP_URL "$local_ldap_url"
        export_line HOSO_TEST_STATE_DIR "$state_dir"
        export_line HOSO_TEST_SMTP_PORT "$smtp_port"
        export_line HOSO_TEST_SMTP_DIR "$smtp_dir"
        export_line HOSO_TEST_OUTPUT_DIR "$HOSO_REPO_DIR/test-output"
    fi
}

case "$action" in
    start) start_all ;;
    stop) stop_all ;;
    status) show_status ;;
    env) print_env ;;
    *) usage ;;
esac
