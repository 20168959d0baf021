#!/usr/bin/env bash
# `make bench`: the large synthetic province (made once, `hoso demo generate`, resumed if it was cut
# short), a release server on its own port, then scripts/bench.py: latencies of the dashboards, the
# teacher's deadlines, submit and approve; the psql floor; wrk throughput against a static route;
# the server's peak memory. Prints a table and writes bench-output/bench.json.
#
#   BENCH_PRESET=small make bench     a quick run on the test-sized province
#   BENCH_ONLY=search make bench      only the search box's latencies
#   BENCH_ONLY=lists make bench       only the item lists' latencies (a page of 100 with its count)
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
source "$script_dir/lib.sh"
cd "$HOSO_REPO_DIR"

preset="${BENCH_PRESET:-large}"
port="${BENCH_PORT:-8091}"

"$script_dir/install-deps.sh"
python="$("$script_dir/python-env.sh")"

hoso_bench_province "$preset"

if hoso_port_in_use "$port"; then die "port $port is in use; set BENCH_PORT"; fi
log="$HOSO_STATE_DIR/bench-server.log"
HOSO_HTTP_HOST=127.0.0.1 HOSO_HTTP_PORT="$port" HOSO_LOG_LEVEL=warning setsid "$bin" serve </dev/null >"$log" 2>&1 &
server=$!
# shellcheck disable=SC2317 # called through the trap
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
trap cleanup EXIT
for ((i = 0; i < 60; i++)); do
    curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/healthz" 2>/dev/null && break
    sleep 0.5
done

mkdir -p bench-output
"$python" "$script_dir/bench.py" --base "http://127.0.0.1:$port" --pid "$server" --preset "$preset" --out bench-output/bench.json \
    ${BENCH_ONLY:+--only "$BENCH_ONLY"}
