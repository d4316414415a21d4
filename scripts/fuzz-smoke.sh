#!/usr/bin/env bash
# Builds every fuzz target (fuzz/, cargo-fuzz on the nightly toolchain), replays its seeds and
# committed regressions, then fuzzes each briefly (FUZZ_SECONDS, default 20) in one process (no -jobs: that would write fuzz-N.log files into the repository).
# Installs cargo-fuzz when it is missing. Usage: bash scripts/fuzz-smoke.sh [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-20}

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "error: the nightly toolchain is missing (rustup toolchain install nightly)" >&2
  exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install --locked cargo-fuzz
fi

bash fuzz/seeds.sh
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(cargo +nightly fuzz list --fuzz-dir fuzz)
fi
# No sanitizer: the code under test forbids unsafe, and the CPU goes further without ASan.
build=(--fuzz-dir fuzz -s none)
cargo +nightly fuzz build "${build[@]}"
for target in "${targets[@]}"; do
  echo "== $target: replay, then ${seconds} s"
  mkdir -p "fuzz/regressions/$target"
  # Replay: -runs=0 executes every input of the given directories once and stops.
  cargo +nightly fuzz run "${build[@]}" "$target" "fuzz/corpus/$target" "fuzz/regressions/$target" -- -runs=0
  cargo +nightly fuzz run "${build[@]}" "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 2>&1 | tail -n 12
done
