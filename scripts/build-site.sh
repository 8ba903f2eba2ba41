#!/usr/bin/env bash
# Builds the static site into dist/: installs what is missing (scripts/setup.sh, which also
# fetches the dataset into data/), then `trunk build --release`. dist/ is self-contained, with
# relative URLs only: copy it to any static host, under any path. dist/data/ holds the four
# dataset files (47 MB); to serve them from elsewhere, leave them out and open the page with
# ?data=<their URL>/ (that host must allow cross-origin requests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
trunk --skip-version-check build --release
echo "[build-site] dist/ is ready: $(du -sh dist | cut -f1), $(find dist -type f | wc -l) files" >&2
