#!/usr/bin/env bash
# ab.sh - two nexusd builds side by side on the MCP tools/call (or REST) of run-mcp.sh's built-in config, for a
# code change's before/after figures: both run at once (ports 19211 and 19212), wrk alternates between them,
# ROUNDS x DURATION s each, and prints per-run rps, p99 and CPU µs per request, then the medians.
#
# Usage: Benchmarks/Load/mcp/ab.sh BEFORE_BINARY AFTER_BINARY [mcp|rest]   (env: ROUNDS=5 DURATION=5 CONNS=16)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
A=${1:?before binary}; B=${2:?after binary}; KIND=${3:-mcp}
ROUNDS=${ROUNDS:-5}; DURATION=${DURATION:-5}; CONNS=${CONNS:-16}; CLK=$(getconf CLK_TCK)
TMP=$(mktemp -d -t nexus-ab.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT
start() {   # binary port
  sed -e "s|127.0.0.1:19201|127.0.0.1:$2|" -e "s|/tmp/nexus-bench-mcp-state|$TMP/state-$2|" "$HERE/nexus-builtin.yaml" >"$TMP/$2.yaml"
  "$1" --config "$TMP/$2.yaml" 2>"$TMP/$2.log" &
  PIDS+=($!)
  for _ in $(seq 50); do timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$2" 2>/dev/null && return; sleep 0.1; done
  cat "$TMP/$2.log" >&2; exit 1
}
ticks() { local f; read -ra f <<<"$(sed 's/.*) //' "/proc/$1/stat")"; echo $((f[11] + f[12])); }
start "$A" 19211; start "$B" 19212
path=/mcp; lua=mcp.lua
[[ $KIND == rest ]] && { path=/v1/workflows/add; lua=rest.lua; }
for port in 19211 19212; do MCP_REVISION=2026-07-28 wrk -t1 -c"$CONNS" -d2s -s "$HERE/$lua" "http://127.0.0.1:$port$path" >/dev/null; done
for ((r = 1; r <= ROUNDS; r++)); do
  for k in 0 1; do
    ((r % 2)) || k=$((1 - k))
    port=$((19211 + k)); pid=${PIDS[$k]}; load=$(cut -d' ' -f1 /proc/loadavg)
    t0=$(ticks "$pid")
    out=$(MCP_REVISION=2026-07-28 wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency -s "$HERE/$lua" "http://127.0.0.1:$port$path")
    t1=$(ticks "$pid")
    awk -v name="$([[ $k == 0 ]] && echo before || echo after)" -v t=$((t1 - t0)) -v clk="$CLK" -v load="$load" '
      function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; return v * 1000 }
      /^ +99%/ { p99 = ms($2) } /^Requests\/sec:/ { rps = $2 } / requests in / { req = $1 }
      /Non-2xx/ { bad = $NF }
      END { printf "%s\t%.0f\t%.3f\t%.2f\t%s\t%d\n", name, rps, p99, t / clk * 1e6 / req, load, bad }' <<<"$out"
  done
done | tee "$TMP/rows.tsv" | awk -F'\t' '{ printf "%-7s %8s rps  p99 %s ms  %s µs/req  load %s  non2xx %d\n", $1, $2, $3, $4, $5, $6 }'
awk -F'\t' '
  function med(a, c,   i, j, t) { for (i = 2; i <= c; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
                                 return (c % 2) ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2 }
  { n[$1]++; R[$1, n[$1]] = $2; P[$1, n[$1]] = $3; U[$1, n[$1]] = $4 }
  END { for (k in n) { c = n[k]; for (i = 1; i <= c; i++) { r[i] = R[k, i]; p[i] = P[k, i]; u[i] = U[k, i] }
        printf "median %-7s %8.0f rps  p99 %.3f ms  %.2f µs/req\n", k, med(r, c), med(p, c), med(u, c) } }' "$TMP/rows.tsv"
