#!/usr/bin/env bash
# Builds every fuzz target and runs each for a few seconds (default 5) on its corpus.
# Exits non-zero when a build fails or a target finds a crash (the input is left in
# fuzz/artifacts/<target>/). Not run by CI by default: the sanitizer build takes minutes.
#
# Usage (from anywhere):   fuzz/smoke.sh [SECONDS]
# Toolchain: nightly when installed (`rustup toolchain list`), else the stable toolchain
# with RUSTC_BOOTSTRAP=1 (needed for -Zsanitizer). Override with TOOLCHAIN=+nightly etc.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-5}

if [ -z "${TOOLCHAIN+x}" ]; then
  if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    TOOLCHAIN=+nightly
  else
    TOOLCHAIN=+stable
    export RUSTC_BOOTSTRAP=1
  fi
fi
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz missing: cargo install cargo-fuzz" >&2; exit 2; }

targets=$(cargo $TOOLCHAIN fuzz list)
cargo $TOOLCHAIN fuzz build
failed=()
for t in $targets; do
  mkdir -p "corpus/$t" "artifacts/$t"
  echo "== $t (${secs}s)"
  if ! cargo $TOOLCHAIN fuzz run "$t" "corpus/$t" -- \
      -max_total_time="$secs" -dict=dict/linerate.dict -rss_limit_mb=2048 -timeout=20 \
      -print_final_stats=1 2>"artifacts/$t/smoke.log"; then
    failed+=("$t")
    tail -n 40 "artifacts/$t/smoke.log" >&2
  else
    grep -E 'stat::number_of_executed_units|cov:' "artifacts/$t/smoke.log" | tail -n 2
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
echo "all $(echo $targets | wc -w) targets ran ${secs}s without a crash"
