#!/usr/bin/env bash
# TLS benchmark: nexusd (one loop, the static 104-byte route of static.yaml, with a `tls:` block) beside nginx
# (one worker, `return 200` with the same body) using the same certificate and key, in the same rotated rounds.
# Two scenarios with wrk over https: keep-alive requests (-c32, one handshake per connection), and new handshakes
# (`Connection: close`: every request is a new TCP connection and a full handshake; wrk does not resume sessions).
# The lead figure is CPU µs per request of the server's processes (utime+stime from /proc), beside requests/s.
#
# Usage: Benchmarks/Load/run-tls.sh [--rounds N] [--duration S] [--io uring|epoll]
# Environment: NEXUSD (default: the release build), KEY_TYPE (ec: P-256 ECDSA, the default; rsa: RSA 2048).
set -euo pipefail
ROUNDS=3 DURATION=8 IO=auto
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --io) IO=$2; shift 2 ;;
    *) echo "Error: unknown option $1" >&2; exit 64 ;;
  esac
done
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [[ -z ${NEXUSD:-} ]]; then
  (cd "$ROOT" && swift build -c release --product nexusd >/dev/null)
  NEXUSD="$(cd "$ROOT" && swift build -c release --show-bin-path)/nexusd"
fi
for b in nginx wrk openssl; do command -v $b >/dev/null || { echo "Error: $b not found" >&2; exit 1; }; done
WORK="$(mktemp -d -t nexus-tls-bench.XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  cp "$WORK/nexusd.log" "${TMPDIR:-/tmp}/nexus-tls-bench-nexusd.log" 2>/dev/null || true  # kept for a look afterwards
  rm -rf "$WORK"
}
trap cleanup EXIT
NX_PORT=19443 NG_PORT=19444
BODY='{"ok":true,"service":"bench-origin","path":"/api/echo","note":"fixed JSON body for the proxy benchmark"}'

# One certificate and key for both servers, made now (never committed).
if [[ ${KEY_TYPE:-ec} == rsa ]]; then KEYOPT=(-newkey rsa:2048); else KEYOPT=(-newkey ec -pkeyopt ec_paramgen_curve:P-256); fi
openssl req -x509 "${KEYOPT[@]}" -nodes -keyout "$WORK/bench.key" -out "$WORK/bench.pem" -days 2 \
  -subj /CN=bench.test -addext subjectAltName=DNS:bench.test,IP:127.0.0.1 2>/dev/null
chmod 600 "$WORK/bench.key"

cat >"$WORK/nexus.yaml" <<YAML
threads: 1
io: $IO
listeners:
  - name: bench-tls
    address: 127.0.0.1:$NX_PORT
    tls:
      certificates:
        - {cert: $WORK/bench.pem, key: $WORK/bench.key}
routes:
  - path: /api/echo
    methods: [GET, POST]
    handler: static
    status: 200
    content_type: application/json
    body: '$BODY'
state:
  folder: $WORK/state
YAML
mkdir -p "$WORK/nginx/tmp"
cat >"$WORK/nginx/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
master_process on;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    server_tokens off;
    default_type application/json;
    keepalive_timeout 75s;
    keepalive_requests 1000000;
    client_body_temp_path $WORK/nginx/tmp;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache off;
    ssl_session_tickets on;
    server {
        listen 127.0.0.1:$NG_PORT ssl backlog=4096;
        ssl_certificate $WORK/bench.pem;
        ssl_certificate_key $WORK/bench.key;
        location = /api/echo { return 200 '$BODY'; }
    }
}
NGINX

# A copy under another name: on a shared machine, a `pkill nexusd` run by someone else stopped the measured
# process in the middle of earlier runs (its log said SIGTERM).
cp "$NEXUSD" "$WORK/nx-tls-bench"
"$WORK/nx-tls-bench" --config "$WORK/nexus.yaml" 2>"$WORK/nexusd.log" &
PIDS+=($!); NX_PID=$!
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" 2>"$WORK/nginx/stderr" &
PIDS+=($!); NG_PID=$!
for _ in $(seq 1 50); do
  curl -sk "https://127.0.0.1:$NX_PORT/api/echo" >/dev/null 2>&1 && curl -sk "https://127.0.0.1:$NG_PORT/api/echo" >/dev/null 2>&1 && break
  sleep 0.1
done
for port in $NX_PORT $NG_PORT; do
  [[ $(curl -sk "https://127.0.0.1:$port/api/echo") == "$BODY" ]] || { echo "Error: 127.0.0.1:$port does not answer" >&2; cat "$WORK/nexusd.log" >&2; exit 1; }
done

ticks() {  # utime+stime of a PID and its children
  local t=0 p line f
  for p in $1 $(pgrep -P "$1" || true); do
    read -r line <"/proc/$p/stat" || continue
    read -ra f <<<"${line##*) }"
    t=$((t + f[11] + f[12]))
  done
  echo $t
}
HZ=$(getconf CLK_TCK)
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
child_ticks() {  # user+sys of this shell's finished children (wrk), in ticks; `times` must run in this shell
  local t
  times >"$WORK/times"
  t=$(tail -1 "$WORK/times")
  awk -v hz="$HZ" '{ split($1, a, /[ms]/); split($2, b, /[ms]/); printf "%d\n", (a[1] * 60 + a[2] + b[1] * 60 + b[2]) * hz }' <<<"$t"
}
# Waits (up to 20 s) until the machine is quiet: less than 15% of a core busy over a second.
wait_quiet() {
  local i a b
  for i in $(seq 1 20); do
    a=$(busy_ticks); sleep 1; b=$(busy_ticks)
    (( (b - a) * 100 < 15 * HZ )) && return 0
  done
  echo "warning: the machine did not get quiet; measuring anyway" >&2
}

# run NAME PID PORT SCENARIO -> "rps cpu_us_per_request other_cpu_percent"
run() {
  kill -0 "$2" 2>/dev/null || { echo "Error: $1 (pid $2) is not running; its log: ${TMPDIR:-/tmp}/nexus-tls-bench-nexusd.log" >&2; exit 1; }
  local pid=$2 port=$3 scenario=$4 args=() before after out rps reqs m0 m1 w0 w1
  [[ $scenario == handshake ]] && args=(-H "Connection: close")
  wait_quiet
  before=$(ticks "$pid"); m0=$(busy_ticks); child_ticks >"$WORK/w0"
  wrk -t1 -c32 -d"${DURATION}s" "${args[@]}" "https://127.0.0.1:$port/api/echo" >"$WORK/wrk.out"
  after=$(ticks "$pid"); m1=$(busy_ticks); child_ticks >"$WORK/w1"
  w0=$(cat "$WORK/w0"); w1=$(cat "$WORK/w1")
  out=$(cat "$WORK/wrk.out")
  rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
  reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
  if grep -q "Non-2xx\|Socket errors" <<<"$out"; then echo "warning: $1 $scenario: $(grep -E 'Non-2xx|Socket errors' <<<"$out")" >&2; fi
  # other = the machine's busy time minus the server's and wrk's, in % of one core.
  awk -v r="$rps" -v n="$reqs" -v d=$((after - before)) -v hz="$HZ" -v o=$(( (m1 - m0) - (after - before) - (w1 - w0) )) -v s="$DURATION" \
    'BEGIN { printf "%.0f %.1f %.0f\n", r, d / hz * 1e6 / n, (o < 0 ? 0 : o) / hz / s * 100 }'
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "machine: $(nproc) CPU, $(uname -r), $(nginx -v 2>&1), $("$NEXUSD" --version), $(openssl version), key: ${KEY_TYPE:-ec}" >&2
declare -A RPS CPU
for scenario in keepalive handshake; do
  for target in nginx nexusd; do RPS[$scenario-$target]=""; CPU[$scenario-$target]=""; done
  for round in $(seq 1 "$ROUNDS"); do
    order=(nginx nexusd); (( round % 2 == 0 )) && order=(nexusd nginx)
    for target in "${order[@]}"; do
      if [[ $target == nginx ]]; then r=$(run nginx $NG_PID $NG_PORT $scenario); else r=$(run nexusd $NX_PID $NX_PORT $scenario); fi
      read -r rps cpu other <<<"$r"
      echo "round $round $scenario $target: rps $rps, CPU µs/req $cpu, other CPU $other%" >&2
      RPS[$scenario-$target]+="$rps"$'\n'
      CPU[$scenario-$target]+="$cpu"$'\n'
    done
  done
done
printf "\n%-10s %-7s %10s %12s\n" scenario target rps "CPU µs/req"
for scenario in keepalive handshake; do
  for target in nginx nexusd; do
    printf "%-10s %-7s %10s %12s\n" $scenario $target "$(printf %s "${RPS[$scenario-$target]}" | median)" "$(printf %s "${CPU[$scenario-$target]}" | median)"
  done
done
