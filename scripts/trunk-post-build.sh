#!/usr/bin/env bash
# Trunk post-build hook (Trunk.toml). Content-hashed file names, so that a redeploy never pairs
# old glue code with a new wasm: Trunk hashes the page's glue and wasm itself, but leaves a
# `data-type="worker"` build under its plain name, so this hashes the worker's pair here (the
# glue names its wasm, so both are renamed together). The bootstraps (web/boot.js,
# web/worker.js) find the names through index.html, where this writes them in place of the
# placeholders, with the worker wasm's size (its download's progress, whatever the server's
# compression).
set -euo pipefail
cd "$TRUNK_STAGING_DIR"
one() { # the single file matching a pattern
  local found=( $1 )
  [ ${#found[@]} -eq 1 ] && [ -e "${found[0]}" ] || { echo "trunk-post-build: expected one $1, found: ${found[*]}" >&2; exit 1; }
  echo "${found[0]}"
}
hash=$(cat fashion-worker_bg.wasm fashion-worker.js | sha256sum | cut -c1-16)
sed -i "s|fashion-worker_bg\.wasm|fashion-worker-${hash}_bg.wasm|g" fashion-worker.js
mv fashion-worker_bg.wasm "fashion-worker-${hash}_bg.wasm"
mv fashion-worker.js "fashion-worker-${hash}.js"
page_js=$(one 'page-*[0-9a-f].js')
page_wasm=$(one 'page-*_bg.wasm')
worker_bytes=$(stat -c %s "fashion-worker-${hash}_bg.wasm")
sed -i -e "s|__PAGE_GLUE__|$page_js|g" -e "s|__PAGE_WASM__|$page_wasm|g" -e "s|__WORKER_GLUE__|fashion-worker-${hash}.js|g" \
  -e "s|__WORKER_WASM__|fashion-worker-${hash}_bg.wasm|g" -e "s|__WORKER_WASM_BYTES__|${worker_bytes}|g" index.html
