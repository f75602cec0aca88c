#!/usr/bin/env bash
# Measures nexusd as a reverse proxy against nginx and haproxy in the same rotated rounds.
# nexusd runs Benchmarks/Load/proxy.yaml (127.0.0.1:19100, one loop) proxying /api/ to the origin that
# ../shared/bench/peers.sh starts on 127.0.0.1:19000.
#
# Usage: Benchmarks/Load/run.sh [--io uring|epoll] [peers.sh options, e.g. --rounds 5 --duration 10]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_with_peers Benchmarks/Load/proxy.yaml nexusd-proxy http://127.0.0.1:19100/api/echo "$@"
