#!/usr/bin/env bash
# Runs on the lent device machine, over the bundle bench/device-bundle.sh made: the simd and native
# test suites, split into JVMs the way the surefire executions split them (C2 compiles fast vector
# code for one width per process), on that CPU's own widest vectors and native tier. JUnit's XML
# reports go to ${OUT:-/tmp/device-tests}/junit-*. Arguments name suites to run (default: all four).
set -u
cd "$(dirname "$0")/.."
[[ -x /tmp/jre/bin/java ]] || tar xJf .dev/jre.tar.xz -C /tmp
J=/tmp/jre/bin/java
rm -rf /tmp/tests && tar xJf .dev/tests.tar.xz -C /tmp
T=/tmp/tests
R=${OUT:-/tmp/device-tests}
mkdir -p "$R"
cp_of() { local cp="$T/core-classes:$T/core-test-classes"; for m in "$@"; do cp+=":$T/$m-classes:$T/$m-test-classes"; done; echo "$cp"; }
suite() { # name, classpath, package, extra JVM flags, then console-launcher filters
  local name=$1 cp=$2 pkg=$3 flags=$4; shift 4
  echo "== $name"
  # shellcheck disable=SC2086
  "$J" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m $flags \
    -Drnn4j.shared.dir="$T/shared" -cp "$T/junit-console.jar:$cp" org.junit.platform.console.ConsoleLauncher \
    execute --disable-banner --details=summary --details-theme=ascii --select-package "$pkg" \
    --reports-dir "$R/junit-$name" "$@" 2>&1 | grep -v '^\s*$' | tail -25
}
S=$(cp_of simd); N=$(cp_of native)
# ChildJvmTest names target/classes/... relative to the module directory, as under Maven
mkdir -p "$T/native-module/target" && ln -sfn "$T/native-classes" "$T/native-module/target/classes"
[[ $# -gt 0 ]] || set -- simd simd-512 simd-allocation native
for name in "$@"; do
  case $name in
    simd) suite simd "$S" org.rnn4j.simd "" --exclude-classname '.*(128|512)Test' --exclude-classname '.*AllocationTest' ;;
    # (no *128Test JVM: 128-bit vectors compile natively on any AVX2 machine, where CI runs them)
    simd-512) suite simd-512 "$S" org.rnn4j.simd "" --include-classname '.*512Test' ;;
    simd-allocation) suite simd-allocation "$S" org.rnn4j.simd "-Xbatch" --include-classname '.*AllocationTest' ;;
    native) (cd "$T/native-module" && suite native "$N" org.rnn4j.jni "" --exclude-classname '.*OnAvx2Test') ;;
    *) echo "unknown suite $name (simd, simd-512, simd-allocation, native)"; exit 2 ;;
  esac
done
