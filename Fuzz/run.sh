#!/bin/sh
# Builds the HTTP1Fuzz libFuzzer target and runs it for a bounded time: ./run.sh [seconds] (default 60).
set -eu
cd "$(dirname "$0")"
seconds="${1:-60}"
# SwiftPM passes the two sanitizers to swiftc as separate -sanitize= flags in a random order and the last one
# wins, so half the builds had no coverage (or no ASan). The -Xswiftc flag comes last and names both.
swift build -c debug --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address 2>&1 \
    | grep -v "Cannot export local symbol" || true
test -x .build/debug/HTTP1Fuzz
# Refuse to run blind: the binary must carry coverage counters.
readelf -S .build/debug/HTTP1Fuzz | grep -q __sancov_cntrs || { echo "HTTP1Fuzz has no coverage instrumentation" >&2; exit 1; }
mkdir -p corpus-work crashes
# New inputs go to corpus-work (git-ignored); corpus/ holds the committed seeds and is only read.
SWIFT_BACKTRACE=enable=no exec .build/debug/HTTP1Fuzz corpus-work corpus \
    -dict=http.dict -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -max_total_time="$seconds" -artifact_prefix=crashes/ -print_final_stats=1
