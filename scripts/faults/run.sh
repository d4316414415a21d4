#!/usr/bin/env bash
# The fault tests, each against resources of its own (never the shared PostgreSQL on 5432):
# - PostgreSQL stopped and started under load on two randomd instances (a throwaway cluster made
#   with initdb on a free port): crates/randomd/tests/pg_restart.rs
# - TLS to PostgreSQL (sslmode=require, verify-ca, verify-full) against such a cluster with ssl=on
#   and a certificate the test generates: crates/randomd/tests/postgres_tls.rs
# - SQLite's disk full (a 2 MiB tmpfs; needs root) and a UTC day boundary crossed under load:
#   crates/randomd/tests/faults.rs
# Set RANDOMD_REQUIRE_FAULT_TESTS=1 to fail instead of skipping where initdb or mount is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ -n "${RANDOMD_REQUIRE_FAULT_TESTS:-}" ]]; then
  export RANDOMD_REQUIRE_PG_RESTART_TEST=1 RANDOMD_REQUIRE_PG_TLS_TEST=1 RANDOMD_REQUIRE_DISK_FULL_TEST=1
fi
cargo test -p randomd --test pg_restart --test postgres_tls --test faults -- --nocapture --test-threads=1
