#!/usr/bin/env bash
# Runs the whole JMH matrix and regenerates bench/RESULTS.md from it.
#   bench/run-suite.sh            JMH's default iterations (~2 h on 2 cores)
#   bench/run-suite.sh --short    3×2 s warm-up, 3×2 s measurement per fork (~60 min on 2 cores)
# Run it on an otherwise idle machine. Results land in bench/results/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
SHORT=()
TITLE="Full suite, $(date +%F)"
if [[ "${1:-}" == "--short" ]]; then
  SHORT=(-f 1 -wi 3 -w 2 -i 3 -r 2)
  TITLE="Whole matrix, short iterations (-wi 3 -w 2 -i 3 -r 2), $(date +%F)"
fi
source bench/find-java.sh
B=bench/target/rnn4j-benchmarks.jar
mvn -q -pl bench -am package -DskipTests
R=bench/results; mkdir -p "$R"
log() { echo "[$(date +%T)] $*" >&2; }
log "forward, 1 thread, every implementation"
"$J" -jar $B RnnBenchmark "${SHORT[@]}" -p threads=1 -prof gc -rf json -rff $R/forward-1t.json
log "forward, 2 threads, multi-threaded implementations"
"$J" -jar $B RnnBenchmark "${SHORT[@]}" -p threads=2 -p impl=simd,blas,native,ort -rf json -rff $R/forward-2t.json
log "issue #5's target rows outside the standard matrix: GRU B = 16 at 1 and 2 threads, the other batch-1 rows at 2"
"$J" -jar $B RnnBenchmark "${SHORT[@]}" -p impl=simd,native,ort -p threads=1,2 -p config=gru_512_512_50_16 \
  -prof gc -rf json -rff $R/targets-gru16.json
"$J" -jar $B RnnBenchmark "${SHORT[@]}" -p impl=simd,native,ort -p threads=2 \
  -p config=gru_512_512_100_1,lstm_1024_1024_50_1,gru_1024_1024_50_1 -rf json -rff $R/targets-2t.json
log "forward, bf16 weights (issue #12's batch-1 configurations), with their fp32 and ONNX Runtime rows"
"$J" -jar $B RnnBenchmark "${SHORT[@]}" -p impl=simd,native -p precision=bf16 \
  -p config=lstm_512_512_100_1,gru_512_512_100_1,lstm_1024_1024_50_1,gru_1024_1024_50_1 -prof gc -rf json -rff $R/bf16.json
"$J" -jar $B RnnBenchmark "${SHORT[@]}" -p impl=simd,native,ort \
  -p config=gru_512_512_100_1,lstm_1024_1024_50_1,gru_1024_1024_50_1 -prof gc -rf json -rff $R/bf16-fp32.json
log "issue #12's batched rows: native bf16 (AMX or vdpbf16ps where the CPU has them) at 1 and 2 threads, ORT's 1024 rows"
"$J" -jar $B RnnBenchmark "${SHORT[@]}" -p impl=native -p precision=bf16 -p threads=1,2 \
  -p config=lstm_512_512_50_64,gru_512_512_50_64,lstm_1024_1024_25_64,gru_1024_1024_25_64 -rf json -rff $R/bf16-batched.json
"$J" -jar $B RnnBenchmark "${SHORT[@]}" -p impl=ort -p threads=1,2 \
  -p config=lstm_1024_1024_25_64,gru_1024_1024_25_64 -rf json -rff $R/bf16-batched-ort.json
log "streaming step, 1 and 2 threads (+ bf16 on 1 thread)"
"$J" -jar $B StepBenchmark "${SHORT[@]}" -p threads=1,2 -prof gc -rf json -rff $R/step.json
"$J" -jar $B StepBenchmark "${SHORT[@]}" -p impl=simd,native -p precision=bf16 -prof gc -rf json -rff $R/step-bf16.json
log "subnormal inputs"
"$J" -jar $B SubnormalBenchmark "${SHORT[@]}" -rf json -rff $R/subnormal.json
log "training step, 1 thread, and 2 threads split both ways"
"$J" -jar $B TrainingBenchmark "${SHORT[@]}" -p threads=1 -prof gc -rf json -rff $R/training-1t.json
"$J" -jar $B TrainingBenchmark "${SHORT[@]}" -p threads=2 -p split=kernels,batch -prof gc -rf json -rff $R/training-2t.json
log "forward on a C1-only JVM (the JVMs native stands in for simd on), scalar and native"
"$J" -jar $B RnnBenchmark "${SHORT[@]}" -jvmArgsAppend -XX:TieredStopAtLevel=1 -p impl=scalar,native \
  -p config=lstm_512_512_100_1,gru_512_512_50_1,lstm_512_512_50_16 -rf json -rff $R/forward-c1.json
log "ceilings, 1 and 2 threads (sgemm and stream per configuration, the batch-1 floors' recurrence and FMA peak)"
"$J" -jar $B 'CeilingBenchmark.(sgemm|stream)' -f 1 -wi 2 -w 1 -i 3 -r 1 -p threads=1,2 -rf json -rff $R/ceilings.json
"$J" -jar $B 'CeilingBenchmark.recurrence' -f 1 -wi 2 -w 1 -i 3 -r 1 -p threads=1,2 \
  -p config=lstm_256_256_25_1,lstm_256_256_100_1,lstm_512_512_25_1,lstm_512_512_100_1,lstm_1024_1024_25_1,lstm_1024_1024_100_1,lstm_256_256_150_1,gru_512_512_50_1,rnn_tanh_512_512_100_1,gru_512_512_100_1,lstm_1024_1024_50_1,gru_1024_1024_50_1 \
  -rf json -rff $R/ceilings-recurrence.json
"$J" -jar $B 'CeilingBenchmark.fma' -f 1 -wi 2 -w 1 -i 3 -r 1 -p threads=1,2 -p config=lstm_512_512_100_1 -rf json -rff $R/ceilings-fma.json
{ echo "JDK: $("$J" -version 2>&1 | head -1)"; uname -a; lscpu | grep -E 'Model name|^CPU\(s\)|Flags' | sed 's/Flags:.*/AVX-512: '"$(grep -qw avx512f /proc/cpuinfo && echo yes || echo no)"'/'; } > $R/machine.txt
"$J" -cp $B org.rnn4j.bench.Report --out bench/RESULTS.md --title "$TITLE" \
  $R/forward-1t.json $R/forward-2t.json $R/targets-gru16.json $R/targets-2t.json $R/bf16.json $R/bf16-fp32.json $R/bf16-batched.json $R/bf16-batched-ort.json $R/step.json $R/step-bf16.json \
  $R/subnormal.json $R/training-1t.json $R/training-2t.json $R/forward-c1.json $R/ceilings.json \
  $R/ceilings-recurrence.json $R/ceilings-fma.json
log "done: bench/RESULTS.md regenerated; machine facts in $R/machine.txt"
