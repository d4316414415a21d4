#!/usr/bin/env bash
# The whole test suite. Installs the real peer programs the interoperability tests run (Python's
# rdoclient, jsonrpcclient, websockets, requests and cryptography; Node's jayson and ws, and the
# OpenRPC meta-schema, ajv and @open-rpc/test-coverage; openssl; nginx for the scale-out test;
# Chromium and playwright-core for the playground), then runs `cargo test`. A missing peer fails
# here, loudly, never as a skipped test. The PostgreSQL tests run too, against
# RANDOMD_TEST_POSTGRES_URL (by default the local server, postgres://postgres@127.0.0.1:5432/test);
# an unreachable server fails here, with the command that starts it. On a machine without
# PostgreSQL, RANDOMD_SKIP_POSTGRES=1 skips them, with a warning.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${RANDOMD_SKIP_POSTGRES:-}" == 1 ]]; then
  unset RANDOMD_TEST_POSTGRES_URL
  echo "warning: RANDOMD_SKIP_POSTGRES=1: the PostgreSQL tests (crates/randomd/tests/postgres.rs and" >&2
  echo "         scale_out.rs) are SKIPPED; this run does not cover randomd on PostgreSQL" >&2
else
  export RANDOMD_TEST_POSTGRES_URL="${RANDOMD_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
  if ! command -v pg_isready >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y -qq postgresql-client >/dev/null
  fi
  if ! pg_isready -q -d "$RANDOMD_TEST_POSTGRES_URL"; then
    echo "error: PostgreSQL is not reachable at $RANDOMD_TEST_POSTGRES_URL (RANDOMD_TEST_POSTGRES_URL);" >&2
    echo "       the PostgreSQL tests need it. Start the local server with:" >&2
    echo "         pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start" >&2
    echo "       or, on a machine without PostgreSQL, skip those tests: RANDOMD_SKIP_POSTGRES=1 bash scripts/test.sh" >&2
    exit 1
  fi
  if ! psql -w -Atq -d "$RANDOMD_TEST_POSTGRES_URL" -c 'SELECT 1' >/dev/null; then
    echo "error: PostgreSQL answers but refused $RANDOMD_TEST_POSTGRES_URL (see psql's message above);" >&2
    echo "       create the database or point RANDOMD_TEST_POSTGRES_URL at one the tests may use" >&2
    exit 1
  fi
fi

if ! command -v openssl >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq openssl python3 python3-pip nodejs npm >/dev/null
fi
if ! command -v nginx >/dev/null 2>&1 && [[ ! -x /usr/sbin/nginx ]]; then
  apt-get update -qq
  apt-get install -y -qq nginx >/dev/null
fi
python3 -m pip install --quiet --disable-pip-version-check \
  'rdoclient==1.0.1' requests cryptography 'jsonrpcclient==4.0.3' websockets 'jsonrpcserver==5.0.9' \
  prometheus_client
# rdoclient 1.0 is Python 2 code: import it the way the test's shim does.
python3 -c 'import sys, queue; sys.modules["Queue"] = queue
import rdoclient, requests, cryptography, jsonrpcclient, websockets, jsonrpcserver, prometheus_client'
# Release 4's official Python client, rdoclient 1.5.0, in its own venv (1.0.1 above stays for Release 1);
# crates/randomd/tests/release4.rs runs it from target-venv (or RANDOMD_TEST_RDOCLIENT15_PYTHON).
if [[ ! -x target-venv/bin/python3 ]]; then
  python3 -m venv target-venv
fi
target-venv/bin/python3 -m pip install --quiet --disable-pip-version-check 'rdoclient==1.5.0'
target-venv/bin/python3 -c 'import rdoclient'
# Release 4's official JavaScript client, @randomorg/core.
(cd crates/randomd/tests/interop/r4 && npm install --no-audit --no-fund --silent)
node -e 'require("./crates/randomd/tests/interop/r4/node_modules/@randomorg/core")'
(cd crates/spec-server/tests/interop && npm install --no-audit --no-fund --silent)
# The servers `jrpc conform` judges in crates/jrpc-cli/tests/conform.rs: jayson and json-rpc-2.0.
(cd crates/jrpc-cli/tests/peers && npm install --no-audit --no-fund --silent)
# The playground's browser test: Debian's Chromium driven by playwright-core (no bundled browser).
if [[ ! -x /usr/bin/chromium ]]; then
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
(cd crates/spec-server/tests/browser && npm install --no-audit --no-fund --silent)
node -e 'require("./crates/spec-server/tests/browser/node_modules/playwright-core")'
node -e 'require("./crates/spec-server/tests/interop/node_modules/jayson/promise")'
# The official OpenRPC tools that check spec-server's rpc.discover document.
(cd crates/spec-server/tests/openrpc && npm install --no-audit --no-fund --silent)
node -e 'require("./crates/spec-server/tests/openrpc/node_modules/@open-rpc/test-coverage")'
# systemd-analyze checks deploy/randomd.service (crates/randomd/tests/cli.rs).
if ! command -v systemd-analyze >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq systemd >/dev/null
fi
openssl version >/dev/null
/usr/sbin/nginx -v 2>/dev/null || nginx -v

cargo test "$@"
# The client tour of the README must keep running as written.
cargo run -q -p jrpc --example client >/dev/null
if [[ "${RANDOMD_SKIP_POSTGRES:-}" == 1 ]]; then
  echo "warning: the PostgreSQL tests were SKIPPED (RANDOMD_SKIP_POSTGRES=1)" >&2
fi
