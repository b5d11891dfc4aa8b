#!/usr/bin/env bash
# End-to-end write throughput with retention deleting as it goes against retention switched off, same machine,
# same run, alternating: off, on, off, on. Each round: a fresh pipeline, a warm-up, then the measured spans.
#   bench/retention-cost.sh [measured-spans] [warm-up-spans] [max-bytes]
# "on": STORAGE_MAX_BYTES (default 512MiB) is reached early in the measured part, so from then on every batch
# is followed by a deletion step. "off": TRACE_RETENTION=0s and no size bound (no retention step at all).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
spans="${1:-2000000}"
warmup="${2:-300000}"
max_bytes="${3:-512MiB}"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
[ -f "$root/app/target/trace-pipeline.jar" ] || (cd "$root" && mvn -q -B -DskipTests package)

await_ready() { # url
  for _ in $(seq 1 240); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "not ready: $1" >&2; return 1
}
round() { # name, env assignments...
  local name="$1"; shift
  rm -rf "$work/data"
  env DATA_DIR="$work/data" HTTP_PORT=18490 EMBEDDED_KAFKA_PORT=29592 "$@" "$root/bin/trace-pipeline" \
    > "$work/$name.log" 2>&1 &
  local pid=$!
  await_ready http://127.0.0.1:18490/health/ready
  "$root/bin/trace-e2e-bench" --target http://127.0.0.1:18490 --spans "$warmup" > /dev/null
  echo "== $name =="
  "$root/bin/trace-e2e-bench" --target http://127.0.0.1:18490 --spans "$spans" | grep -E "end_to_end|ingest_spans"
  curl -s http://127.0.0.1:18490/metrics | grep -E "^trace_storage_(retention_deleted_spans_total|db_used_bytes|retention_step_seconds_(sum|count|max))" || true
  kill "$pid"; wait "$pid" || true
}
for i in 1 2; do
  round "off-$i" TRACE_RETENTION=0s
  round "on-$i" STORAGE_MAX_BYTES="$max_bytes"
done
