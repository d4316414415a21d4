#!/usr/bin/env bash
# Throughput of randomd with the PostgreSQL store next to SQLite, and with one versus two instances
# behind nginx (deploy/nginx/randomd.conf with this script's ports), in the same run, with wrk on
# 127.0.0.1 only.
#
# Scenarios, each for generateIntegers (n=1) and generateSignedIntegers (n=1, RSA-4096):
#   sqlite    one instance, SQLite (fsync per group commit), called directly
#   pg-1      one instance, PostgreSQL, called directly
#   pg-1-lb   one instance, PostgreSQL, behind nginx
#   pg-2-lb   two instances, PostgreSQL, behind nginx
# Pinning (when taskset is there and the machine has 2+ cores): randomd instances on CPU 1, wrk and
# nginx on CPU 0; PostgreSQL is the machine's own server and is not pinned. Two instances share
# CPU 1, so on a 2-core machine "pg-2-lb" shows the cost of sharing one database, not a scale-out
# gain. After each run getUsage must account for every request wrk completed, and nginx must have
# answered none with a non-2xx status.
#
# Environment: DURATION (default 8s), CONNECTIONS (default 32), SKIP_BUILD=1, PORT_BASE (18700),
# POSTGRES_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/test; a database is created next
# to it and dropped at the end).
# Usage: bash crates/bench/randomd-scale-bench.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
BIN=$ROOT/target/release
DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-32}
PORT_BASE=${PORT_BASE:-18700}
LUA_DIR=$ROOT/crates/bench/wrk
ADMIN_URL=${POSTGRES_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}
DB_NAME=randomd_bench_$$
PG_URL=${ADMIN_URL%/*}/$DB_NAME
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# shellcheck source=randomd-common.sh
source "$ROOT/crates/bench/randomd-common.sh"
require_tools wrk curl python3 psql "$NGINX"
if [[ -z ${SKIP_BUILD:-} ]]; then
  cargo build --release -p randomd
fi

WORK=$(mktemp -d)
PIDS=()
stop_all() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
cleanup() {
  stop_all
  psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

psql -q "$ADMIN_URL" -c "CREATE DATABASE $DB_NAME" >/dev/null
"$BIN/randomd" --signing-key "$WORK/signing-key.pem" pubkey >/dev/null 2>&1

start_instance() { # DATABASE PORT
  "${SERVER_PIN[@]}" "$BIN/randomd" --database "$1" --signing-key "$WORK/signing-key.pem" \
    serve --listen "127.0.0.1:$2" >/dev/null 2>"$WORK/randomd-$2.log" &
  PIDS+=($!)
}

start_nginx() { # LISTEN_PORT UPSTREAM_PORT...
  local prefix=$WORK/nginx-$1
  mkdir -p "$prefix/logs"
  local servers=""
  for port in "${@:2}"; do
    servers+="        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
  done
  # The repository's config with this run's ports: the two upstream lines become ours.
  python3 - "$ROOT/deploy/nginx/randomd.conf" "$prefix/nginx.conf" "$1" "$servers" <<'PY'
import sys
source, target, port, servers = sys.argv[1:]
text = open(source).read()
lines = [l for l in text.splitlines(keepends=True) if not l.strip().startswith("server 127.0.0.1:808")]
text = "".join(lines).replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{port};")
text = text.replace("        keepalive 32;", servers + "        keepalive 32;")
open(target, "w").write(text)
PY
  "${CLIENT_PIN[@]}" "$NGINX" -p "$prefix/" -c "$prefix/nginx.conf" -e stderr -g 'daemon off;' 2>"$prefix/stderr.log" &
  PIDS+=($!)
}

declare -A rates
run() { # SCENARIO URL KEY
  local scenario=$1 url=$2 key=$3
  for method in generateIntegers generateSignedIntegers; do
    local before after output completed non2xx
    before=$(total_requests "$url" "$key")
    output=$(RANDOMD_KEY=$key RANDOMD_METHOD=$method "${CLIENT_PIN[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" \
      -s "$LUA_DIR/randomd-integers.lua" "$url")
    after=$(total_requests "$url" "$key")
    completed=$(awk -F'[= ]' '/^completed=/ {print $2}' <<<"$output")
    non2xx=$(awk -F'[= ]' '/^completed=/ {print $4}' <<<"$output")
    echo "== $scenario $method: $(grep -E 'Requests/sec' <<<"$output" | tr -s ' ')  $(grep -E '^completed=' <<<"$output")"
    if ((after - before < completed)) || ((non2xx > 0)); then
      echo "error: wrk completed $completed requests ($non2xx non-2xx) but only $((after - before)) were accounted" >&2
      exit 1
    fi
    rates[$scenario/$method]=$(awk '/^Requests\/sec:/ {print $2}' <<<"$output")
  done
}

new_key() { # DATABASE
  new_bench_key --database "$1" --signing-key "$WORK/signing-key.pem"
}

# SQLite, one instance.
SQLITE_DB=$WORK/randomd.sqlite3
key=$(new_key "$SQLITE_DB")
start_instance "$SQLITE_DB" $((PORT_BASE + 1))
wait_for_randomd "http://127.0.0.1:$((PORT_BASE + 1))$RPC" "$key"
run sqlite "http://127.0.0.1:$((PORT_BASE + 1))$RPC" "$key"
stop_all

# PostgreSQL: one instance directly, one behind nginx, two behind nginx.
key=$(new_key "$PG_URL")
start_instance "$PG_URL" $((PORT_BASE + 2))
wait_for_randomd "http://127.0.0.1:$((PORT_BASE + 2))$RPC" "$key"
run pg-1 "http://127.0.0.1:$((PORT_BASE + 2))$RPC" "$key"
start_nginx $((PORT_BASE + 10)) $((PORT_BASE + 2))
wait_for_randomd "http://127.0.0.1:$((PORT_BASE + 10))$RPC" "$key"
run pg-1-lb "http://127.0.0.1:$((PORT_BASE + 10))$RPC" "$key"
stop_all

start_instance "$PG_URL" $((PORT_BASE + 2))
start_instance "$PG_URL" $((PORT_BASE + 3))
wait_for_randomd "http://127.0.0.1:$((PORT_BASE + 2))$RPC" "$key"
wait_for_randomd "http://127.0.0.1:$((PORT_BASE + 3))$RPC" "$key"
start_nginx $((PORT_BASE + 11)) $((PORT_BASE + 2)) $((PORT_BASE + 3))
wait_for_randomd "http://127.0.0.1:$((PORT_BASE + 11))$RPC" "$key"
run pg-2-lb "http://127.0.0.1:$((PORT_BASE + 11))$RPC" "$key"
served=$(awk '{print $(NF-1)}' "$WORK/nginx-$((PORT_BASE + 11))/logs/access.log" | sort | uniq -c | tr -s ' ' | tr '\n' ';')
echo "== pg-2-lb calls per instance (nginx access log):$served"
stop_all

printf '\n%-34s %14s %14s\n' "scenario" "integers/s" "signed/s"
for scenario in sqlite pg-1 pg-1-lb pg-2-lb; do
  printf '%-34s %14.0f %14.0f\n' "$scenario" "${rates[$scenario/generateIntegers]}" "${rates[$scenario/generateSignedIntegers]}"
done
echo "(wrk -t1 -c$CONNECTIONS -d$DURATION; pinning: randomd ${SERVER_PIN[*]:-none}, wrk and nginx ${CLIENT_PIN[*]:-none}; PostgreSQL unpinned)"
