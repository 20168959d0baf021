#!/usr/bin/env bash
# `make clean`: stops everything this checkout runs, then removes the build and the state dirs.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
source "$script_dir/lib.sh"

"$script_dir/stop.sh"
"$script_dir/services.sh" stop test
for mode in run test; do
    dir="$(hoso_state_dir "$mode")"
    [[ "$dir" == /tmp/hoso-"$mode"-* ]] || die "unexpected state dir $dir"
    rm -rf "$dir"
done
rm -rf "$HOSO_REPO_DIR/.build"
say "removed .build and the state dirs"
