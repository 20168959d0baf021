#!/usr/bin/env bash
# The project's Python test environment: a virtual environment with the readers and drivers the
# tests use (openpyxl to open exported spreadsheets; selenium for the browser tests), pinned.
# Made once per checkout and reused; prints the path of its python on stdout.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

venv="$HOSO_REPO_DIR/.venv"
requirements="$HOSO_REPO_DIR/scripts/python-requirements.txt"
stamp="$venv/.requirements"

if [[ ! -x "$venv/bin/python" ]] || ! cmp -s "$requirements" "$stamp"; then
    say "python test environment: installing $(tr '\n' ' ' <"$requirements")"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
fi
echo "$venv/bin/python"
