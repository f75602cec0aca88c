#!/usr/bin/env bash
# Measures nexusd as an API gateway (X-API-Key auth on the keys of ../shared/bench/conf/api_keys.txt, a per-key
# limit checked on every request) against nginx-gw and haproxy-gw in the same rotated rounds.
# With --limit: the rate-limit scenario (k1 at 100 r/s, no burst; k2 unlimited), using gateway-limit.yaml.
#
# Usage: Benchmarks/Load/run-gateway.sh [--io uring|epoll] [--limit] [peers.sh options, e.g. --rounds 5]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
config=Benchmarks/Load/gateway.yaml
args=()
for a in "$@"; do
  if [[ $a == --limit ]]; then config=Benchmarks/Load/gateway-limit.yaml; fi
  args+=("$a")
done
bench_with_peers "$config" nexusd-gw http://127.0.0.1:19101/api/echo "${args[@]}"
