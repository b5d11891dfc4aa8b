#!/usr/bin/env bash
# Ingest benchmark of this pipeline beside Zipkin 3.6.1 (in-memory storage), same machine, same run.
#   bench/compare-ingest.sh [duration-seconds] [connections] [warm-seconds]
# warm-seconds (default 0): before the measured runs, the pipeline and Zipkin each take that long of batch-100 load
# (and the pipeline stores its backlog), so the JIT has settled as in a process that has been running a while.
# Needs: a built pipeline (bin/trace-pipeline builds it) and Maven (fetches io.zipkin:zipkin-server:3.6.1:exec).
# Three measurements, one server at a time:
#  1. the default run (ROLE=all: broker, ingest, aggregator and storage share the cores), batch 1, 10, 100;
#  2. the ingest role alone (ROLE=ingest) against the broker of run 1, on topics nothing consumes, so the
#     aggregator and storage take no CPU: batch 1, 10, 100 natively, and batch 100 over OTLP and Zipkin JSON;
#  3. Zipkin with its defaults (answers before storing in memory), batch 100.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
duration="${1:-20}"
conns="${2:-16}"
warm="${3:-0}"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

await_ready() { # url
  for _ in $(seq 1 240); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "not ready: $1" >&2; return 1
}
bench() { "$root/bin/trace-bench" --connections "$conns" --duration "$duration" --warmup 10 "$@"; }
warm_up() { # url [trace-bench args]: load for $warm seconds, output dropped
  [ "$warm" -gt 0 ] || return 0
  local url=$1; shift
  "$root/bin/trace-bench" --target "$url" --connections "$conns" --duration "$warm" --warmup 0 --batch 100 "$@" >/dev/null 2>&1
}
await_stored() { # metrics url: until the consumer lag is 0 (at most 5 minutes)
  for _ in $(seq 1 300); do
    [ "$(curl -s "$1" | awk '/^trace_consumer_lag_records/ {s+=$2} END {print s+0}')" = "0" ] && return 0
    sleep 1
  done
}

[ -f "$root/app/target/trace-pipeline.jar" ] || (cd "$root" && mvn -q -B -DskipTests package)

echo "== 1. trace pipeline, ROLE=all, embedded broker =="
DATA_DIR="$work/data" HTTP_PORT=18480 EMBEDDED_KAFKA_PORT=29492 "$root/bin/trace-pipeline" > "$work/pipeline.log" 2>&1 &
pipeline=$!
await_ready http://127.0.0.1:18480/health/ready
warm_up http://127.0.0.1:18480 && await_stored http://127.0.0.1:18480/metrics
for batch in 1 10 100; do
  bench --target http://127.0.0.1:18480 --batch "$batch"
done

echo "== 2. ingest role alone (broker of run 1, topics nothing consumes) =="
DATA_DIR="$work/ingest" HTTP_PORT=18481 ROLE=ingest KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:29492 \
  SPANS_TOPIC=bench.spans TRACES_TOPIC=bench.traces "$root/bin/trace-pipeline" > "$work/ingest.log" 2>&1 &
ingest=$!
await_ready http://127.0.0.1:18481/health/ready
for batch in 1 10 100; do
  bench --target http://127.0.0.1:18481 --batch "$batch"
done
bench --target http://127.0.0.1:18481 --batch 100 --format otlp
bench --target http://127.0.0.1:18481 --batch 100 --format zipkin
kill "$ingest" "$pipeline"; wait "$ingest" "$pipeline" 2>/dev/null || true

echo "== 3. zipkin 3.6.1 (in-memory) =="
mvn -q -B dependency:get -Dartifact=io.zipkin:zipkin-server:3.6.1:jar:exec -Dtransitive=false >/dev/null
zipkin_jar="$HOME/.m2/repository/io/zipkin/zipkin-server/3.6.1/zipkin-server-3.6.1-exec.jar"
# The same heap as bin/trace-pipeline gives the pipeline: both gain from it (measured, README).
QUERY_PORT=19411 java -Xmx4g -jar "$zipkin_jar" > "$work/zipkin.log" 2>&1 &
zipkin=$!
await_ready http://127.0.0.1:19411/health
warm_up http://127.0.0.1:19411 --format zipkin
bench --target http://127.0.0.1:19411 --format zipkin --batch 100
kill "$zipkin"; wait "$zipkin" 2>/dev/null || true
