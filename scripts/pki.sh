#!/usr/bin/env bash
# A small certificate authority with openssl, for the demo tenant (`make run`) and the tests.
# Real tenants use certificates from their CA (VNPT-CA, Viettel-CA, the government CA, ...).
#
#   scripts/pki.sh ca DIR NAME "SUBJECT" [START END]     DIR/NAME.key + DIR/NAME.pem, a root valid 10 years
#                                                        (or from START to END: a demo's past is signed then)
#   scripts/pki.sh issue DIR CA NAME "SUBJECT" ec|rsa [START END]
#                                                        DIR/NAME.pem and DIR/NAME.p12, signed by DIR/CA;
#                                                        START/END as YYYYMMDDHHMMSSZ (default: now, 2 years)
#
# The PKCS#12 password comes from HOSO_PKI_PASSWORD (never an argument, so it is not in `ps`).
# Subjects are UTF-8, e.g. "/CN=Nguyễn Văn An/UID=an/O=Trường THCS Bình Minh".
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { die "usage: pki.sh ca DIR NAME SUBJECT [START END] | issue DIR CA NAME SUBJECT ec|rsa [START END]"; }

config() { # config DIR CA: an `openssl ca` configuration with its own database under DIR/CA.db
    local dir="$1" ca="$2" db="$1/$2.db"
    mkdir -p "$db"
    [[ -f "$db/index.txt" ]] || : >"$db/index.txt"
    [[ -f "$db/serial" ]] || openssl rand -hex 8 >"$db/serial"
    cat >"$db/openssl.cnf" <<CNF
[ca]
default_ca = issuer
[issuer]
database = $db/index.txt
new_certs_dir = $db
serial = $db/serial
certificate = $dir/$ca.pem
private_key = $dir/$ca.key
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
x509_extensions = signer
[anything]
commonName = supplied
[signer]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
    printf '%s' "$db/openssl.cnf"
}

case "${1:-}" in
ca)
    [[ $# -eq 4 || $# -eq 6 ]] || usage
    dir="$2" name="$3" subject="$4"
    mkdir -p "$dir"
    if [[ $# -eq 6 ]]; then
        # `openssl req -x509` (3.0) starts a root now: a self-signed `openssl ca` takes a start date.
        openssl req -utf8 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/$name.key" -out "$dir/$name.csr" \
            -subj "$subject" 2>/dev/null
        chmod 600 "$dir/$name.key"
        cnf="$(config "$dir" "$name")"
        printf '[root]\nbasicConstraints = critical, CA:true\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n' >>"$cnf"
        openssl ca -batch -utf8 -selfsign -preserveDN -notext -config "$cnf" -keyfile "$dir/$name.key" -in "$dir/$name.csr" \
            -out "$dir/$name.pem" -extensions root -startdate "$5" -enddate "$6" 2>/dev/null || die "openssl ca could not make $name"
        rm -f "$dir/$name.csr"
        exit 0
    fi
    openssl req -x509 -utf8 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/$name.key" -out "$dir/$name.pem" \
        -days 3650 -subj "$subject" -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    chmod 600 "$dir/$name.key"
    ;;
issue)
    [[ $# -eq 6 || $# -eq 8 ]] || usage
    dir="$2" ca="$3" name="$4" subject="$5" kind="$6"
    : "${HOSO_PKI_PASSWORD:?set HOSO_PKI_PASSWORD to the PKCS#12 password}"
    case "$kind" in
    ec) keyopts=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
    rsa) keyopts=(-newkey rsa:2048) ;;
    *) usage ;;
    esac
    if [[ $# -eq 8 ]]; then dates=(-startdate "$7" -enddate "$8"); else dates=(-days 730); fi
    cnf="$(config "$dir" "$ca")"
    openssl req -utf8 "${keyopts[@]}" -nodes -keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "$subject" 2>/dev/null
    chmod 600 "$dir/$name.key"
    openssl ca -batch -utf8 -preserveDN -notext -config "$cnf" -in "$dir/$name.csr" -out "$dir/$name.pem" "${dates[@]}" 2>/dev/null \
        || die "openssl ca could not issue $name"
    openssl pkcs12 -export -inkey "$dir/$name.key" -in "$dir/$name.pem" -certfile "$dir/$ca.pem" -name "$name" \
        -out "$dir/$name.p12" -passout env:HOSO_PKI_PASSWORD
    rm -f "$dir/$name.csr" "$dir/$name.key"
    ;;
*) usage ;;
esac
