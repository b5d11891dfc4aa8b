#!/usr/bin/env bash
# Where a running pipeline's CPU goes while a command runs: CPU seconds per thread group (thread names with
# digits dropped: "vert.x-eventloop-thread-N", "data-plane-kafka-request-handler-N", "C2 CompilerThread"...) and
# microseconds per span, from /proc/<pid>/task/*/stat before and after.
#
#   bench/thread-cpu.sh "$(pgrep -f -- '-jar .*trace-pipeline.jar')" 5000000 -- \
#       bin/trace-e2e-bench --target http://127.0.0.1:8080 --spans 5000000 --connections 8 --batch 100
set -euo pipefail
if [ $# -lt 4 ] || [ "$3" != "--" ]; then
  echo "usage: bench/thread-cpu.sh PID SPANS -- COMMAND [ARGS...]" >&2
  exit 2
fi
pid=$1
spans=$2
shift 3
[ -d "/proc/$pid/task" ] || { echo "no process $pid" >&2; exit 2; }

# One line per thread: tid, name (spaces as _), utime+stime in clock ticks (fields 14 and 15 of stat).
snapshot() {
  for task in /proc/"$pid"/task/*; do
    local name stat rest
    name=$(tr ' ' '_' < "$task/comm" 2>/dev/null) || continue
    stat=$(cat "$task/stat" 2>/dev/null) || continue
    rest=${stat##*) }
    # shellcheck disable=SC2086
    set -- $rest
    echo "${task##*/} $name $((${12} + ${13}))"
  done
}

before=$(mktemp)
after=$(mktemp)
trap 'rm -f "$before" "$after"' EXIT
snapshot > "$before"
"$@"
snapshot > "$after"

awk -v hz="$(getconf CLK_TCK)" -v spans="$spans" '
  NR == FNR { start[$1] = $3; next }
  {
    group = $2; gsub(/[0-9]+/, "N", group)
    used[group] += $3 - ($1 in start ? start[$1] : 0)
    total += $3 - ($1 in start ? start[$1] : 0)
  }
  END {
    printf "%-34s %10s %8s %12s\n", "thread group", "cpu_s", "share", "us_per_span"
    for (g in used) if (used[g] / hz >= 0.1) # smaller groups are left out of the list, not the total
      printf "%-34s %10.1f %7.1f%% %12.1f\n", g, used[g] / hz, 100 * used[g] / total, used[g] / hz * 1e6 / spans | "sort -k2 -nr"
    close("sort -k2 -nr")
    printf "%-34s %10.1f %8s %12.1f\n", "total", total / hz, "", total / hz * 1e6 / spans
  }' "$before" "$after"
