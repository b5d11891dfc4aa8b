#!/usr/bin/env bash
# End to end on each storage backend, same machine, same run: spans per second from the first POST until the last
# span is written, and database bytes per million spans.
#   bench/compare-storage.sh [spans] [warm-up-spans] [connections]        (defaults 1000000, 300000, 8)
#  1. ROLE=all with SQLite (the default run);
#  2. ROLE=all with STORAGE_BACKEND=postgres: one writer, on a throw-away PostgreSQL (bench/postgres-server:
#     fsync, synchronous_commit and full_page_writes on);
#  3. the same plus a second process, ROLE=aggregator against the first one's embedded broker, writing the same
#     database: two writers, each for its Kafka partitions (bin/trace-e2e-bench --writers sums their written spans).
# Each run starts fresh (new data directory, new database), sends the warm-up spans, waits until they are written,
# then measures. Needs Debian's postgresql (bin/test installs it). Quiet machine: every process shares its cores.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
spans="${1:-1000000}"
warm="${2:-300000}"
conns="${3:-8}"
[ "${1:-}" = "--help" ] && { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; sleep 2; rm -rf "$work"' EXIT
await_ready() { for _ in $(seq 1 240); do curl -sf "$1/health/ready" >/dev/null 2>&1 && return 0; sleep 0.5; done; echo "not ready: $1" >&2; return 1; }
[ -f "$root/app/target/trace-pipeline.jar" ] || (cd "$root" && mvn -q -B -DskipTests package 2>&1 | sed 's/\x1b\[[0-9;]*m//g') >&2

# run NAME WRITERS [ENV…]: ROLE=all on :18580 (+ a ROLE=aggregator on :18581 when WRITERS=2), warm up, measure.
run() {
  local name="$1" writers="$2"; shift 2
  echo "== $name =="
  env "$@" DATA_DIR="$work/$name-1" HTTP_PORT=18580 EMBEDDED_KAFKA_PORT=29592 MIN_FREE_DISK_BYTES=0 \
    "$root/bin/trace-pipeline" > "$work/$name-1.log" 2>&1 &
  local pids=($!)
  await_ready http://127.0.0.1:18580
  local targets=http://127.0.0.1:18580
  if [ "$writers" = 2 ]; then
    env "$@" ROLE=aggregator KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:29592 DATA_DIR="$work/$name-2" HTTP_PORT=18581 \
      MIN_FREE_DISK_BYTES=0 "$root/bin/trace-pipeline" > "$work/$name-2.log" 2>&1 &
    pids+=($!)
    await_ready http://127.0.0.1:18581
    targets="$targets,http://127.0.0.1:18581"
  fi
  "$root/bin/trace-e2e-bench" --target http://127.0.0.1:18580 --writers "$targets" --spans "$warm" \
    --connections "$conns" --batch 100 > "$work/$name-warm.txt"
  "$root/bin/trace-e2e-bench" --target http://127.0.0.1:18580 --writers "$targets" --spans "$spans" \
    --connections "$conns" --batch 100 | sed "s/^/$name /"
  kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
}

run sqlite 1

pg_run() {
  local name="$1" writers="$2"
  mkfifo "$work/$name.stdin"
  "$root/bench/postgres-server" < "$work/$name.stdin" > "$work/$name-pg.txt" 2>&1 &
  local pg=$!
  exec 7> "$work/$name.stdin" # holds the server's stdin open; closing it stops the server
  for _ in $(seq 1 120); do grep -q '^POSTGRES_URL=' "$work/$name-pg.txt" && break; sleep 0.5; done
  local url; url="$(sed -n 's/^POSTGRES_URL=//p' "$work/$name-pg.txt")"
  run "$name" "$writers" STORAGE_BACKEND=postgres POSTGRES_URL="$url"
  exec 7>&-
  wait "$pg" 2>/dev/null || true
}
pg_run postgres-1-writer 1
pg_run postgres-2-writers 2
