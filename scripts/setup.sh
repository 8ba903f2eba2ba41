#!/usr/bin/env bash
# Installs whatever is missing to build, serve and test the app on a Debian/Ubuntu machine,
# and skips what is already there. Safe to run again and again.
#   scripts/setup.sh          tools to build and serve (wasm target, wasm-bindgen, trunk, wasm-opt, dataset)
#   scripts/setup.sh --test   also what the tests need (Chromium + ChromeDriver, wasm-pack, Playwright)
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen pinned in Cargo.toml
TRUNK_VERSION=0.21.14          # 0.22 needs a newer rustc than 1.95
WASM_PACK_VERSION=0.15.1
DATA_FILES="train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz"
DEBIAN_DATA=/usr/share/datasets/fashion-mnist
OFFICIAL_DATA=http://fashion-mnist.s3-website.eu-central-1.amazonaws.com

want_test=0
[ "${1:-}" = "--test" ] && want_test=1
say() { echo "[setup] $*" >&2; }
export PATH="$HOME/.cargo/bin:$PATH"

SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO=sudo
apt_updated=0
apt_install() {
  command -v apt-get >/dev/null || { say "no apt-get: install $* yourself"; return 1; }
  if [ $apt_updated = 0 ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

# --- Rust target --------------------------------------------------------------------------
command -v cargo >/dev/null || { say "cargo not found: install Rust with rustup first"; exit 1; }
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"; rustup target add wasm32-unknown-unknown
fi

# --- cargo-installed tools, only when the exact version is missing --------------------------
cargo_tool() { # binary version crate [extra cargo install args]
  local bin=$1 version=$2 crate=$3; shift 3
  if command -v "$bin" >/dev/null && "$bin" --version 2>/dev/null | grep -q " $version"; then return; fi
  say "installing $crate $version (a few minutes, once)"
  cargo install "$crate" --version "$version" "$@"
}
# wasm-bindgen-cli's own lock pins a crate the registry lacks, so no --locked here.
cargo_tool wasm-bindgen "$WASM_BINDGEN_VERSION" wasm-bindgen-cli
cargo_tool trunk "$TRUNK_VERSION" trunk --locked

# --- wasm-opt: binaryen 132 from npm (Debian's binaryen 108 emits wasm that crashes) -------
if [ ! -x tools/node_modules/.bin/wasm-opt ]; then
  command -v npm >/dev/null || apt_install nodejs npm
  say "installing binaryen 132 (wasm-opt) into tools/"
  (cd tools && npm ci --no-audit --no-fund --silent)
fi

# --- The dataset, served next to the page under data/ --------------------------------------
mkdir -p data
missing=0
for f in $DATA_FILES; do [ -s "data/$f" ] || missing=1; done
if [ $missing = 1 ]; then
  if [ ! -s "$DEBIAN_DATA/train-images-idx3-ubyte.gz" ] && command -v apt-get >/dev/null; then
    say "installing Debian's dataset-fashion-mnist"
    apt_install dataset-fashion-mnist || true
  fi
  for f in $DATA_FILES; do
    [ -s "data/$f" ] && continue
    if [ -s "$DEBIAN_DATA/$f" ]; then
      cp "$DEBIAN_DATA/$f" "data/$f"
    else
      say "downloading $f from the official location"
      curl -fsSL --retry 3 -o "data/$f.part" "$OFFICIAL_DATA/$f" && mv "data/$f.part" "data/$f"
    fi
  done
fi

if [ $want_test = 1 ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing Chromium and ChromeDriver"; apt_install chromium chromium-driver
  fi
  cargo_tool wasm-pack "$WASM_PACK_VERSION" wasm-pack --locked
  if [ ! -d tests/e2e/node_modules/playwright-core ]; then
    say "installing playwright-core (driver only; it uses Debian's Chromium)"
    (cd tests/e2e && npm ci --no-audit --no-fund --silent)
  fi
fi
say "ready"
