#!/usr/bin/env bash
# `make test`: throwaway test services, build, `swift test`; the services are stopped whatever happens.
#
#   SWIFT_TEST_ARGS="--filter LDAPTests" make test
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
source "$script_dir/lib.sh"
cd "$HOSO_REPO_DIR"

"$script_dir/install-deps.sh"

# Stop the test services on any exit, including a failed build or Ctrl-C. After a passing run their
# data goes too (a run leaves gigabytes of test databases, and every clean clone has a state folder
# of its own); after a failure it stays, to be looked at.
# shellcheck disable=SC2317 # called through the trap
cleanup() {
    local code=$?
    "$script_dir/services.sh" stop test || say "warning: could not stop the test services"
    local state
    state="$(hoso_state_dir test)"
    if ((code == 0)) && [[ "$state" == /tmp/hoso-test-* ]]; then
        rm -rf "$state"
    fi
}
trap cleanup EXIT

"$script_dir/services.sh" start test
# Assign first: `eval "$(...)"` would hide a failure of the command inside.
service_env="$("$script_dir/services.sh" env test)"
eval "$service_env"

# Tests write files worth looking at (PDFs, logs) here; the folder is git-ignored.
mkdir -p test-output
say "test output folder: $HOSO_REPO_DIR/test-output/"

# Python readers for what the tests export (openpyxl), exported for the tests to find.
HOSO_TEST_PYTHON="$("$script_dir/python-env.sh")"
export HOSO_TEST_PYTHON

swift build --build-tests

# SWIFT_TEST_ARGS is split on blanks on purpose: it carries several options.
read -r -a test_args <<<"${SWIFT_TEST_ARGS:-}"
status=0
swift test "${test_args[@]}" || status=$?

if ((status == 0)); then
    say "tests passed"
else
    say "tests failed (exit $status); test output folder: $HOSO_REPO_DIR/test-output/"
fi
exit "$status"
