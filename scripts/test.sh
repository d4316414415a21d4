#!/usr/bin/env bash
# The whole test suite. Installs the real peer programs the interoperability tests run (Python's
# rdoclient, jsonrpcclient, websockets, requests and cryptography; Node's jayson and ws; openssl;
# nginx for the scale-out test; Chromium and playwright-core for the playground), then runs
# `cargo test`. A missing peer fails here, loudly, never as a skipped test. The PostgreSQL tests
# run when RANDOMD_TEST_POSTGRES_URL is set (.ci/run sets it).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v openssl >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq openssl python3 python3-pip nodejs npm >/dev/null
fi
if ! command -v nginx >/dev/null 2>&1 && [[ ! -x /usr/sbin/nginx ]]; then
  apt-get update -qq
  apt-get install -y -qq nginx >/dev/null
fi
python3 -m pip install --quiet --disable-pip-version-check \
  'rdoclient==1.0.1' requests cryptography 'jsonrpcclient==4.0.3' websockets
# rdoclient 1.0 is Python 2 code: import it the way the test's shim does.
python3 -c 'import sys, queue; sys.modules["Queue"] = queue
import rdoclient, requests, cryptography, jsonrpcclient, websockets'
(cd crates/spec-server/tests/interop && npm install --no-audit --no-fund --silent)
# The playground's browser test: Debian's Chromium driven by playwright-core (no bundled browser).
if [[ ! -x /usr/bin/chromium ]]; then
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
(cd crates/spec-server/tests/browser && npm install --no-audit --no-fund --silent)
node -e 'require("./crates/spec-server/tests/browser/node_modules/playwright-core")'
node -e 'require("./crates/spec-server/tests/interop/node_modules/jayson/promise")'
openssl version >/dev/null
/usr/sbin/nginx -v 2>/dev/null || nginx -v

cargo test "$@"
# The client tour of the README must keep running as written.
cargo run -q -p jrpc --example client >/dev/null
