#!/usr/bin/env bash
# Durable ingest beside a durable peer, same machine, same run: spans per second from the first POST until the
# last span is in the store.
#   bench/compare-durable.sh [seconds-of-sending] [connections]        (defaults 20 and 16)
#  1. this pipeline, default run (ROLE=all, embedded broker, SQLite): bin/trace-e2e-bench sends as many spans as
#     the pipeline accepts in that time (measured first with trace-bench) and waits for storage to write them;
#  2. Zipkin 3.6.1 with its MySQL storage on a local MariaDB (innodb_flush_log_at_trx_commit=1, Zipkin's own
#     mysql.sql from the zipkin-storage-mysql-v1 jar inside the exec jar): trace-bench sends Zipkin JSON for the
#     ZIPKIN_SECONDS (default 3: it stores a few hundred spans/s, so a long send drains for many minutes), then
#     the rows of zipkin_spans are counted until they stop growing, for at most MAX_DRAIN_SECONDS (default 300).
# Needs: Debian's mariadb-server (bin/test does not install it: only this benchmark uses it), Maven (fetches
# io.zipkin:zipkin-server:3.6.1:exec), and root or the mysql user to run mariadbd.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-20}"
conns="${2:-16}"
[ "${1:-}" = "--help" ] && { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
command -v mariadbd >/dev/null || { echo "compare-durable: apt-get install mariadb-server" >&2; exit 2; }
work="$(mktemp -d)"
chmod 755 "$work"
trap 'kill $(jobs -p) 2>/dev/null || true; sleep 1; rm -rf "$work"' EXIT
await_ready() { for _ in $(seq 1 240); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done; echo "not ready: $1" >&2; return 1; }
now_ms() { date +%s%3N; }

[ -f "$root/app/target/trace-pipeline.jar" ] || (cd "$root" && mvn -q -B -DskipTests package 2>&1 | sed 's/\x1b\[[0-9;]*m//g') >&2

echo "== 1. trace pipeline, ROLE=all, embedded broker, SQLite =="
DATA_DIR="$work/data" HTTP_PORT=18480 EMBEDDED_KAFKA_PORT=29492 MIN_FREE_DISK_BYTES=0 \
  "$root/bin/trace-pipeline" > "$work/pipeline.log" 2>&1 &
pipeline=$!
await_ready http://127.0.0.1:18480/health/ready
# A warm-up (the JIT, the broker's and SQLite's caches), which also measures the accepted rate.
rate="$("$root/bin/trace-bench" --target http://127.0.0.1:18480 --connections "$conns" --batch 100 \
  --duration 10 --warmup 10 | sed -n 's/^accepted_spans_per_sec=\([0-9]*\).*/\1/p')"
# Start the measured run once the warm-up's spans are all stored (no consumer lag left).
for _ in $(seq 1 600); do
  lag="$(curl -s http://127.0.0.1:18480/metrics | awk '/^trace_consumer_lag_records/ {s += $2} END {print s + 0}')"
  [ "${lag%.*}" = "0" ] && break; sleep 1
done
spans=$(( rate * seconds / 100 * 100 ))
echo "accepting about $rate spans/s: sending $spans spans"
"$root/bin/trace-e2e-bench" --target http://127.0.0.1:18480 --spans "$spans" --connections "$conns" --batch 100
kill "$pipeline"; wait "$pipeline" 2>/dev/null || true

echo "== 2. zipkin 3.6.1, MySQL storage on MariaDB =="
mkdir -p "$work/mysql" && chown mysql:mysql "$work/mysql" 2>/dev/null || true
mariadb-install-db --user=mysql --datadir="$work/mysql" --auth-root-authentication-method=normal >"$work/install.log" 2>&1
mariadbd --user=mysql --datadir="$work/mysql" --socket="$work/mysql/mysql.sock" --port=13306 --bind-address=127.0.0.1 \
  --innodb-flush-log-at-trx-commit=1 --skip-grant-tables --skip-name-resolve > "$work/mariadb.log" 2>&1 &
for _ in $(seq 1 120); do mariadb -S "$work/mysql/mysql.sock" -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.5; done
mvn -q -B dependency:get -Dartifact=io.zipkin:zipkin-server:3.6.1:jar:exec -Dtransitive=false 2>&1 \
  | sed 's/\x1b\[[0-9;]*m//g' >&2
zipkin_jar="$HOME/.m2/repository/io/zipkin/zipkin-server/3.6.1/zipkin-server-3.6.1-exec.jar"
unzip -p "$zipkin_jar" BOOT-INF/lib/zipkin-storage-mysql-v1-3.6.1.jar > "$work/mysql-v1.jar"
mariadb -S "$work/mysql/mysql.sock" -e 'CREATE DATABASE zipkin'
unzip -p "$work/mysql-v1.jar" mysql.sql | mariadb -S "$work/mysql/mysql.sock" zipkin
STORAGE_TYPE=mysql MYSQL_HOST=127.0.0.1 MYSQL_TCP_PORT=13306 MYSQL_USER=root MYSQL_PASS= MYSQL_DB=zipkin \
  QUERY_PORT=19411 java -Xmx2g -jar "$zipkin_jar" > "$work/zipkin.log" 2>&1 &
zipkin=$!
await_ready http://127.0.0.1:19411/health
rows() { mariadb -S "$work/mysql/mysql.sock" -N -e 'SELECT count(*) FROM zipkin.zipkin_spans'; }
start="$(now_ms)"
"$root/bin/trace-bench" --target http://127.0.0.1:19411 --format zipkin --connections "$conns" --batch 100 \
  --duration "${ZIPKIN_SECONDS:-3}" --warmup 0
last="$(rows)"; last_change="$(now_ms)"; stable=0; deadline=$(( start + ${MAX_DRAIN_SECONDS:-300} * 1000 ))
while [ "$stable" -lt 10 ] && [ "$(now_ms)" -lt "$deadline" ]; do # stored once the count is still for 10 s
  sleep 1; n="$(rows)"
  if [ "$n" -ne "$last" ]; then last="$n"; last_change="$(now_ms)"; stable=0; else stable=$((stable + 1)); fi
done
elapsed_ms=$(( last_change - start ))
[ "$stable" -lt 10 ] && echo "(still storing after MAX_DRAIN_SECONDS: the rate below is what was stored by then)"
echo "zipkin_mysql stored_spans=$last in $(( elapsed_ms / 1000 )) s from the first POST:" \
  "end_to_end_spans_per_sec=$(( last * 1000 / (elapsed_ms > 0 ? elapsed_ms : 1) ))"
kill "$zipkin"; wait "$zipkin" 2>/dev/null || true
