#!/usr/bin/env bash
# Peers on the same data as examples/throughput: ripgrep -F -f, GNU grep -F -f and Python
# Hyperscan (block mode, one database of the literal indicator strings, HS_FLAG_SINGLEMATCH),
# each printing GB/s, so BENCHMARKS.md can put them next to linerate.
#
# Not run by CI (it installs packages and takes minutes). Usage:
#   benches/peers.sh                     # 1M indicators, 16 MiB corpus, 0.1% hit rate
#   N=100000 MB=64 HIT=0.01 benches/peers.sh
#   CORPUS=file.log FIXED=fixed.txt benches/peers.sh   # existing data (one fixed string a line)
#
# Fixed-string matchers are weaker than linerate: they see CIDRs and regexes not at all (left
# out of the pattern file), do no parent-domain walk, no URL normalization, and report
# substring hits (`evil.com` inside `notevil.com`). Their figures bound what a literal
# multi-pattern scan costs on the same bytes, not the same semantics.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1000000}
MB=${MB:-16}
HIT=${HIT:-0.001}
SEED=${SEED:-18762366}
OUT=${OUT:-target/peers}
mkdir -p "$OUT"

# --- install what is missing -------------------------------------------------------------
if ! command -v rg >/dev/null || ! command -v grep >/dev/null; then
    (apt-get update -qq && apt-get install -y -qq ripgrep grep) >/dev/null 2>&1 ||
        echo "peers: could not install ripgrep/grep with apt-get" >&2
fi
HS=1
if ! python3 -c 'import hyperscan' 2>/dev/null; then
    pip install -q hyperscan >/dev/null 2>&1 || true
    python3 -c 'import hyperscan' 2>/dev/null || { HS=0; echo "peers: Python hyperscan unavailable (pip install hyperscan failed)" >&2; }
fi

# --- data --------------------------------------------------------------------------------
if [[ -z "${CORPUS:-}" ]]; then
    CORPUS=$OUT/corpus-$N-$MB-$HIT.log
    FIXED=$OUT/fixed-$N.txt
    if [[ ! -s $CORPUS || ! -s $FIXED ]]; then
        cargo run --quiet --release --example throughput -- --indicators "$N" --mb "$MB" \
            --hit-rate "$HIT" --seed "$SEED" --no-naive --passes 1 \
            --write-corpus "$CORPUS" --write-fixed "$FIXED" --write-indicators "$OUT/indicators-$N.tsv" >/dev/null
    fi
fi
: "${FIXED:?set FIXED to a file of fixed strings, one a line}"
BYTES=$(stat -c %s "$CORPUS")
PATTERNS=$(wc -l <"$FIXED")
echo "peers: corpus $CORPUS ($BYTES bytes, $(wc -l <"$CORPUS") lines), $PATTERNS fixed-string patterns"
echo "machine: $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"

now() { date +%s.%N; }
gbs() { python3 -c "import sys; b,t=float(sys.argv[1]),float(sys.argv[2]); print(f'{b/t/1e9:.3f}' if t>0 else 'n/a')" "$@"; }

# A tool's time on an empty input is its pattern compile time; its scan speed is the slope
# between the corpus and the corpus four times over (compile and start-up cancel out).
BIG=$OUT/$(basename "$CORPUS").x4
[[ -s $BIG ]] || cat "$CORPUS" "$CORPUS" "$CORPUS" "$CORPUS" >"$BIG"
secs() { python3 -c "import sys; print(f'{float(sys.argv[2])-float(sys.argv[1]):.3f}')" "$@"; }
peer() {
    local name=$1; shift
    local t0 t1 t2 t3 n n4
    t0=$(now); "$@" /dev/null >/dev/null || true; t1=$(now)
    n=$("$@" "$CORPUS" || true); t2=$(now)
    n4=$("$@" "$BIG" || true); t3=$(now)  # not >/dev/null: grep then stops at the first match
    local comp one four
    comp=$(secs "$t0" "$t1"); one=$(secs "$t1" "$t2"); four=$(secs "$t2" "$t3")
    printf '%-24s compile %6s s   1x %7s s   4x %7s s   scan %s GB/s (slope 1x->4x), %s GB/s (1x incl. compile)   matching lines %s (4x: %s)\n' \
        "$name" "$comp" "$one" "$four" "$(gbs $((3 * BYTES)) "$(python3 -c "print(max($four-$one, 1e-9))")")" "$(gbs "$BYTES" "$one")" "$n" "$n4"
}

export LC_ALL=C
if command -v rg >/dev/null; then
    echo "ripgrep: $(rg --version | head -1)"
    peer "ripgrep -F -f" rg --no-config -c -F -f "$FIXED"
fi
echo "grep: $(grep --version | head -1)"
peer "GNU grep -F -f" grep -c -F -f "$FIXED"

if [[ $HS == 1 ]]; then
    python3 - "$CORPUS" "$FIXED" <<'EOF'
import sys, time, hyperscan as hs
corpus = open(sys.argv[1], 'rb').read()
pats = [l for l in open(sys.argv[2], 'rb').read().split(b'\n') if l]
print(f"hyperscan: python-hyperscan {getattr(hs, '__version__', '?')}, {len(pats)} literals")
t = time.perf_counter()
db = hs.Database(mode=hs.HS_MODE_BLOCK)
flags = [hs.HS_FLAG_SINGLEMATCH] * len(pats)
try:
    db.compile(expressions=pats, ids=list(range(len(pats))), flags=flags, literal=True)
    how = "hs_compile_lit_multi"
except TypeError:
    import re
    db.compile(expressions=[re.escape(p) for p in pats], ids=list(range(len(pats))), flags=flags)
    how = "hs_compile_multi (escaped)"
comp = time.perf_counter() - t
scratch = hs.Scratch(db)
hits = [0]
def on_match(i, a, b, f, ctx):
    hits[0] += 1
# The whole corpus as one block: the engine's throughput (SINGLEMATCH: once per pattern).
best = None
for _ in range(3):
    hits[0] = 0
    t = time.perf_counter()
    db.scan(corpus, match_event_handler=on_match, scratch=scratch)
    d = time.perf_counter() - t
    best = d if best is None else min(best, d)
print(f"{'hyperscan block (whole)':<24} compile {comp:6.2f} s ({how})   scan {len(corpus)/best/1e9:.3f} GB/s   patterns seen {hits[0]}")
# One block per line, as a sensor would call it (includes Python call overhead per line).
lines = corpus.split(b'\n')
hits[0] = 0
t = time.perf_counter()
for l in lines:
    db.scan(l, match_event_handler=on_match, scratch=scratch)
d = time.perf_counter() - t
print(f"{'hyperscan block (lines)':<24} scan {len(corpus)/d/1e9:.3f} GB/s ({len(lines)/d/1e6:.2f} M lines/s, Python call per line)   matches {hits[0]}")
EOF
fi
