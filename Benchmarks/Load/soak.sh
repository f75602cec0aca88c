#!/usr/bin/env bash
# A bounded soak of the proxy path (outside CI): nexusd on Benchmarks/Load/proxy.yaml in front of an nginx origin
# (127.0.0.1:19000, `return 200`), wrk with 100 keep-alive connections for DURATION seconds (default 300), RSS and
# open descriptors of nexusd sampled every 10 s. Passes when both stay within 10% of their value after warm-up.
#
# Usage: Benchmarks/Load/soak.sh [DURATION]    Environment: NEXUSD (default: the release build)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DURATION="${1:-300}"
if [[ -z ${NEXUSD:-} ]]; then
  (cd "$ROOT" && swift build -c release --product nexusd >/dev/null)
  NEXUSD="$(cd "$ROOT" && swift build -c release --show-bin-path)/nexusd"
fi
WORK="$(mktemp -d -t nexus-soak.XXXXXX)"
mkdir -p "$WORK/origin/tmp"
sed -e "s|@DIR@|$WORK/origin|g; s|@PORT@|19000|; s|@WORKERS@|1|" "$ROOT/../shared/bench/conf/origin.nginx.conf.tmpl" >"$WORK/origin/nginx.conf"
nginx -c "$WORK/origin/nginx.conf" -p "$WORK/origin" &
NGINX=$!
"$NEXUSD" --config "$ROOT/Benchmarks/Load/proxy.yaml" 2>"$WORK/nexusd.log" &
PID=$!
trap 'kill $WRK $PID $NGINX 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
sleep 1
curl -sf -o /dev/null http://127.0.0.1:19100/api/echo || { cat "$WORK/nexusd.log" >&2; exit 1; }
timeout $((DURATION + 30)) wrk -t1 -c100 -d"${DURATION}s" http://127.0.0.1:19100/api/echo >"$WORK/wrk.txt" &
WRK=$!
printf '%6s %10s %6s\n' t_s rss_kib fds
samples=()
for ((t = 10; t <= DURATION; t += 10)); do
  sleep 10
  rss=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
  fds=$(ls /proc/$PID/fd | wc -l)
  printf '%6d %10d %6d\n' "$t" "$rss" "$fds"
  samples+=("$rss $fds")
done
wait $WRK || true
grep -E "Requests/sec|requests in|Non-2xx|Socket errors" "$WORK/wrk.txt"
# Baseline: the sample at 30 s (after warm-up); verdict on every later sample.
base=(${samples[2]})
fail=0
for s in "${samples[@]:3}"; do
  set -- $s
  awk -v a="$1" -v b="${base[0]}" 'BEGIN { exit !(a > b * 1.10) }' && { echo "RSS grew past 10%: $1 KiB vs ${base[0]} KiB"; fail=1; }
  awk -v a="$2" -v b="${base[1]}" 'BEGIN { exit !(a > b * 1.10) }' && { echo "descriptors grew past 10%: $2 vs ${base[1]}"; fail=1; }
done
((fail == 0)) && echo "soak: PASS (RSS and descriptors within 10% of the 30 s sample over ${DURATION}s)" || { echo "soak: FAIL"; exit 1; }
