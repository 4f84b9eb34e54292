#!/usr/bin/env bash
# On a lent device machine, after bench/device-variant-jars.sh here (carry [".dev/jre.tar.xz",
# ".dev/variants"]): every .dev/variants/*.jar but base.jar against base.jar, with
# org.rnn4j.bench.PairedBuilds (calls alternating in one JVM; variant ÷ base time, < 1 = the
# variant is faster), for each "IMPL CONFIG THREADS [VARIANT]" argument (VARIANT: that jar's name
# alone, else every variant), pinned as device-run.sh pins. E.g.
#   bash bench/device-variants.sh "simd lstm_512_512_100_1 1 exp-gemv8-512" "native/bf16 lstm_512_512_50_64 1"
# CALLS (60) and WARMUP (8 s) override PairedBuilds' counts; output lands in $OUT/variants.log.
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/device-variants}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/variants.log") 2>&1
date -u
[[ -x /tmp/jre/bin/java ]] || tar xJf .dev/jre.tar.xz -C /tmp
source bench/device-pin.sh
for spec in "$@"; do
  read -r impl config threads only <<< "$spec"
  for v in .dev/variants/*.jar; do
    name=$(basename "$v" .jar)
    [[ $name == base || ( -n ${only:-} && $name != "$only" ) ]] && continue
    echo "== $name ÷ base: $impl $config, $threads thread(s)"
    timeout 150 taskset -c "$PIN" /tmp/jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
      -cp .dev/variants/base.jar org.rnn4j.bench.PairedBuilds "$v" .dev/variants/base.jar "$impl" "$config" \
      "${CALLS:-60}" "$threads" "${WARMUP:-8}" 2>&1 | grep -v '^WARNING'
  done
done
date -u
