#!/usr/bin/env bash
# A bounded soak of the proxy path (outside CI): nexusd on Benchmarks/Load/proxy.yaml in front of an nginx origin
# (127.0.0.1:19000, `return 200`), wrk with 100 keep-alive connections for DURATION seconds (default 300), RSS and
# open descriptors of nexusd sampled every 10 s. Passes when the peaks of the last minute are within 10% of the
# peaks from 30 s to 90 s.
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
# Verdict: the peak of the last minute against the peak from 30 s to 90 s (after warm-up). Peaks, not single
# samples: the upstream pool keeps at most keepalive.max_idle idle connections, so the descriptor count swings
# with the traffic (e.g. 173..209 with 100 clients and max_idle 64) without growing.
peak() { printf '%s\n' "${samples[@]:$1:$2}" | awk -v k="$3" 'BEGIN { m = 0 } { if ($k > m) m = $k } END { print m }'; }
n=${#samples[@]}
base_rss=$(peak 2 7 1); base_fds=$(peak 2 7 2)
last_rss=$(peak $((n - 6)) 6 1); last_fds=$(peak $((n - 6)) 6 2)
echo "peaks: RSS ${base_rss} -> ${last_rss} KiB, descriptors ${base_fds} -> ${last_fds}"
fail=0
awk -v a="$last_rss" -v b="$base_rss" 'BEGIN { exit !(a > b * 1.10) }' && { echo "RSS grew past 10%"; fail=1; }
awk -v a="$last_fds" -v b="$base_fds" 'BEGIN { exit !(a > b * 1.10) }' && { echo "descriptors grew past 10%"; fail=1; }
((fail == 0)) && echo "soak: PASS (peaks of RSS and descriptors within 10% over ${DURATION}s)" || { echo "soak: FAIL"; exit 1; }
