#!/usr/bin/env bash
# Project-local, throwaway PostgreSQL cluster (never the system service).
#
#   scripts/pg.sh start|stop|status STATE_DIR PORT
#
# Layout under STATE_DIR:
#   secrets.env  passwords (shared with ldap.sh and services.sh; see lib.sh)
#   pg/data      the cluster       pg/sock  unix socket dir       pg/log  server log
#
# start is idempotent: when the cluster is already running it only makes sure the roles, the
# database and the extensions exist. Roles:
#   hoso_owner  LOGIN CREATEDB, owns database `hoso` (migrations, test databases)
#   hoso_app    LOGIN only, owns nothing (what the server connects as)
# Set HOSO_PG_FAST=1 to trade durability for speed (tests).
#
# Set HOSO_PG_ARCHIVE=1 for point-in-time backups with pgBackRest (run mode does): WAL archiving
# on (a segment at least every minute, so a restore loses at most about a minute), the stanza
# `hoso` created. pgbackrest/pgbackrest.conf under STATE_DIR is written on every start; the
# repository is the folder STATE_DIR/backup/pgbackrest, or what the file named by
# HOSO_BACKUP_REPO_SETTINGS says (repo1-* lines, e.g. an S3-compatible store: README, "Backups";
# its keys come from the environment as PGBACKREST_REPO1_S3_KEY and PGBACKREST_REPO1_S3_KEY_SECRET).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    echo "usage: $0 start|stop|status STATE_DIR PORT" >&2
    exit 2
}

(($# == 3)) || usage
action="$1"
state_dir="$2"
port="$3"
[[ "$port" =~ ^[0-9]+$ ]] || die "port must be a number, got '$port'"
[[ "$state_dir" == /* ]] || die "state dir must be an absolute path, got '$state_dir'"

bindir="$(hoso_pg_bindir)"
pg_dir="$state_dir/pg"
data_dir="$pg_dir/data"
sock_dir="$pg_dir/sock"
log_file="$pg_dir/log"
backrest_dir="$state_dir/pgbackrest"
backrest_conf="$backrest_dir/pgbackrest.conf"
backup_repo="$state_dir/backup/pgbackrest"

# initdb and pg_ctl refuse to run as root: run them as `postgres` when we are root. Everything runs
# from a folder the postgres user can enter, to avoid "could not change directory" warnings.
as_pg() {
    if ((EUID == 0)); then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

is_running() {
    [[ -f "$data_dir/PG_VERSION" ]] || return 1
    as_pg "$bindir/pg_ctl" -D "$data_dir" status >/dev/null 2>&1
}

show_log_tail() {
    if [[ -f "$log_file" ]]; then
        say "last lines of $log_file:"
        tail -n 20 "$log_file" >&2 || true
    fi
}

# psql as the superuser over the unix socket (local auth is trust, so no password is needed).
# client_min_messages=warning hides the "already exists, skipping" notices of idempotent statements.
psql_super() {
    local db="$1"
    shift
    PGOPTIONS='-c client_min_messages=warning' "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock_dir" -p "$port" -U postgres -d "$db" "$@"
}

init_cluster() {
    # A half-made data dir (interrupted initdb) would make initdb refuse to run: start over.
    rm -rf "$data_dir"
    mkdir -p "$data_dir" "$sock_dir"
    if ((EUID == 0)); then
        chown -R postgres: "$pg_dir"
    fi
    chmod 700 "$data_dir"
    local initdb_log="$pg_dir/initdb.log"
    if ! as_pg "$bindir/initdb" -D "$data_dir" -U postgres \
        --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 --no-sync >"$initdb_log" 2>&1; then
        say "initdb failed:"
        tail -n 20 "$initdb_log" >&2 || true
        exit 1
    fi
}

# Settings of Hoso's own, in a file postgresql.conf includes, rewritten on every start:
# pg_stat_statements is loaded so that `make bench` can count the statements a page sends.
write_server_settings() {
    grep -q "^include_if_exists = 'hoso-server.conf'" "$data_dir/postgresql.conf" ||
        printf "\ninclude_if_exists = 'hoso-server.conf'\n" >>"$data_dir/postgresql.conf"
    cat >"$data_dir/hoso-server.conf" <<'CONF'
# Written by scripts/pg.sh on every start.
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = top
CONF
    if ((EUID == 0)); then chown postgres: "$data_dir/hoso-server.conf"; fi
}

# The archiving settings live in a file of their own that postgresql.conf includes, rewritten on
# every start: on with HOSO_PG_ARCHIVE=1, off otherwise (archive_mode needs a restart to change).
write_archive_settings() {
    local conf="$data_dir/hoso-archive.conf"
    grep -q "^include_if_exists = 'hoso-archive.conf'" "$data_dir/postgresql.conf" ||
        printf "\ninclude_if_exists = 'hoso-archive.conf'\n" >>"$data_dir/postgresql.conf"
    if [[ "${HOSO_PG_ARCHIVE:-0}" == 1 ]]; then
        command -v pgbackrest >/dev/null 2>&1 || die "HOSO_PG_ARCHIVE=1 needs pgbackrest (scripts/install-deps.sh installs it)"
        mkdir -p "$backrest_dir/log" "$backrest_dir/lock" "$backup_repo"
        local repo_settings="repo1-path=$backup_repo"
        if [[ -n "${HOSO_BACKUP_REPO_SETTINGS:-}" ]]; then
            [[ -r "$HOSO_BACKUP_REPO_SETTINGS" ]] || die "HOSO_BACKUP_REPO_SETTINGS: cannot read $HOSO_BACKUP_REPO_SETTINGS"
            repo_settings="$(grep -E '^repo1-' "$HOSO_BACKUP_REPO_SETTINGS" || true)"
            [[ -n "$repo_settings" ]] || die "HOSO_BACKUP_REPO_SETTINGS: no repo1-* line in $HOSO_BACKUP_REPO_SETTINGS"
        fi
        # It may hold a repository's secrets (an encryption passphrase): readable by its owner only.
        (umask 077 && : >"$backrest_conf")
        chmod 600 "$backrest_conf"
        cat >"$backrest_conf" <<CONF
# Written by scripts/pg.sh on every start; see the README, "Backups".
[global]
$repo_settings
repo1-retention-full=4
repo1-retention-full-type=count
compress-type=lz4
start-fast=y
archive-async=n
log-path=$backrest_dir/log
lock-path=$backrest_dir/lock
log-level-file=info

[hoso]
pg1-path=$data_dir
pg1-port=$port
pg1-socket-path=$sock_dir
pg1-user=postgres
CONF
        cat >"$conf" <<CONF
wal_level = replica
archive_mode = on
archive_command = 'pgbackrest --config=$backrest_conf --stanza=hoso archive-push %p'
archive_timeout = 60
CONF
        if ((EUID == 0)); then chown -R postgres: "$backrest_dir" "$backup_repo" "$conf"; fi
    else
        printf 'archive_mode = off\n' >"$conf"
        if ((EUID == 0)); then chown postgres: "$conf"; fi
    fi
}

start_server() {
    if hoso_port_in_use "$port"; then
        die "port $port on 127.0.0.1 is already in use by another process; cannot start PostgreSQL for $state_dir"
    fi
    # Options are passed to the postgres binary; the state dir path never contains spaces
    # (see hoso_state_dir), so plain word splitting inside -o is fine.
    # 400: the test suite runs dozens of worlds at once, each with its own small pool (TestWorld). A
    # restore (hoso backup verify, hoso restore) starts its server with the same, as recovery needs.
    local opts="-k $sock_dir -p $port -h 127.0.0.1 -c max_connections=400"
    if [[ "${HOSO_PG_FAST:-0}" == 1 ]]; then
        opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    if ! as_pg "$bindir/pg_ctl" -D "$data_dir" -l "$log_file" -w -t 60 -o "$opts" start >/dev/null 2>&1; then
        say "PostgreSQL failed to start on port $port"
        show_log_tail
        exit 1
    fi
}

# Every step ends in `|| return 1`: this runs under `if !`, where `set -e` does not apply.
ensure_roles_and_db() {
    hoso_load_secrets "$state_dir"
    # Passwords go in as psql variables (:'name' quotes them as literals); \gexec runs the generated
    # statement only when the SELECT returns a row, which makes each CREATE conditional.
    # ALTER ROLE runs every time so the roles always match secrets.env.
    psql_super postgres \
        -v owner_pw="$HOSO_PG_OWNER_PASSWORD" -v app_pw="$HOSO_PG_APP_PASSWORD" <<'SQL' || return 1
SELECT 'CREATE ROLE hoso_owner'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hoso_owner') \gexec
SELECT 'CREATE ROLE hoso_app'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hoso_app') \gexec
ALTER ROLE hoso_owner WITH LOGIN CREATEDB NOSUPERUSER NOCREATEROLE PASSWORD :'owner_pw';
ALTER ROLE hoso_app   WITH LOGIN NOCREATEDB NOSUPERUSER NOCREATEROLE PASSWORD :'app_pw';
SQL

    # Extensions need a superuser, so create them here rather than in migrations. template1 first:
    # `hoso` (if new) and every database tests create later are copies of it and inherit them.
    local ext_sql='CREATE EXTENSION IF NOT EXISTS ltree;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS unaccent;'
    psql_super template1 <<<"$ext_sql" || return 1

    psql_super postgres <<'SQL' || return 1
SELECT 'CREATE DATABASE hoso OWNER hoso_owner'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'hoso') \gexec
SQL
    psql_super hoso <<<"$ext_sql" || return 1

    # `hoso backup` marks its consistency point as the owner: a named restore point, then the WAL
    # segment closed so that the archive holds it. Functions are granted per database.
    local grant_sql='GRANT EXECUTE ON FUNCTION pg_create_restore_point(text) TO hoso_owner;
GRANT EXECUTE ON FUNCTION pg_switch_wal() TO hoso_owner;'
    psql_super hoso <<<"$grant_sql" || return 1
    psql_super template1 <<<"$grant_sql" || return 1

    # `make bench` counts the statements a page sends (as the owner: it reads and resets the counts).
    psql_super hoso <<'SQL' || return 1
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
GRANT EXECUTE ON FUNCTION pg_stat_statements_reset TO hoso_owner;
GRANT pg_read_all_stats TO hoso_owner;
SQL
}

case "$action" in
    start)
        hoso_ensure_secrets "$state_dir"
        if ! is_running; then
            if [[ ! -f "$data_dir/PG_VERSION" ]]; then
                init_cluster
            fi
            mkdir -p "$sock_dir"
            if ((EUID == 0)); then
                chown postgres: "$pg_dir" "$sock_dir"
                if [[ -e "$log_file" ]]; then chown postgres: "$log_file"; fi
            fi
            write_server_settings
            write_archive_settings
            start_server
        fi
        if ! ensure_roles_and_db; then
            say "could not create roles/database in PostgreSQL on port $port"
            show_log_tail
            exit 1
        fi
        if [[ "${HOSO_PG_ARCHIVE:-0}" == 1 ]]; then
            # Idempotent: an existing stanza that matches the cluster is left as it is.
            if ! as_pg pgbackrest --config="$backrest_conf" --stanza=hoso --log-level-console=error stanza-create >/dev/null; then
                die "pgbackrest stanza-create failed (configuration $backrest_conf, repository $backup_repo)"
            fi
        fi
        ;;
    stop)
        if is_running; then
            if ! as_pg "$bindir/pg_ctl" -D "$data_dir" -m fast -w -t 60 stop >/dev/null 2>&1; then
                say "PostgreSQL did not stop cleanly"
                show_log_tail
                exit 1
            fi
        fi
        ;;
    status)
        is_running
        ;;
    *)
        usage
        ;;
esac
