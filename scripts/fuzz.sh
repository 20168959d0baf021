#!/usr/bin/env bash
# `make fuzz`: the schema-based fuzz of the JSON API (Schemathesis against web/openapi.yaml, on a
# live test server signed in as a principal), longer than the short run inside `make test`:
# HOSO_FUZZ_EXAMPLES examples per operation (default 100), every phase, every operation.
# Reports (JUnit) land in test-output/schemathesis/.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"

export HOSO_FUZZ_EXAMPLES="${HOSO_FUZZ_EXAMPLES:-100}"
export SWIFT_TEST_ARGS="--filter APIFuzzTests"
exec "$script_dir/test.sh"
