#!/usr/bin/env bash
# One command to run the app: installs what is missing, then builds and serves it with Trunk
# at http://127.0.0.1:8080/ (set PORT to change). Release build: debug-built Burn trains
# far too slowly to be useful.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
exec trunk --skip-version-check serve --release --port "${PORT:-8080}" "$@"
