#!/usr/bin/env bash
# `make stop`: stops the server started by `make run`, then the run-mode services.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
source "$script_dir/lib.sh"

hoso_stop_server "$(hoso_state_dir run)"
"$script_dir/services.sh" stop run
say "stopped"
