#!/usr/bin/env bash
# Opens N connections at once to a running pipeline on this machine and holds them, sampling the pipeline's open
# files meanwhile; then checks that it still answers. Needs python3 and an open-file limit above N for itself.
#   bench/connection-flood.sh [port] [connections] [hold-seconds]     (defaults 8080 19500 8)
set -euo pipefail
port="${1:-8080}"; n="${2:-19500}"; hold="${3:-8}"
pid="$(ss -ltnp "( sport = :$port )" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)"
[ -n "$pid" ] || { echo "nothing listens on port $port" >&2; exit 2; }
ulimit -n "$((n + 100))" 2>/dev/null || true
echo "pipeline pid $pid, $(sed -n 's/^Max open files *\([0-9]*\).*/open-file limit \1/p' "/proc/$pid/limits"), $(ls "/proc/$pid/fd" | wc -l) files open before"
python3 - "$port" "$n" "$hold" <<'PY' &
import socket, sys, time
port, n, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
socks = []
for i in range(n):
    try:
        socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
    except OSError as e:
        print(f"connection {i} failed: {e}"); break
print(f"flood: {len(socks)} connections opened, holding {hold} s", flush=True)
time.sleep(hold)
for s in socks:
    s.close()
PY
flood=$!
most=0
while kill -0 "$flood" 2>/dev/null; do
  c="$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)"; [ "$c" -gt "$most" ] && most="$c"; sleep 0.1
done
echo "most files open during the flood: $most"
kill -0 "$pid" 2>/dev/null && echo "pipeline still running" || { echo "pipeline exited"; exit 1; }
for i in $(seq 30); do
  code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready" || true)"
  [ "$code" = 200 ] && break; sleep 1
done
echo "readiness after the flood: $code"
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^trace_http_connections'
