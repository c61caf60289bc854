#!/bin/sh
# Runs one target in the background for $2 seconds (default 600), logging to runs/<target>.log.
# Usage (from fuzz/): ./run_bg.sh TARGET [SECONDS]
t=$1; secs=${2:-600}
mkdir -p corpus/$t artifacts/$t runs
exec nice -n 10 cargo +nightly fuzz run "$t" corpus/$t -- -max_total_time="$secs" -dict=dict/linerate.dict \
  -print_final_stats=1 -rss_limit_mb=2048 -timeout=20 > runs/$t.log 2>&1
