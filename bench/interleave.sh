#!/usr/bin/env bash
# Interleaved forward-pass comparison for a noisy machine: one JMH fork per (round, configuration,
# implementation), in that nested order, so a slow phase of the machine hits every implementation
# alike; then bench/interleave-summary.py prints each row's per-fork times and median ratios.
#   bench/interleave.sh ROUNDS THREADS CONFIGS IMPLS OUTDIR
#   bench/interleave.sh 2 1 lstm_512_512_50_64,lstm_512_512_50_16 simd,native,ort bench/results/interleaved-1t
# JMH_OPTS replaces the per-fork settings (default -f 1 -wi 3 -w 2 -i 3 -r 2); with "-bm sample -tu ms"
# each fork counts with its median call (interleave-summary.py). FLOORS=1 adds, at the start of each
# round, one fork of CeilingBenchmark.recurrence per configuration and one of CeilingBenchmark.fma:
# the summary then prints each batch-1 row's floor (RESULTS.md, "Batch-1 floors") beside ORT.
# Needs bench/target/rnn4j-benchmarks.jar (mvn -q -pl bench -am package -DskipTests) and a JDK >= 21.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -eq 5 ]] || { sed -n '2,7p' "$0" >&2; exit 2; }
ROUNDS=$1 THREADS=$2 CONFIGS=$3 IMPLS=$4 OUT=$5
source bench/find-java.sh
mkdir -p "$OUT"
for ((r = 1; r <= ROUNDS; r++)); do
  if [[ "${FLOORS:-0}" == 1 ]]; then
    echo "[$(date +%T)] round $r floors ${THREADS}t" >&2
    "$J" -jar bench/target/rnn4j-benchmarks.jar 'CeilingBenchmark.recurrence' -f 1 -wi 3 -w 1 -i 5 -r 1 \
      -p config="$CONFIGS" -p threads="$THREADS" -rf json -rff "$OUT/$r-floors-recurrence-${THREADS}t.json" >/dev/null
    "$J" -jar bench/target/rnn4j-benchmarks.jar 'CeilingBenchmark.fma' -f 1 -wi 3 -w 1 -i 5 -r 1 \
      -p config="${CONFIGS%%,*}" -p threads="$THREADS" -rf json -rff "$OUT/$r-floors-fma-${THREADS}t.json" >/dev/null
  fi
  for cfg in ${CONFIGS//,/ }; do
    for impl in ${IMPLS//,/ }; do
      echo "[$(date +%T)] round $r $cfg $impl ${THREADS}t" >&2
      "$J" -jar bench/target/rnn4j-benchmarks.jar RnnBenchmark ${JMH_OPTS:--f 1 -wi 3 -w 2 -i 3 -r 2} \
        -p config="$cfg" -p impl="$impl" -p threads="$THREADS" -p precision=fp32 \
        -rf json -rff "$OUT/$r-$cfg-$impl-${THREADS}t.json" >/dev/null
    done
  done
done
python3 bench/interleave-summary.py "$OUT"
