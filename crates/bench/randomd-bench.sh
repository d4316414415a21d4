#!/usr/bin/env bash
# Throughput of randomd (durable accounting: every answer's usage is fsynced to SQLite first) next to
# the plain spec example server, in the same run, with wrk on 127.0.0.1 only.
#
# Scenarios: spec-server subtract(42, 23); randomd generateIntegers (n=1); randomd
# generateSignedIntegers (n=1, RSA-4096 signature). Each server is pinned to CPU 1 and wrk to CPU 0
# when taskset is available. After each randomd run, getUsage must account for every request wrk
# completed: JSON-RPC errors are HTTP 200, so this is what proves the figure counts real answers.
#
# Environment: DURATION (default 10s), CONNECTIONS (default 32), DURABILITY (power-loss or
# process-crash, default power-loss), SKIP_BUILD=1, PORT_BASE (18600).
# Usage: bash crates/bench/randomd-bench.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
BIN=$ROOT/target/release
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
PORT_BASE=${PORT_BASE:-18600}
LUA_DIR=$ROOT/crates/bench/wrk

# shellcheck source=randomd-common.sh
source "$ROOT/crates/bench/randomd-common.sh"
require_tools wrk curl python3
if [[ -z ${SKIP_BUILD:-} ]]; then
  cargo build --release -p spec-server -p randomd
fi

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

rate() { # wrk output -> requests/s
  awk '/^Requests\/sec:/ {print $2}' <<<"$1"
}

run_wrk() { # URL LUA
  "${CLIENT_PIN[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s "$2" "$1"
}

echo "== spec-server: subtract"
SPEC_URL=http://127.0.0.1:$PORT_BASE/
"${SERVER_PIN[@]}" "$BIN/spec-server" --listen "127.0.0.1:$PORT_BASE" >/dev/null 2>&1 &
PIDS+=($!)
wait_for_post "$SPEC_URL" '{"jsonrpc":"2.0","method":"get_data","id":1}'
spec_output=$(run_wrk "$SPEC_URL" "$LUA_DIR/single.lua")
spec_rate=$(rate "$spec_output")
kill "${PIDS[-1]}"

RANDOMD_PORT=$((PORT_BASE + 1))
RANDOMD_URL=http://127.0.0.1:$RANDOMD_PORT$RPC
"$BIN/randomd" --data-dir "$WORK/randomd" keys list >/dev/null 2>&1 || true
export RANDOMD_KEY
RANDOMD_KEY=$(new_bench_key --data-dir "$WORK/randomd")
"${SERVER_PIN[@]}" "$BIN/randomd" --data-dir "$WORK/randomd" serve --listen "127.0.0.1:$RANDOMD_PORT" \
  --durability "${DURABILITY:-power-loss}" >/dev/null 2>&1 &
PIDS+=($!)
wait_for_randomd "$RANDOMD_URL" "$RANDOMD_KEY"

declare -A rates
for method in generateIntegers generateSignedIntegers; do
  echo "== randomd: $method"
  before=$(total_requests "$RANDOMD_URL" "$RANDOMD_KEY")
  export RANDOMD_METHOD=$method
  output=$(run_wrk "$RANDOMD_URL" "$LUA_DIR/randomd-integers.lua")
  after=$(total_requests "$RANDOMD_URL" "$RANDOMD_KEY")
  completed=$(awk -F'[= ]' '/^completed=/ {print $2}' <<<"$output")
  accounted=$((after - before))
  echo "$output" | grep -E 'Requests/sec|Latency|completed='
  if ((accounted < completed)); then
    echo "error: wrk completed $completed requests but only $accounted were accounted: errors were served" >&2
    exit 1
  fi
  rates[$method]=$(rate "$output")
done

printf '\n%-40s %12s %10s\n' "scenario" "requests/s" "vs spec"
printf '%-40s %12.0f %10s\n' "spec-server subtract" "$spec_rate" "1.00x"
for method in generateIntegers generateSignedIntegers; do
  printf '%-40s %12.0f %9.2fx\n' "randomd $method (n=1)" "${rates[$method]}" \
    "$(python3 -c "print(${rates[$method]} / $spec_rate)")"
done
echo "(wrk -t1 -c$CONNECTIONS -d$DURATION; durability ${DURABILITY:-power-loss}; pinning: ${SERVER_PIN[*]:-none} / ${CLIENT_PIN[*]:-none})"
