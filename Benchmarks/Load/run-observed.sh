#!/usr/bin/env bash
# As run.sh, with the metrics listener and the JSON access log on (Benchmarks/Load/proxy-observed.yaml): the cost
# of observability next to run.sh's figures. The access log goes to /tmp/nexus-bench-access.log (removed first).
#
# Usage: Benchmarks/Load/run-observed.sh [--io uring|epoll] [peers.sh options, e.g. --rounds 5 --duration 10]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rm -f /tmp/nexus-bench-access.log
bench_with_peers Benchmarks/Load/proxy-observed.yaml nexusd-observed http://127.0.0.1:19100/api/echo "$@"
