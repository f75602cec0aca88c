#!/usr/bin/env bash
# Measures nexusd's static route against nginx's `return 200` (the origin of ../shared/bench/peers.sh) in the
# same rotated rounds. nexusd runs Benchmarks/Load/static.yaml (127.0.0.1:19102, one loop).
#
# Usage: Benchmarks/Load/run-static.sh [--io uring|epoll] [peers.sh options, e.g. --rounds 5 --duration 10]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_with_peers Benchmarks/Load/static.yaml nexusd-static http://127.0.0.1:19102/api/echo "$@"
