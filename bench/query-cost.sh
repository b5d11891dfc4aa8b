#!/usr/bin/env bash
# Times the heaviest reads a client can ask for against a running pipeline, alone and with eight at once, and the
# reads that must stay quick meanwhile (a point read by trace id, a limit=1 search). Run it against a pipeline
# holding a realistic amount of data (bin/swarm-sim fills one).
#   bench/query-cost.sh [base-url]      (default http://127.0.0.1:8080)
set -euo pipefail
base="${1:-http://127.0.0.1:8080}"
t() { curl -s -o /dev/null -w '%{http_code} %{time_total}s' "$base$1"; }
trace_id="$(curl -s "$base/api/traces?limit=1" | sed -n 's/.*"trace_id":"\([^"]*\)".*/\1/p' | head -1)"
service="$(curl -s "$base/zipkin/api/v2/services" | sed -n 's/^\["\([^"]*\)".*/\1/p')"
heavy=(
  "/api/traces?span_name=no.such.span"
  "/zipkin/api/v2/traces?annotationQuery=no.such.tag=1&limit=10"
  "/zipkin/api/v2/traces?serviceName=${service:-unknown}&spanName=no.such.span&limit=10"
)
echo "alone:"
for q in "${heavy[@]}"; do echo "  $(t "$q")  $q"; done
echo "  $(t "/api/traces/$trace_id")  point read by id"
echo "  $(t "/api/traces?limit=1")  limit=1 search"
echo "eight heavy reads at once, then the quick ones:"
pids=()
for i in 1 2 3 4 5 6 7 8; do
  q="${heavy[$((i % ${#heavy[@]}))]}"
  (echo "  heavy: $(t "$q")  $q") & pids+=($!)
done
sleep 0.3
echo "  $(t "/api/traces/$trace_id")  point read by id, meanwhile"
echo "  $(t "/api/traces?limit=1")  limit=1 search, meanwhile"
wait "${pids[@]}"
