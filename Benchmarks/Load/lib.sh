# Shared by run.sh and run-static.sh: start nexusd on a configuration, then run ../shared/bench/peers.sh with it
# as an extra target, so that nexusd, nginx and haproxy are measured in the same rotated rounds.
# Usage (sourced): bench_with_peers CONFIG TARGET_NAME URL [--io uring|epoll] [peers.sh options...]
# Environment: NEXUSD (default: the release build), PEERS (default: ../shared/bench/peers.sh from the repo root).

bench_with_peers() {
  local config=$1 name=$2 url=$3 io=auto
  shift 3
  if [[ ${1:-} == --io ]]; then io=$2; shift 2; fi
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  local peers="${PEERS:-$root/../shared/bench/peers.sh}"
  if [[ -z ${NEXUSD:-} ]]; then
    (cd "$root" && swift build -c release --product nexusd >/dev/null)
    NEXUSD="$(cd "$root" && swift build -c release --show-bin-path)/nexusd"
  fi
  [[ -x $peers ]] || { echo "Error: peers.sh not found at $peers (set PEERS)" >&2; return 1; }

  BENCH_LOG="$(mktemp -t nexusd-bench.XXXXXX)"
  "$NEXUSD" --config "$root/$config" --io "$io" 2>"$BENCH_LOG" &
  BENCH_PID=$!
  trap 'kill -TERM $BENCH_PID 2>/dev/null; wait $BENCH_PID 2>/dev/null; rm -f "$BENCH_LOG"' EXIT
  for _ in $(seq 1 50); do
    grep -q 'started' "$BENCH_LOG" && break
    kill -0 $BENCH_PID 2>/dev/null || { cat "$BENCH_LOG" >&2; return 1; }
    sleep 0.1
  done
  grep -E 'started|io_uring' "$BENCH_LOG" >&2
  "$peers" --no-phys "$@" "$name=$url,pid=$BENCH_PID"
}
