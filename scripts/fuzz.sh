#!/usr/bin/env bash
# Fuzzes every parser that reads outside bytes, each for SECONDS (default 60), with libFuzzer
# through cargo-fuzz (nightly; it is not part of scripts/test.sh, whose time is CI's):
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
# Targets: dataset model_file picture_header sketch query protocol (fuzz/fuzz_targets/).
# Seeds are written first from the real dataset files in data/ (scripts/setup.sh puts them
# there; without them the dataset target starts from made-up files) and the bad cases the
# tests know. Corpora grow in fuzz/corpus/ between runs; anything found is saved under
# fuzz/artifacts/TARGET/ and named in the summary, and the script then exits 1. Every finding
# becomes a regression test in tests/fuzz_findings.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

SECONDS_EACH="${1:-60}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(dataset model_file picture_header sketch query protocol)
CARGO_FUZZ_VERSION=0.13.2
say() { echo "[fuzz] $*" >&2; }

if ! rustup toolchain list | grep -q '^nightly'; then
  say "installing the nightly toolchain (cargo-fuzz needs it for the sanitizers)"
  rustup toolchain install nightly --profile minimal \
    || { say "no nightly toolchain and none could be installed: fuzzing needs one"; exit 1; }
fi
if ! cargo fuzz --version 2>/dev/null | grep -q " $CARGO_FUZZ_VERSION"; then
  say "installing cargo-fuzz $CARGO_FUZZ_VERSION (a few minutes, once)"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

say "building the targets (address sanitizer, coverage)"
(cd fuzz && cargo +nightly fuzz build -O >/dev/null)
(cd fuzz && cargo +nightly run -q --release --bin seeds -- ../data corpus)

LOGS=target/fuzz-logs
mkdir -p "$LOGS"
found=0
printf '%-15s %12s %10s %8s %s\n' target executions exec/s corpus findings > "$LOGS/summary.txt"
for t in "${TARGETS[@]}"; do
  say "$t: ${SECONDS_EACH} s"
  before=$(ls fuzz/artifacts/"$t" 2>/dev/null | wc -l)
  # A single allocation over 256 MB counts as a finding: no input may make a decoder ask for
  # more than its stated bound (README "Fuzzing").
  set +e
  (cd fuzz && cargo +nightly fuzz run -O "$t" "corpus/$t" -- \
    -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=256 -print_final_stats=1) \
    > "$LOGS/$t.log" 2>&1
  rc=$?
  set -e
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$LOGS/$t.log" | grep -o '[0-9]*$' || true)
  speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$LOGS/$t.log" | grep -o '[0-9]*$' || true)
  corpus=$(ls "fuzz/corpus/$t" | wc -l)
  after=$(ls fuzz/artifacts/"$t" 2>/dev/null | wc -l)
  new=$((after - before))
  if [ "$rc" -ne 0 ] || [ "$new" -gt 0 ]; then
    found=1
    what=$(grep -o 'Test unit written to [^ ]*' "$LOGS/$t.log" | sed 's/Test unit written to //' | tr '\n' ' ')
    findings="FOUND (exit $rc): ${what:-see $LOGS/$t.log}"
  else
    findings=none
  fi
  printf '%-15s %12s %10s %8s %s\n' "$t" "${runs:-?}" "${speed:-?}" "$corpus" "$findings" >> "$LOGS/summary.txt"
done
cat "$LOGS/summary.txt"
exit $found
