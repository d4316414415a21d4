#!/usr/bin/env bash
# `jrpc bench` next to wrk, same server, same load, same run: one subtract(42, 23) call per HTTP
# request on CONNECTIONS keep-alive connections, 1 load thread. The server is pinned to CPU 1 and
# the load generator to CPU 0 (taskset), as in crates/bench/http-bench.sh.
#
# Servers: spec-server (jrpc) for ROUNDS interleaved rounds of wrk then jrpc bench; then one round
# against jsonrpsee-server (jsonrpsee 0.26) for the same method.
#
# Environment: DURATION (default 8s), WARMUP (default 2s), CONNECTIONS (default 32), ROUNDS
# (default 3), PORT (default 18745), SKIP_BUILD=1 to reuse target/release binaries.
#
# Usage: bash crates/jrpc-cli/scripts/vs-wrk.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
ROOT=$PWD
BIN=$ROOT/target/release
DURATION=${DURATION:-8s}
WARMUP=${WARMUP:-2s}
CONNECTIONS=${CONNECTIONS:-32}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18745}
SCRIPT=$ROOT/crates/bench/wrk/single.lua

command -v wrk >/dev/null || { echo "error: wrk is missing: apt-get install -y wrk" >&2; exit 1; }
if [[ -z ${SKIP_BUILD:-} ]]; then
  cargo build --release -p jrpc-cli -p spec-server
  cargo build --release -p jrpc-bench --bin jsonrpsee-server
fi
SERVER_PIN=(taskset -c 1)
LOAD_PIN=(taskset -c 0)

SERVER_PID=
stop() { [[ -n $SERVER_PID ]] && { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }; SERVER_PID=; }
trap stop EXIT
start() { # command...
  "${SERVER_PIN[@]}" "$@" >/dev/null 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if "$BIN/jrpc" bench "http://127.0.0.1:$PORT/" subtract 42 23 -c 1 -n 1 --json >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "error: the server did not answer" >&2; exit 1
}

run_wrk() { # name
  "${LOAD_PIN[@]}" wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" -s "$SCRIPT" "http://127.0.0.1:$PORT/" >/dev/null
  "${LOAD_PIN[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$SCRIPT" "http://127.0.0.1:$PORT/" >/tmp/vs-wrk.txt
  local rps p50 p99
  rps=$(awk '/^Requests\/sec:/ {print $2}' /tmp/vs-wrk.txt)
  p50=$(awk '$1 == "50%" {print $2}' /tmp/vs-wrk.txt)
  p99=$(awk '$1 == "99%" {print $2}' /tmp/vs-wrk.txt)
  grep -q '^non_2xx=0$' /tmp/vs-wrk.txt || { echo "error: wrk saw HTTP errors" >&2; cat /tmp/vs-wrk.txt; exit 1; }
  printf '%-10s %-11s %12s %10s %10s\n' "$1" wrk "$rps" "$p50" "$p99"
}

run_jrpc() { # name
  "${LOAD_PIN[@]}" "$BIN/jrpc" bench "http://127.0.0.1:$PORT/" subtract 42 23 -c "$CONNECTIONS" -d "$WARMUP" --json >/dev/null
  "${LOAD_PIN[@]}" "$BIN/jrpc" bench "http://127.0.0.1:$PORT/" subtract 42 23 -c "$CONNECTIONS" -d "$DURATION" --json >/tmp/vs-jrpc.json
  python3 - "$1" <<'PY'
import json, sys
s = json.load(open("/tmp/vs-jrpc.json"))
assert s["errors"]["jsonrpc"] == 0 and s["errors"]["transport"] == 0, s["errors"]
l = s["latency_us"]
print("%-10s %-11s %12.2f %9.2fms %9.2fms   (p99.9 %.2fms, max %.2fms)" % (sys.argv[1], "jrpc bench", s["requests_per_sec"], l["p50"] / 1e3, l["p99"] / 1e3, l["p99_9"] / 1e3, l["max"] / 1e3))
PY
}

echo "== $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); $CONNECTIONS connections, $DURATION per run (warm-up $WARMUP); server on CPU 1, load on CPU 0"
printf '%-10s %-11s %12s %10s %10s\n' server tool 'requests/s' p50 p99
for round in $(seq 1 "$ROUNDS"); do
  start "$BIN/spec-server" --listen "127.0.0.1:$PORT"
  run_wrk "jrpc#$round"
  run_jrpc "jrpc#$round"
  stop
done
start "$BIN/jsonrpsee-server" --listen "127.0.0.1:$PORT"
run_wrk jsonrpsee
run_jrpc jsonrpsee
stop
