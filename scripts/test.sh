#!/usr/bin/env bash
# One command for every test: installs what is missing (scripts/setup.sh --test), then runs
#   0. `cargo fmt --check` and `cargo clippy -D warnings`, natively and for wasm32
#   1. native `cargo test`: dataset parsing, batching, augmentation, models, training, the
#      protocol's messages, the page's computations (src/view)
#   2. `wasm-pack test --headless --chrome`: training in the browser on the CPU and on WebGPU
#   3. `trunk build --release`, then the end-to-end tests in headless Chromium (tests/e2e)
# Prints how long each step took. Screenshots of the e2e runs land in target/e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."
t_start=$(date +%s)
bash scripts/setup.sh --test
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export FASHION_MNIST_DIR="$PWD/data"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
# SwiftShader (software WebGPU) trains at tens of images/s: the default 20 s per test is too short.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-900}"

timings=()
step() { # name command...
  local name=$1; shift
  echo "=== $name" >&2
  local t0=$(date +%s)
  "$@"
  timings+=("$name: $(( $(date +%s) - t0 )) s")
}

step "format" cargo fmt --check
step "clippy (native)" cargo clippy --all-targets --features native -- -D warnings
step "clippy (wasm32: worker)" cargo clippy --target wasm32-unknown-unknown --lib --bins -- -D warnings
step "clippy (wasm32: page)" cargo clippy --target wasm32-unknown-unknown --lib --bins --no-default-features --features page -- -D warnings
step "native tests" cargo test
step "browser tests (wasm-pack, CPU + WebGPU)" wasm-pack test --headless --chrome --release -- --test web
step "release build (trunk)" trunk --skip-version-check build --release
step "end-to-end tests" node tests/e2e/run.mjs

echo "=== timings" >&2
printf '  %s\n' "${timings[@]}" "total including setup: $(( $(date +%s) - t_start )) s" >&2
