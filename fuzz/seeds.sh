#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/<target>/) from the conformance scripts' `-->` messages
# (crates/jrpc/conformance/*.txt; a line without a marker continues the message above it), plus a
# few hand-written inputs for the targets whose input is not a JSON-RPC message. Idempotent.
set -euo pipefail
cd "$(dirname "$0")"
scripts=../crates/jrpc/conformance
out=corpus
mkdir -p "$out"/{wire_parse,framing,server_handle,http_service,randomd_params,cli_check,cli_params}

# One message per file in a temporary directory.
messages=$(mktemp -d)
trap 'rm -rf "$messages"' EXIT
awk -v dir="$messages" '
  function flush() { if (msg != "") { n++; f = sprintf("%s/m%04d", dir, n); printf "%s", msg > f; close(f) } msg = "" }
  /^-->/ { flush(); msg = substr($0, 5); sub(/^ +/, "", msg); next }
  /^(<--|<==|#|@)/ || /^[[:space:]]*$/ { flush(); next }
  { if (msg != "") msg = msg "\n" $0 }
  END { flush() }
' "$scripts"/*.txt

for m in "$messages"/m*; do
  name=$(basename "$m")
  for target in wire_parse server_handle cli_check; do cp "$m" "$out/$target/$name"; done
  # framing: a byte choosing the framing, a byte of chunk count, chunk sizes, then the message.
  printf '\x00\x03\x01\x07\x02' > "$out/framing/nl-$name"; cat "$m" >> "$out/framing/nl-$name"
  printf '\x01\x02\x05\x03' > "$out/framing/cl-$name"; cat "$m" >> "$out/framing/cl-$name"
  # http_service: the message as the body of a POST.
  {
    printf 'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n' "$(wc -c < "$m")"
    cat "$m"
  } > "$out/http_service/$name"
done
printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' > "$out/http_service/get"
printf 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n[1,2]\r\n0\r\n\r\n' > "$out/http_service/chunked"
printf 'GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n' > "$out/http_service/ws"

# randomd_params: a selector byte (kind = byte % 6; 128 and above: no params), then params.
key='"apiKey":"00000000-0000-0000-0000-000000000000"'
printf '\x00{%s,"n":6,"min":1,"max":6,"replacement":false,"base":16}' "$key" > "$out/randomd_params/integers"
printf '\x01{%s,"n":3,"decimalPlaces":8}' "$key" > "$out/randomd_params/decimals"
printf '\x02{%s,"n":4,"mean":0.0,"standardDeviation":1e1,"significantDigits":5}' "$key" > "$out/randomd_params/gaussians"
printf '\x03{%s,"n":2,"length":5,"characters":"abc\\u00e9","replacement":true}' "$key" > "$out/randomd_params/strings"
printf '\x04{%s,"n":2}' "$key" > "$out/randomd_params/uuids"
printf '\x05{%s,"n":1,"size":16,"format":"hex"}' "$key" > "$out/randomd_params/blobs"
printf '\x06[1,2,3]' > "$out/randomd_params/positional"

# cli_params: flags (1: --string, 2: --params), then arguments separated by NUL.
printf '\x00a=1\x00b:=[1,{"c":2}]' > "$out/cli_params/named"
printf '\x0042\x00true\x00hello\x00"a=b"' > "$out/cli_params/positional"
printf '\x01x\x00y=z' > "$out/cli_params/strings"
printf '\x02 { "a" : [ 1 , 2 ] }' > "$out/cli_params/raw"
echo "seeded $(ls "$messages" | wc -l) messages from $scripts"
