#!/usr/bin/env bash
# A fuzzing campaign measured in CPU time, not wall time: each target runs (one process, one worker,
# at nice 19 so builds and tests on the machine keep their share) until the fuzzer itself has used
# CPU_MINUTES of CPU (default 30, as issue 16 asks), then is interrupted and prints libFuzzer's final
# stats. libFuzzer's own -max_total_time counts wall time, which on a shared machine says little
# about the work done. Targets run one after another; start two of these with different targets to
# use both cores. The corpus grows in fuzz/corpus/TARGET (seeded by fuzz/seeds.sh); a crash stops
# the target and leaves its input in fuzz/artifacts/TARGET. Never pause a fuzzer (SIGSTOP): its
# per-input timeout counts wall time, so a pause is reported as a 'timeout' finding.
#
# Usage: CPU_MINUTES=30 bash scripts/fuzz-campaign.sh TARGET... (log: fuzz/campaign/TARGET.log)
# A summary line per target goes to stdout: executions, their rate per CPU second and per wall
# second, coverage, CPU seconds, outcome.
set -euo pipefail
cd "$(dirname "$0")/.."
cpu_limit=$(( ${CPU_MINUTES:-30} * 60 ))
[[ $# -gt 0 ]] || { echo "usage: CPU_MINUTES=30 bash scripts/fuzz-campaign.sh TARGET..." >&2; exit 2; }

bash fuzz/seeds.sh
cargo +nightly fuzz build --fuzz-dir fuzz -s none >/dev/null
bin_dir=fuzz/target/x86_64-unknown-linux-gnu/release
ticks=$(getconf CLK_TCK)
mkdir -p fuzz/campaign

cpu_seconds() { # utime + stime of one process, in seconds
  awk -v t="$ticks" '{ print int(($14 + $15) / t) }' "/proc/$1/stat" 2>/dev/null || echo 0
}

for target in "$@"; do
  [[ -x $bin_dir/$target ]] || { echo "error: no fuzz target $target in $bin_dir" >&2; exit 2; }
  mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
  log=fuzz/campaign/$target.log
  nice -n 19 "$bin_dir/$target" "fuzz/corpus/$target" -max_len=4096 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$target/" >"$log" 2>&1 &
  pid=$!
  used=0
  while kill -0 "$pid" 2>/dev/null; do
    used=$(cpu_seconds "$pid")
    if (( used >= cpu_limit )); then
      kill -INT "$pid"
      break
    fi
    sleep 5
  done
  outcome=interrupted-at-limit
  wait "$pid" || true
  grep -q 'ERROR: libFuzzer\|==ERROR\|panicked' "$log" && outcome=FOUND-SOMETHING
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{ print $2 }')
  speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | awk '{ print $2 }')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | awk '{ print $2 }')
  per_cpu_s=$(( ${runs:-0} / (used > 0 ? used : 1) ))
  # libFuzzer's exec/s is per second of wall time; per CPU second is what compares targets.
  echo "$target executions=${runs:-?} exec/cpu_s=$per_cpu_s exec/wall_s=${speed:-?} cov=${cov:-?} cpu_s=$used outcome=$outcome"
done
