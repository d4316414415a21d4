# Steps the randomd load scripts share; sourced, not run. Expects ROOT, BIN and WORK to be set.

# Fails unless every named tool is installed.
require_tools() { # TOOL...
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || {
      echo "error: $tool is not installed (apt-get install -y $(basename "$tool"))" >&2
      exit 1
    }
  done
}

# Servers go to CPU 1 and load generators to CPU 0, when taskset is there and the machine has 2+ cores.
SERVER_PIN=()
CLIENT_PIN=()
if command -v taskset >/dev/null 2>&1 && (($(nproc) >= 2)); then
  SERVER_PIN=(taskset -c 1)
  CLIENT_PIN=(taskset -c 0)
fi

RPC=/json-rpc/1/invoke

usage_body() { # KEY
  echo '{"jsonrpc":"2.0","method":"getUsage","params":{"apiKey":"'"$1"'"},"id":1}'
}

# Waits until a POST of BODY to URL succeeds (a 2xx status).
wait_for_post() { # URL BODY
  for _ in $(seq 1 200); do
    curl -sf -o /dev/null -H 'Content-Type: application/json' -d "$2" "$1" && return 0
    sleep 0.05
  done
  echo "error: $1 did not come up" >&2
  exit 1
}

# Waits until randomd answers getUsage for KEY at URL.
wait_for_randomd() { # URL KEY
  wait_for_post "$1" "$(usage_body "$2")"
}

# The key's lifetime request count: after a wrk run it must have grown by every request completed.
total_requests() { # URL KEY
  curl -s -H 'Content-Type: application/json' "$1" -d "$(usage_body "$2")" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["totalRequests"])'
}

# A key with an allowance no benchmark can use up, created with randomd's own command.
new_bench_key() { # RANDOMD-ARGS...
  "$BIN/randomd" "$@" keys create --name bench --bits 1000000000000000 --requests 1000000000000 2>/dev/null
}
