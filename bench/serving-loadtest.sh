#!/usr/bin/env bash
# Serving load test (issue #11): LSTM I=H=512, T=50, one sequence per request, over loopback.
# Runs: batched (max-batch 64) and unbatched (max-batch 1) with 64 clients, then 4x overload
# (256 clients, queue 128) on the batched server. Each run: its own server JVM, 5 s warmup, DURATION s.
# Usage: [PROTOCOL=json|binary] [BACKEND=NAME] bench/serving-loadtest.sh [DURATION_S] [OUT_DIR]
#   PROTOCOL: how tensors travel (default json; binary = the binary tensor data extension)
#   BACKEND: the server's --backend (default: automatic choice)
#   WORKERS: the server's --workers, compute threads per model (default 1)
#   MAX_DELAY_US: the batched server's --max-delay-us (default 2000)
#   SERVER_OPTS: extra JVM options of the server (e.g. -Drnn4j.native.threads=1 with WORKERS=2)
#   ONLY: which runs, of "batched unbatched overload" (default all three, in that order)
#   Results are appended to OUT_DIR/results.tsv (kept between calls, so runs of several settings
#   share one table and chart); model files are made in OUT_DIR.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${1:-30}"
OUT="${2:-$ROOT/bench/serving-out}"
JAR="${JAR:-$ROOT/cli/target/rnn4j-cli.jar}"
JAVA="${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
FLAGS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
PORT="${PORT:-18080}"
mkdir -p "$OUT"
[ -f "$JAR" ] || (cd "$ROOT" && mvn -q -pl cli -am package -DskipTests)
MODEL="$OUT/lstm512.safetensors"
if [ ! -f "$MODEL" ]; then
  cat > "$OUT/MakeModel.java" <<'JAVA'
import org.rnn4j.*;
public class MakeModel {
  public static void main(String[] a) throws Exception {
    ModelSpec spec = ModelSpec.builder(CellType.LSTM, Integer.parseInt(a[1]), Integer.parseInt(a[2])).build();
    try (Model m = Model.of(ModelWeights.random(spec, 42))) { m.save(java.nio.file.Path.of(a[0])); }
  }
}
JAVA
  "$JAVA" -cp "$JAR" "$OUT/MakeModel.java" "$MODEL" 512 512 2>/dev/null
fi
PROTOCOL="${PROTOCOL:-json}"
BACKEND_ARGS=()
[ -n "${BACKEND:-}" ] && BACKEND_ARGS=(--backend "$BACKEND")
WORKERS="${WORKERS:-1}"
MAX_DELAY_US="${MAX_DELAY_US:-2000}"
TAG="$PROTOCOL, ${BACKEND:-auto}, workers $WORKERS"

N=$(find "$OUT" -maxdepth 1 -name "server-*.log" | wc -l)
run() { # label clients server-args...
  local label="$1" clients="$2"; shift 2
  N=$((N + 1))
  "$JAVA" $FLAGS ${SERVER_OPTS:-} -Xmx2g -jar "$JAR" serve --model lstm="$MODEL" --port "$PORT" "${BACKEND_ARGS[@]}" --workers "$WORKERS" "$@" \
      > "$OUT/server-$N.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/v2/health/ready" >/dev/null && break; sleep 0.1; done
  # Heap every 2 s while the run lasts (OUT/heap-N.txt: seconds, bytes in use, bytes live after the
  # last GC), to show it stays flat.
  ( t=0; while kill -0 "$pid" 2>/dev/null; do
      h=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^jvm_memory_used(_after_gc)?_bytes/ {printf "%s ", $2}')
      [ -n "$h" ] && echo "$t $h"; sleep 2; t=$((t + 2)); done > "$OUT/heap-$N.txt" ) &
  local sampler=$!
  "$JAVA" $FLAGS -jar "$JAR" loadtest --url "http://127.0.0.1:$PORT" --model lstm --clients "$clients" \
      --duration "$DURATION" --warmup 5 --steps 50 --protocol "$PROTOCOL" --label "$label ($TAG)" --results "$OUT/results.tsv" --svg "$OUT/serving.svg" \
      2>/dev/null | grep '^| ' | tail -1
  curl -s "http://127.0.0.1:$PORT/metrics" > "$OUT/metrics-$N.txt" || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
}

echo "| run | clients | T | ok | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | mean batch | server compute ms/seq | server batch sizes | client CPU ms/req | server CPU ms/req |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
[ -n "${ONLY:-}" ] || ONLY="batched unbatched overload"
for r in $ONLY; do
  case "$r" in
    batched) run "batched (max-batch 64, delay $MAX_DELAY_US µs)" 64 --max-batch 64 --max-delay-us "$MAX_DELAY_US" ;;
    unbatched) run "unbatched (max-batch 1)" 64 --max-batch 1 ;;
    overload) run "4x overload, batched, queue 128" 256 --max-batch 64 --max-delay-us "$MAX_DELAY_US" --queue 128 ;;
  esac
done
