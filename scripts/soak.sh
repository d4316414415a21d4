#!/usr/bin/env bash
# Soak: mixed load on a real randomd for N seconds (default 600), with RSS, open file descriptors
# and threads sampled and the billing checked against the answers (crates/randomd/tests/soak.rs).
# CI runs it for 15 s. Usage: bash scripts/soak.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
export RANDOMD_SOAK_SECONDS=${1:-600}
ulimit -n 8192 2>/dev/null || true
cargo test -p randomd --test soak -- --nocapture --test-threads=1
