#!/usr/bin/env bash
# HTTP throughput of jrpc (spec-server) against jsonrpsee 0.26 (jsonrpsee-server) and a bare hyper
# server that returns a fixed reply (hyper-fixed), loaded with wrk on 127.0.0.1 only.
#
# Scenarios: one subtract(42, 23) call per request against all three servers; a batch of 100
# subtract calls per request against jrpc and jsonrpsee. Each server runs alone, in turn.
#
# With taskset and at least 2 CPUs, each server is pinned to CPU 1 and wrk to CPU 0, so the load
# generator and the server do not fight over one core (tokio then starts one worker thread, since it
# sizes its pool from the CPUs the process may run on). Set NO_PIN=1 to run unpinned.
#
# Environment: DURATION (default 10s), WARMUP (default 2s, 0 to skip), CONNECTIONS (default 32),
# ROUNDS (default 3: every server and scenario is run ROUNDS times, interleaved; the median and
# the best requests/s are reported with every round's figure, as a shared VM is noisy: use 5),
# PORT_BASE (default 18545), NO_PIN, SKIP_BUILD=1 to reuse target/release binaries (or
# $CARGO_TARGET_DIR/release), METRICS_ONLY=1 to run only jrpc with and without its MetricsLayer
# (single calls; builds spec-server only), BASELINE=/path/to/an/older/spec-server to run that build
# too in every round (a before/after comparison of a change, e.g. one built from an older commit
# with its own CARGO_TARGET_DIR).
#
# Usage: bash crates/bench/http-bench.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
BENCH_DIR=$ROOT/crates/bench
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONNECTIONS=${CONNECTIONS:-32}
ROUNDS=${ROUNDS:-3}
THREADS=1
PORT_BASE=${PORT_BASE:-18545}

for tool in wrk curl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "error: $tool is not installed; install it with: apt-get install -y $tool" >&2
    exit 1
  fi
done

SERVER_PIN=()
WRK_PIN=()
if [[ -z ${NO_PIN:-} ]] && command -v taskset >/dev/null 2>&1 && (($(nproc) >= 2)); then
  SERVER_PIN=(taskset -c 1)
  WRK_PIN=(taskset -c 0)
  PINNING="server on CPU 1, wrk on CPU 0 (taskset)"
else
  PINNING="none"
fi

if [[ -z ${SKIP_BUILD:-} ]]; then
  echo "== building release binaries"
  if [[ -n ${METRICS_ONLY:-} ]]; then
    cargo build --release -p spec-server
  else
    cargo build --release -p spec-server -p jrpc-bench --bins
  fi
fi
BINARIES=(spec-server jsonrpsee-server hyper-fixed)
[[ -n ${METRICS_ONLY:-} ]] && BINARIES=(spec-server)
for binary in "${BINARIES[@]}"; do
  [[ -x $BIN/$binary ]] || { echo "error: $BIN/$binary is missing" >&2; exit 1; }
done

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SINGLE='{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}'
BATCH="[$(for id in $(seq 1 100); do
  printf '{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":%d},' "$id"
done)"
BATCH="${BATCH%,}]"

post() { # url body
  curl -sS --max-time 5 -X POST "$1" -H 'Content-Type: application/json' --data-binary "$2"
}

# start NAME PORT COMMAND...: starts a server pinned to the server CPU and waits until it answers.
start() {
  local name=$1 port=$2
  shift 2
  "${SERVER_PIN[@]}" "$@" >"$WORK/$name.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "error: $name exited; its output:" >&2
      cat "$WORK/$name.log" >&2
      exit 1
    fi
    if post "http://127.0.0.1:$port/" "$SINGLE" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  echo "error: $name did not answer on port $port within 10 s" >&2
  exit 1
}

stop() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

# validate NAME URL CALLS: checks with curl that the reply answers CALLS subtract calls with 19.
validate() {
  local name=$1 url=$2 calls=$3 body reply results
  if ((calls == 1)); then body=$SINGLE; else body=$BATCH; fi
  reply=$(post "$url" "$body")
  results=$(grep -o '"result":19[,}]' <<<"$reply" | wc -l)
  if ((results != calls)); then
    echo "error: $name gave a wrong answer to $calls call(s): $reply" >&2
    exit 1
  fi
  echo "   $name answers $calls call(s) correctly"
}

declare -A RPS RUNS
# load NAME SCENARIO URL: runs wrk with the scenario's Lua script and records requests/s.
load() {
  local name=$1 scenario=$2 url=$3 out=$WORK/$1-$2.txt rps
  local script=$BENCH_DIR/wrk/$scenario.lua
  if [[ $WARMUP != 0 ]]; then
    "${WRK_PIN[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$script" "$url" >/dev/null
  fi
  "${WRK_PIN[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$script" "$url" >"$out"
  sed 's/^/   /' "$out"
  if ! grep -q '^non_2xx=0$' "$out"; then
    echo "error: $name/$scenario got HTTP error statuses" >&2
    exit 1
  fi
  if grep -q 'Socket errors' "$out"; then
    echo "warning: $name/$scenario had socket errors (see above)" >&2
  fi
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  RUNS[$name/$scenario]="${RUNS[$name/$scenario]:-}${RUNS[$name/$scenario]:+ }$rps"
  if [[ -z ${RPS[$name/$scenario]:-} ]] || awk -v a="$rps" -v b="${RPS[$name/$scenario]}" 'BEGIN { exit !(a > b) }'; then
    RPS[$name/$scenario]=$rps
  fi
}

echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "== wrk: $THREADS thread, $CONNECTIONS connections, $DURATION per run (warm-up $WARMUP), $ROUNDS round(s); pinning: $PINNING"

for round in $(seq 1 "$ROUNDS"); do
  port=$PORT_BASE
  echo "== round $round: jrpc (spec-server) on port $port"
  start jrpc "$port" "$BIN/spec-server" --listen "127.0.0.1:$port"
  validate jrpc "http://127.0.0.1:$port/" 1
  validate jrpc "http://127.0.0.1:$port/" 100
  load jrpc single "http://127.0.0.1:$port/"
  [[ -n ${METRICS_ONLY:-} ]] || load jrpc batch100 "http://127.0.0.1:$port/"
  stop

  if [[ -n ${BASELINE:-} ]]; then
    echo "== round $round: the baseline build ($BASELINE) on port $port"
    start before "$port" "$BASELINE" --listen "127.0.0.1:$port"
    validate before "http://127.0.0.1:$port/" 1
    validate before "http://127.0.0.1:$port/" 100
    load before single "http://127.0.0.1:$port/"
    [[ -n ${METRICS_ONLY:-} ]] || load before batch100 "http://127.0.0.1:$port/"
    stop
  fi

  echo "== round $round: jrpc with MetricsLayer (spec-server --metrics) on port $port"
  start jrpc+metrics "$port" "$BIN/spec-server" --listen "127.0.0.1:$port" --metrics
  validate jrpc+metrics "http://127.0.0.1:$port/" 1
  load jrpc+metrics single "http://127.0.0.1:$port/"
  stop
  [[ -z ${METRICS_ONLY:-} ]] || continue

  port=$((PORT_BASE + 1))
  echo "== round $round: jsonrpsee (jsonrpsee-server) on port $port"
  start jsonrpsee "$port" "$BIN/jsonrpsee-server" --listen "127.0.0.1:$port"
  validate jsonrpsee "http://127.0.0.1:$port/" 1
  validate jsonrpsee "http://127.0.0.1:$port/" 100
  load jsonrpsee single "http://127.0.0.1:$port/"
  load jsonrpsee batch100 "http://127.0.0.1:$port/"
  stop

  port=$((PORT_BASE + 2))
  echo "== round $round: bare hyper (hyper-fixed) on port $port"
  start hyper "$port" "$BIN/hyper-fixed" --listen "127.0.0.1:$port"
  validate hyper "http://127.0.0.1:$port/" 1
  load hyper single "http://127.0.0.1:$port/"
  stop
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
median() { tr ' ' '\n' <<<"$1" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A MEDIAN
echo
echo "== results: requests/s over $ROUNDS round(s) (wrk -t$THREADS -c$CONNECTIONS -d$DURATION; pinning: $PINNING)"
printf '%-10s %-10s %12s %12s %14s   %s\n' scenario server median best "median calls/s" "all rounds"
for scenario in single batch100; do
  for name in jrpc before jrpc+metrics jsonrpsee hyper; do
    key=$name/$scenario
    [[ -n ${RPS[$key]:-} ]] || continue
    MEDIAN[$key]=$(median "${RUNS[$key]}")
    calls=${MEDIAN[$key]}
    [[ $scenario == batch100 ]] && calls=$(awk -v r="$calls" 'BEGIN { printf "%.0f", r * 100 }')
    printf '%-10s %-10s %12s %12s %14s   %s\n' "$scenario" "$name" "${MEDIAN[$key]}" "${RPS[$key]}" "$calls" "${RUNS[$key]}"
  done
done
# per_round A B: the ratio A/B of each round, then their median (rounds run close in time, so
# slow drifts of a shared machine cancel out in them).
per_round() {
  local -a a b
  local ratios="" i
  read -r -a a <<<"${RUNS[$1]}"
  read -r -a b <<<"${RUNS[$2]}"
  for i in "${!a[@]}"; do
    ratios="$ratios${ratios:+ }$(ratio "${a[$i]}" "${b[$i]}")"
  done
  echo "median $(median "$ratios") of: $ratios"
}

if [[ -n ${METRICS_ONLY:-} ]]; then
  echo
  echo "per-round ratio: single: jrpc+metrics/jrpc $(per_round jrpc+metrics/single jrpc/single)  [>= 0.97]"
  [[ -z ${BASELINE:-} ]] || echo "per-round ratio: single: jrpc/before $(per_round jrpc/single before/single)"
  exit 0
fi
if [[ -n ${BASELINE:-} ]]; then
  echo
  echo "per-round ratio against the baseline build: single: jrpc/before $(per_round jrpc/single before/single)"
  [[ -n ${METRICS_ONLY:-} ]] || echo "per-round ratio against the baseline build: batch100: jrpc/before $(per_round jrpc/batch100 before/batch100)"
fi
echo
echo "per-round ratios:"
echo "  single:   jrpc/jsonrpsee $(per_round jrpc/single jsonrpsee/single)"
echo "  single:   jrpc/hyper     $(per_round jrpc/single hyper/single)"
echo "  single:   jrpc+metrics/jrpc $(per_round jrpc+metrics/single jrpc/single)"
echo "  batch100: jrpc/jsonrpsee $(per_round jrpc/batch100 jsonrpsee/batch100)"
echo
echo "ratios of medians (of bests) [target]:"
echo "  single:   jrpc/jsonrpsee = $(ratio "${MEDIAN[jrpc/single]}" "${MEDIAN[jsonrpsee/single]}") ($(ratio "${RPS[jrpc/single]}" "${RPS[jsonrpsee/single]}"))  [>= 1.2]"
echo "  single:   jrpc+metrics/jrpc = $(ratio "${MEDIAN[jrpc+metrics/single]}" "${MEDIAN[jrpc/single]}")  [>= 0.97]"
echo "  single:   jrpc/hyper     = $(ratio "${MEDIAN[jrpc/single]}" "${MEDIAN[hyper/single]}") ($(ratio "${RPS[jrpc/single]}" "${RPS[hyper/single]}"))  [>= 0.9]"
echo "  batch100: jrpc/jsonrpsee = $(ratio "${MEDIAN[jrpc/batch100]}" "${MEDIAN[jsonrpsee/batch100]}") ($(ratio "${RPS[jrpc/batch100]}" "${RPS[jsonrpsee/batch100]}"))  [>= 2.0]"
