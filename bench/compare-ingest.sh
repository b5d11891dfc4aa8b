#!/usr/bin/env bash
# Ingest benchmark of this pipeline beside Zipkin 3.6.1 (in-memory storage), same machine, same run.
#   bench/compare-ingest.sh [duration-seconds] [connections]
# Needs: a built pipeline (bin/trace-pipeline builds it) and Maven (fetches io.zipkin:zipkin-server:3.6.1:exec).
# Each server runs alone while it is measured; the pipeline runs in its default configuration (ROLE=all:
# ingest, aggregator and storage sharing the cores), Zipkin with its defaults (answers before storing in memory).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
duration="${1:-20}"
conns="${2:-16}"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

await_ready() { # url
  for _ in $(seq 1 240); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "not ready: $1" >&2; return 1
}

[ -f "$root/app/target/trace-pipeline.jar" ] || (cd "$root" && mvn -q -B -DskipTests package)

echo "== trace pipeline (ROLE=all, embedded broker) =="
DATA_DIR="$work/data" HTTP_PORT=18480 EMBEDDED_KAFKA_PORT=29492 "$root/bin/trace-pipeline" > "$work/pipeline.log" 2>&1 &
pipeline=$!
await_ready http://127.0.0.1:18480/health/ready
for batch in 1 10 100; do
  "$root/bin/trace-bench" --target http://127.0.0.1:18480 --connections "$conns" --batch "$batch" --duration "$duration"
done
kill "$pipeline"; wait "$pipeline" 2>/dev/null || true

echo "== zipkin 3.6.1 (in-memory) =="
mvn -q -B dependency:get -Dartifact=io.zipkin:zipkin-server:3.6.1:jar:exec -Dtransitive=false >/dev/null
zipkin_jar="$HOME/.m2/repository/io/zipkin/zipkin-server/3.6.1/zipkin-server-3.6.1-exec.jar"
QUERY_PORT=19411 java -Xmx2g -jar "$zipkin_jar" > "$work/zipkin.log" 2>&1 &
zipkin=$!
await_ready http://127.0.0.1:19411/health
for batch in 100; do
  "$root/bin/trace-bench" --target http://127.0.0.1:19411 --format zipkin --connections "$conns" --batch "$batch" --duration "$duration"
done
kill "$zipkin"; wait "$zipkin" 2>/dev/null || true
