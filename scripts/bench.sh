#!/usr/bin/env bash
# The training benchmark (README "Speed beside TensorFlow.js"): installs what is missing, builds
# the release site, trains three-conv at batch 64 in headless Chromium on our CPU backend and
# our WebGPU path, then runs TensorFlow.js's peer benchmark (../shared/peers/tfjs/run.sh) on the
# same machine, and prints images/s, our/TF.js ratios, one-epoch time and test accuracy.
# Takes about 15 minutes on 2 cores without a GPU. Env: see tests/e2e/bench.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
trunk --skip-version-check build --release
node tests/e2e/bench.mjs
