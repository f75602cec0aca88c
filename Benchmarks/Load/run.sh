#!/usr/bin/env bash
# Measures nexusd as a reverse proxy against nginx and haproxy in the same rotated rounds.
# nexusd runs Benchmarks/Load/proxy.yaml (127.0.0.1:19100, one loop) proxying /api/ to the origin that
# ../shared/bench/peers.sh starts on 127.0.0.1:19000.
#
# Usage: Benchmarks/Load/run.sh [--io uring|epoll] [peers.sh options, e.g. --rounds 5 --duration 10]
# Environment: NEXUSD (default: the release build), PEERS (default: ../shared/bench/peers.sh from the repo root).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PEERS="${PEERS:-$ROOT/../shared/bench/peers.sh}"
IO=auto
if [[ ${1:-} == --io ]]; then IO=$2; shift 2; fi
if [[ -z ${NEXUSD:-} ]]; then
  (cd "$ROOT" && swift build -c release --product nexusd >/dev/null)
  NEXUSD="$(cd "$ROOT" && swift build -c release --show-bin-path)/nexusd"
fi
[[ -x $PEERS ]] || { echo "Error: peers.sh not found at $PEERS (set PEERS)" >&2; exit 1; }

LOG="$(mktemp -t nexusd-bench.XXXXXX)"
"$NEXUSD" --config "$ROOT/Benchmarks/Load/proxy.yaml" --io "$IO" 2>"$LOG" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -f "$LOG"' EXIT
for _ in $(seq 1 50); do
  grep -q 'started' "$LOG" && break
  kill -0 $PID 2>/dev/null || { cat "$LOG" >&2; exit 1; }
  sleep 0.1
done
grep -E 'started|io_uring' "$LOG" >&2
"$PEERS" --no-phys "$@" "nexusd-proxy=http://127.0.0.1:19100/api/echo,pid=$PID"
