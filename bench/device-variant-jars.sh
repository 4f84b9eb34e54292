#!/usr/bin/env bash
# Builds slim benchmark jars (rnn4j's own backends only, no ONNX Runtime or OpenBLAS: ~3 MB each)
# of a base and of each git ref given into .dev/variants/, for bench/device-variants.sh on a lent
# device machine: a kernel change prepared here, without the hardware it is for, measured there
# against the build it would replace, in one JVM (org.rnn4j.bench.PairedBuilds).
#   bash bench/device-variant-jars.sh exp/gemv8-512          # base: the ref's merge base with HEAD
#   BASE=main bash bench/device-variant-jars.sh exp/a exp/b
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .dev/variants
mkdir -p .dev/variants
build() {
  local ref=$1 name=$2 dir
  dir=$(mktemp -d)
  git worktree add -q --detach "$dir" "$ref"
  (cd "$dir" && mvn -q -o -pl bench -am package -DskipTests)
  cp "$dir/bench/target/rnn4j-benchmarks.jar" ".dev/variants/$name.jar"
  zip -q -d ".dev/variants/$name.jar" 'ai/*' 'org/bytedeco/*'
  git worktree remove --force "$dir"
}
build "${BASE:-$(git merge-base HEAD "$1")}" base
for ref in "$@"; do
  build "$ref" "$(echo "$ref" | tr '/' '-')"
done
du -sh .dev/variants/*
