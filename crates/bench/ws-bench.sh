#!/usr/bin/env bash
# Persistent-connection throughput and memory, on 127.0.0.1 only:
#  1. WebSocket, small calls pipelined (depth 16) over 32 connections: jrpc (spec-server) vs
#     jsonrpsee 0.26 (jsonrpsee-server), each alone, ROUNDS times interleaved.
#  2. Newline-delimited TCP on the same load (jrpc only; jsonrpsee has no raw TCP server).
#  3. A WebSocket client that sends 50,000 calls and never reads: the server's resident memory
#     before and after (VmRSS from /proc), and whether another client is still served meanwhile.
# Servers are pinned to CPU 1 and the load generator to CPU 0 when taskset is available.
# Environment: DURATION (seconds, default 10), ROUNDS (default 3), SKIP_BUILD=1,
# BASELINE=/path/to/an/older/spec-server to load that build too in every round (before/after).
# Usage: bash crates/bench/ws-bench.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BIN=$PWD/target/release
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
SERVER_PIN=()
LOAD_PIN=()
if command -v taskset >/dev/null 2>&1 && (($(nproc) >= 2)); then
  SERVER_PIN=(taskset -c 1)
  LOAD_PIN=(taskset -c 0)
fi
if [[ -z ${SKIP_BUILD:-} ]]; then
  cargo build --release -p spec-server -p jrpc-bench --bin spec-server --bin jsonrpsee-server --bin rpc-load
fi
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

start() { # NAME ARGS... ; sets SERVER_PID
  "${SERVER_PIN[@]}" "$@" >/dev/null 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  sleep 0.5
}
load() { # URL [extra args]
  "${LOAD_PIN[@]}" "$BIN/rpc-load" --duration "$DURATION" --url "$@" 2>&1 | tail -1
}
rate() { sed -n 's/.*requests_per_sec=\([0-9]*\).*/\1/p' <<<"$1"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

declare -a JRPC_WS JSONRPSEE_WS JRPC_TCP BEFORE_WS BEFORE_TCP
for round in $(seq 1 "$ROUNDS"); do
  start "$BIN/spec-server" --listen 127.0.0.1:19545 --tcp 127.0.0.1:19546
  out=$(load ws://127.0.0.1:19545/); echo "round $round jrpc ws:      $out"; JRPC_WS+=("$(rate "$out")")
  out=$(load tcp://127.0.0.1:19546); echo "round $round jrpc tcp:     $out"; JRPC_TCP+=("$(rate "$out")")
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  if [[ -n ${BASELINE:-} ]]; then
    start "$BASELINE" --listen 127.0.0.1:19545 --tcp 127.0.0.1:19546
    out=$(load ws://127.0.0.1:19545/); echo "round $round before ws:    $out"; BEFORE_WS+=("$(rate "$out")")
    out=$(load tcp://127.0.0.1:19546); echo "round $round before tcp:   $out"; BEFORE_TCP+=("$(rate "$out")")
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  fi
  start "$BIN/jsonrpsee-server" --listen 127.0.0.1:19547
  out=$(load ws://127.0.0.1:19547/); echo "round $round jsonrpsee ws: $out"; JSONRPSEE_WS+=("$(rate "$out")")
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
jw=$(median "${JRPC_WS[@]}"); sw=$(median "${JSONRPSEE_WS[@]}"); jt=$(median "${JRPC_TCP[@]}")
printf '\nmedian of %s rounds, 32 connections x 16 in flight, %ss each\n' "$ROUNDS" "$DURATION"
printf '%-28s %12s\n' "jrpc WebSocket" "$jw" "jsonrpsee WebSocket" "$sw" "jrpc TCP (newline)" "$jt"
python3 -c "print(f'jrpc / jsonrpsee over WebSocket: {$jw / $sw:.2f}x')"
if [[ -n ${BASELINE:-} ]]; then
  bw=$(median "${BEFORE_WS[@]}"); bt=$(median "${BEFORE_TCP[@]}")
  printf '%-28s %12s\n' "baseline WebSocket" "$bw" "baseline TCP (newline)" "$bt"
  python3 -c "print(f'jrpc / baseline: WebSocket {$jw / $bw:.2f}x, TCP {$jt / $bt:.2f}x')"
  python3 -c "
import statistics
a, b = '${JRPC_WS[*]}'.split(), '${BEFORE_WS[*]}'.split()
c, d = '${JRPC_TCP[*]}'.split(), '${BEFORE_TCP[*]}'.split()
ws = [int(x) / int(y) for x, y in zip(a, b)]
tcp = [int(x) / int(y) for x, y in zip(c, d)]
print('per-round jrpc/baseline: WebSocket', ' '.join(f'{r:.2f}' for r in ws), 'median', f'{statistics.median(ws):.2f};',
      'TCP', ' '.join(f'{r:.2f}' for r in tcp), 'median', f'{statistics.median(tcp):.2f}')"
fi

echo
echo "== a WebSocket client that sends 50,000 calls and never reads"
for server in jrpc jsonrpsee; do
  if [[ $server == jrpc ]]; then
    start "$BIN/spec-server" --listen 127.0.0.1:19545; url=ws://127.0.0.1:19545/
  else
    start "$BIN/jsonrpsee-server" --listen 127.0.0.1:19547; url=ws://127.0.0.1:19547/
  fi
  before=$(rss_kib "$SERVER_PID")
  "${LOAD_PIN[@]}" "$BIN/rpc-load" --url "$url" --never-read 50000 --duration 5 >"/tmp/never-read-$server.log" 2>&1 &
  greedy=$!
  sleep 4
  after=$(rss_kib "$SERVER_PID")
  wait "$greedy" || true
  echo "$server: RSS before ${before} KiB, with the greedy client ${after} KiB, growth $(((after - before) / 1024)) MiB; $(head -1 "/tmp/never-read-$server.log")"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
done
