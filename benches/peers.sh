#!/usr/bin/env bash
# Peers on the same data as examples/throughput: ripgrep -F -f, GNU grep -F -f and Python
# Hyperscan (block mode, one database of the literal indicator strings, HS_FLAG_SINGLEMATCH),
# each printing GB/s, so BENCHMARKS.md can put them next to linerate.
#
# Not run by CI (it installs packages and takes minutes). Usage:
#   benches/peers.sh                     # 1M indicators, 16 MiB corpus, 0.1% hit rate
#   N=100000 MB=64 HIT=0.01 benches/peers.sh
#   CORPUS=file.log FIXED=fixed.txt benches/peers.sh   # existing data (one fixed string a line)
#   PEERS="grep hs" PEER_TIMEOUT=600 benches/peers.sh  # choose peers, time limit per run
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
PEER_TIMEOUT=${PEER_TIMEOUT:-300}   # seconds per tool run (ripgrep with 1M patterns needs > 8 GB)
PEERS=${PEERS:-"rg grep hs"}        # which peers to run
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

gbs() { python3 -c "import sys; b,t=float(sys.argv[1]),float(sys.argv[2]); print(f'{b/t/1e9:.3f}' if t>0 else 'n/a')" "$@"; }
calc() { python3 -c "print(f'{max($1, 1e-9):.3f}')"; }

# Runs a command on one input; prints "WALL CPU" seconds (CPU = user + sys, which is what
# counts on a loaded machine); the command's output goes to $OUT/peer.out (not /dev/null:
# GNU grep then stops at the first match).
run_t() {
    local TIMEFORMAT='%R %U %S'
    { time timeout "$PEER_TIMEOUT" "$@" >"$OUT/peer.out" 2>/dev/null || true; } 2>&1 | awk '{printf "%s %.3f\n", $1, $2 + $3}'
}

# A tool's time on an empty input is its pattern compile time; its scan speed is the slope
# between the corpus and the corpus four times over (compile and start-up cancel out).
BIG=$OUT/$(basename "$CORPUS").x4
[[ -s $BIG ]] || cat "$CORPUS" "$CORPUS" "$CORPUS" "$CORPUS" >"$BIG"
peer() {
    local name=$1; shift
    local e1 e2 o1 o2 f1 f2 n n4
    read -r e1 e2 < <(run_t "$@" /dev/null)
    if python3 -c "import sys; sys.exit(0 if $e1 >= $PEER_TIMEOUT - 1 else 1)"; then
        printf '%-24s did not finish compiling its %s patterns within %s s (PEER_TIMEOUT)\n' "$name" "$PATTERNS" "$PEER_TIMEOUT"
        return
    fi
    read -r o1 o2 < <(run_t "$@" "$CORPUS"); n=$(cat "$OUT/peer.out")
    read -r f1 f2 < <(run_t "$@" "$BIG"); n4=$(cat "$OUT/peer.out")
    printf '%-24s compile %6s s wall %6s s CPU | 1x %7s s wall %7s s CPU | 4x %7s s wall %7s s CPU | scan (slope 1x->4x) %s GB/s wall, %s GB/s per CPU-second | matching lines %s (4x: %s)\n' \
        "$name" "$e1" "$e2" "$o1" "$o2" "$f1" "$f2" \
        "$(gbs $((3 * BYTES)) "$(calc "$f1-$o1")")" "$(gbs $((3 * BYTES)) "$(calc "$f2-$o2")")" "$n" "$n4"
}

export LC_ALL=C
if [[ $PEERS == *rg* ]] && command -v rg >/dev/null; then
    echo "ripgrep: $(rg --version | head -1)"
    peer "ripgrep -F -f" rg --no-config -c -F -f "$FIXED"
fi
if [[ $PEERS == *grep* ]]; then
    echo "grep: $(grep --version | head -1)"
    peer "GNU grep -F -f" grep -c -F -f "$FIXED"
fi

if [[ $HS == 1 && $PEERS == *hs* ]]; then
    python3 - "$CORPUS" "$FIXED" <<'EOF'
import sys, time, hyperscan as hs
corpus = open(sys.argv[1], 'rb').read()
pats = [l for l in open(sys.argv[2], 'rb').read().split(b'\n') if l]
print(f"hyperscan: python-hyperscan {getattr(hs, '__version__', '?')}, {len(pats)} literals")
t = time.perf_counter(); c = time.process_time()
db = hs.Database(mode=hs.HS_MODE_BLOCK)
flags = [hs.HS_FLAG_SINGLEMATCH] * len(pats)
try:
    db.compile(expressions=pats, ids=list(range(len(pats))), flags=flags, literal=True)
    how = "hs_compile_lit_multi"
except TypeError:
    import re
    db.compile(expressions=[re.escape(p) for p in pats], ids=list(range(len(pats))), flags=flags)
    how = "hs_compile_multi (escaped)"
comp = time.perf_counter() - t; compc = time.process_time() - c
scratch = hs.Scratch(db)
hits = [0]
def on_match(i, a, b, f, ctx):
    hits[0] += 1
# The whole corpus as one block: the engine's throughput (SINGLEMATCH: once per pattern).
ws, cs = [], []
for _ in range(3):
    hits[0] = 0
    t = time.perf_counter(); c = time.process_time()
    db.scan(corpus, match_event_handler=on_match, scratch=scratch)
    ws.append(time.perf_counter() - t); cs.append(time.process_time() - c)
w, c = sorted(ws)[1], sorted(cs)[1]
print(f"{'hyperscan block (whole)':<24} compile {comp:6.2f} s wall {compc:6.2f} s CPU ({how}) | scan {len(corpus)/w/1e9:.3f} GB/s wall, {len(corpus)/c/1e9:.3f} GB/s per CPU-second (median of 3) | patterns seen {hits[0]}")
# One block per line, as a sensor would call it (includes Python call overhead per line).
lines = corpus.split(b'\n')
hits[0] = 0
t = time.perf_counter(); c = time.process_time()
for l in lines:
    db.scan(l, match_event_handler=on_match, scratch=scratch)
d = time.perf_counter() - t; dc = time.process_time() - c
print(f"{'hyperscan block (lines)':<24} scan {len(corpus)/d/1e9:.3f} GB/s wall, {len(corpus)/dc/1e9:.3f} GB/s per CPU-second ({len(lines)/dc/1e6:.2f} M lines/CPU-s, one Python call per line) | matches {hits[0]}")
EOF
fi
