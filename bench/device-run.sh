#!/usr/bin/env bash
# Runs on the lent device machine, over the bundle bench/device-bundle.sh made: unpacks the JDK,
# prints the CPU, pins everything to two CPUs on different cores of one socket (the 2-core machine
# the issues describe) and runs the benchmark jar with the given arguments, e.g.
#   bash bench/device-run.sh RnnBenchmark -p impl=simd,native,ort -p threads=1,2 -f 1 -wi 5 -w 1 -i 4 -r 1 -rf json -rff $OUT/dev.json
set -u
cd "$(dirname "$0")/.."
[[ -x /tmp/jre/bin/java ]] || tar xJf .dev/jre.tar.xz -C /tmp
J=/tmp/jre/bin/java
lscpu | grep -E "Model name|^CPU\(s\)|Thread|Core\(s\)|L2|L3"
grep -o -w -E "avx512f|avx512_bf16|amx_tile|amx_bf16" /proc/cpuinfo | sort | uniq -c
source bench/device-pin.sh
taskset -c "$PIN" "$J" -jar .dev/bench.jar "$@"
