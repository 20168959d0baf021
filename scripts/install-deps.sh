#!/usr/bin/env bash
# Installs the Debian packages Hoso needs to build, test and run, but only those that are missing.
# `apt-get update` runs only when something has to be installed, so a machine that already has
# everything pays nothing (this runs at the start of every `make run` and `make test`).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

packages=(
    libpq-dev       # PostgreSQL client library headers
    libssl-dev
    libldap2-dev    # OpenLDAP client library (CLDAP target)
    libxml2-dev
    libxmlsec1-dev  # XML-DSig of record manifests (CXMLSec target)
    xmlsec1         # command line tool, used by tests to cross-check signatures
    libxml2-utils   # xmllint, used by tests to check exported manifests against the XSD
    unzip           # tests open the archive packages
    libhpdf-dev     # libharu, PDF generation (CHaru target)
    libcurl4-openssl-dev # SMTP for the outbox (CCurl target)
    python3-aiosmtpd # the local SMTP sink of make run and make test (scripts/smtp-sink.py)
    fonts-liberation2 # Liberation 2 has Vietnamese glyphs; 1.x does not
    slapd           # project-local directory server (scripts/ldap.sh)
    ldap-utils      # ldapsearch/ldapwhoami, used to wait for slapd
    postgresql
    postgresql-contrib # ltree, pgcrypto, unaccent
    pgbackrest      # point-in-time backups (hoso backup, scripts/pg.sh with HOSO_PG_ARCHIVE=1)
    poppler-utils   # pdftotext, used by tests
    qpdf
    curl            # health check in scripts/run.sh
    zlib1g-dev      # ZIPFoundation (XLSX exports)
    wrk             # make bench: the load generator
    chromium        # browser tests (Selenium, headless)
    chromium-driver
)

missing=()
for pkg in "${packages[@]}"; do
    # `dpkg-query -W` also knows about removed-but-configured packages, so look at the status text.
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    if [[ "$status" != "install ok installed" ]]; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} == 0)); then
    say "system packages: nothing to do"
    exit 0
fi

if ((EUID == 0)); then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    die "missing packages (${missing[*]}); not root and sudo is not available: install them as root"
fi

say "installing system packages: ${missing[*]}"

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# Installing slapd creates (and may start) Debian's own instance for dc=nodomain; Hoso never uses it.
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
