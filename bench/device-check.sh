#!/usr/bin/env bash
# The check for a lent device machine, in one call (over the bundle of bench/device-bundle.sh, and
# the jars of bench/device-variant-jars.sh for the variants section; carry [".dev"]). Arguments
# name the sections, run in that order (default: probe tests simd bf16 amx, about 8 minutes):
#   probe     the CPU, its matrix extensions and the AMX-bf16 peak of one core (device-amx-probe.c)
#   tests     the simd and native suites on its widest vectors and native tier (tests-native: native alone)
#   registry  which backend the registry picks, and a short BenchCli run of simd / native / native bf16
#   simd      JMH simd / native / ONNX Runtime on the issue #5 rows at 1 thread, simd / ORT at 2
#   bf16      JMH simd bf16 on the batch-1 rows (issue #12's first speed target)
#   amx       JMH native bf16 (AMX tiles where the probe allows them) and ORT fp32 on issue #12's
#             batched rows, at 1 and 2 threads
#   variants  bench/device-variants.sh over the specs in VARIANTS (';' between specs)
# A section whose time limit would end past BUDGET seconds (default 540) from the start is skipped
# and says so, so the call ends inside the device tool's 10 minutes with what came first.
# Benchmarks run pinned to two cores (device-pin.sh). Everything lands in $OUT: all.log,
# junit.tgz and one JMH JSON per section; bench/jmh-best.py prints best / median ratios at the end.
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/device-check}; mkdir -p "$OUT"
exec > >(tee -a "$OUT/all.log") 2>&1
START=$SECONDS
BUDGET=${BUDGET:-540}
date -u
[[ -x /tmp/jre/bin/java ]] || tar xJf .dev/jre.tar.xz -C /tmp
fits() { # section, its limit in seconds
  if (( SECONDS - START + $2 > BUDGET )); then
    echo "== $1 skipped: $2 s would end past the ${BUDGET} s budget ($((SECONDS - START)) s used)"; return 1
  fi
  echo "== $1 ($((SECONDS - START)) s in)"; date -u
}
JMH="-f 1 -wi 3 -w 1 -i 3 -r 1 -bm avgt -tu ms"
jmh() { local name=$1 limit=$2; shift 2
  fits "JMH $name" "$limit" || return 0
  timeout "$limit" bash bench/device-run.sh RnnBenchmark "$@" $JMH -rf json -rff "$OUT/jmh-$name.json" \
    | grep -E '^(Rnn|Benchmark|pinned|#.*(Fork|Parameters))'; }
CONFIGS=lstm_512_512_50_64,gru_512_512_50_64,lstm_512_512_50_16,gru_512_512_50_16,lstm_512_512_100_1,gru_512_512_100_1,lstm_1024_1024_50_1,gru_1024_1024_50_1
BATCH1=lstm_512_512_100_1,gru_512_512_100_1,lstm_1024_1024_50_1,gru_1024_1024_50_1
AMX_CONFIGS=lstm_512_512_50_64,gru_512_512_50_64,lstm_1024_1024_25_64,gru_1024_1024_25_64
[[ $# -gt 0 ]] || set -- probe tests simd bf16 amx
for section in "$@"; do
  case $section in
    probe) fits probe 30 && timeout 30 .dev/amx-probe ;;
    tests) fits tests 170 && timeout 170 env OUT=/tmp/junit bash bench/device-tests.sh ;;
    tests-native) fits tests-native 100 && timeout 100 env OUT=/tmp/junit bash bench/device-tests.sh native ;;
    registry) fits registry 40 && timeout 40 taskset -c 0 /tmp/jre/bin/java --add-modules jdk.incubator.vector \
        --enable-native-access=ALL-UNNAMED -cp .dev/bench.jar org.rnn4j.bench.BenchCli \
        --impl simd,native,native/bf16 --warmup 2 --seconds 1 2>&1 | grep -v '^\s*$' | tail -14 ;;
    simd) jmh threads1 230 -p impl=simd,native,ort -p threads=1 -p config=$CONFIGS
          jmh threads2 160 -p impl=simd,ort -p threads=2 -p config=$CONFIGS ;;
    bf16) jmh bf16 60 -p impl=simd -p precision=bf16 -p threads=1 -p config=$BATCH1 ;;
    amx) jmh amx 150 -p impl=native -p precision=bf16 -p threads=1,2 -p config=$AMX_CONFIGS
         jmh amx-ort 150 -p impl=ort -p threads=1,2 -p config=$AMX_CONFIGS ;;
    variants) IFS=';' read -ra specs <<< "${VARIANTS:-}"
              fits variants $((25 * ${#specs[@]})) && OUT=/tmp/variants bash bench/device-variants.sh "${specs[@]}" ;;
    *) echo "unknown section $section" ;;
  esac
done
[[ -d /tmp/junit ]] && tar czf "$OUT/junit.tgz" -C /tmp junit
compgen -G "$OUT/jmh-*.json" >/dev/null && python3 bench/jmh-best.py "$OUT"/jmh-*.json
echo "== done ($((SECONDS - START)) s)"; date -u
