#!/usr/bin/env bash
# Packs what a benchmark run on a lent device machine needs into .dev/ (git-ignored through
# .git/info/exclude; carry it with the device tool's `carry: [".dev"]`): a jlink'd JDK (~25 MB
# xz) and the benchmark jar without other platforms' native libraries (~28 MB), together under
# the tool's 64 MiB, and the simd and native test suites with a JUnit console launcher and the
# shared conformance vectors (~4 MB). On the device: `bash bench/device-run.sh JMH-ARGS...` and
# `bash bench/device-tests.sh` (the suites on that CPU's widest vectors and native tier).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/find-java.sh
JDK=$(dirname "$(dirname "$(readlink -f "$J")")")
grep -qx '/.dev/' .git/info/exclude 2>/dev/null || { mkdir -p .git/info; echo '/.dev/' >> .git/info/exclude; }
mvn -q -pl bench -am package -DskipTests
mvn -q -pl core,simd,native process-test-classes
mvn -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1 -DoutputDirectory="$PWD/.dev"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$JDK/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.management,jdk.incubator.vector,jdk.unsupported,java.xml,java.naming,jdk.zipfs \
  --strip-debug --no-man-pages --no-header-files --compress=zip-9 --output "$T/jre"
strip --strip-unneeded "$T/jre/lib/server/libjvm.so" 2>/dev/null || true
mkdir -p .dev "$T/jar"
tar cf - -C "$T" jre | xz -T0 -6 > .dev/jre.tar.xz
(cd "$T/jar" && unzip -q "$OLDPWD/bench/target/rnn4j-benchmarks.jar" \
  && rm -rf ai/onnxruntime/native/osx-* ai/onnxruntime/native/win-* ai/onnxruntime/native/linux-aarch64 \
    org/bytedeco/openblas/linux-x86_64/libjniopenblas_full.so org/bytedeco/openblas/linux-x86_64/include \
  && rm -f "$OLDPWD/.dev/bench.jar" && zip -q -r -9 "$OLDPWD/.dev/bench.jar" .)
mkdir -p "$T/tests/lib" "$T/tests/shared"
for m in core simd native; do
  cp -r "$m/target/classes" "$T/tests/$m-classes"; cp -r "$m/target/test-classes" "$T/tests/$m-test-classes"
done
cp native/target/test-lib/*.so "$T/tests/lib/"
[[ -d ../shared/conformance ]] && cp -r ../shared/conformance "$T/tests/shared/"
gcc -O2 -static -o .dev/amx-probe bench/device-amx-probe.c
mv .dev/junit-platform-console-standalone-1.14.1.jar "$T/tests/junit-console.jar"
tar cf - -C "$T" tests | xz -T0 -6 > .dev/tests.tar.xz
du -sh .dev/*
