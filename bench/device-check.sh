#!/usr/bin/env bash
# The whole check for a lent device machine, in one call of about 8 minutes (over the bundle of
# bench/device-bundle.sh; carry [".dev"]): the CPU and its matrix extensions, the simd and native
# suites on its widest vectors and tier, which backend the registry picks, then JMH simd / native /
# ONNX Runtime on the issue #5 configurations at 1 and 2 threads (pinned to two cores, as
# device-run.sh does), simd bf16 at batch 1, and native bf16 (AMX) on issue #12's batched rows.
# Everything lands in $OUT: all.log, junit.tgz and one JMH JSON per run; bench/jmh-best.py prints
# best / median ratios at the end.
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/device-check}; mkdir -p "$OUT"
exec > >(tee -a "$OUT/all.log") 2>&1
date -u
.dev/amx-probe
timeout 150 env OUT=/tmp/junit bash bench/device-tests.sh
tar czf "$OUT/junit.tgz" -C /tmp junit 2>/dev/null
CONFIGS=lstm_512_512_50_64,gru_512_512_50_64,lstm_512_512_50_16,gru_512_512_50_16,lstm_512_512_100_1,gru_512_512_100_1,lstm_1024_1024_50_1,gru_1024_1024_50_1
JMH="-f 1 -wi 3 -w 1 -i 3 -r 1 -bm avgt -tu ms"
jmh() { local name=$1 limit=$2; shift 2; echo "== JMH $name"; date -u
  timeout "$limit" bash bench/device-run.sh RnnBenchmark "$@" $JMH -rf json -rff "$OUT/jmh-$name.json" \
    | grep -E '^(Rnn|Benchmark|pinned|#.*(Fork|Parameters))'; }
timeout 40 bash bench/device-run.sh -h >/dev/null 2>&1  # unpacks the JDK
timeout 40 taskset -c 0 /tmp/jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -cp .dev/bench.jar org.rnn4j.bench.BenchCli --impl simd,native,native/bf16 --warmup 2 --seconds 1 2>&1 | grep -v '^\s*$' | tail -14
jmh threads1 230 -p impl=simd,native,ort -p threads=1 -p config=$CONFIGS
jmh threads2 160 -p impl=simd,ort -p threads=2 -p config=$CONFIGS
jmh bf16 60 -p impl=simd -p precision=bf16 -p threads=1 -p config=lstm_512_512_100_1,gru_512_512_100_1,lstm_1024_1024_50_1,gru_1024_1024_50_1
# issue #12's batched rows: native bf16 (AMX tiles where the probe allows them) against ORT fp32
AMX_CONFIGS=lstm_512_512_50_64,gru_512_512_50_64,lstm_1024_1024_25_64,gru_1024_1024_25_64
jmh amx 90 -p impl=native -p precision=bf16 -p threads=1 -p config=$AMX_CONFIGS
jmh amx-ort 50 -p impl=ort -p threads=1 -p config=lstm_1024_1024_25_64,gru_1024_1024_25_64
python3 bench/jmh-best.py "$OUT"/jmh-*.json 2>/dev/null || true
date -u
