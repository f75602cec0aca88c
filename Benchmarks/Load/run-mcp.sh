#!/usr/bin/env bash
# run-mcp.sh - workflow calls over REST and MCP tools/call: nexusd beside a reference MCP server built with the
# official MCP Python SDK (mcp 2.x MCPServer, formerly FastMCP; stateless, JSON responses, uvicorn, one process)
# serving the same tool `add`, and nginx as a floor, all in the same run, 16 keep-alive clients each.
#
# Usage: Benchmarks/Load/run-mcp.sh [--variant builtin|upstream] [--rounds N] [--duration S] [--conns C]
#                                   [--only NAME,NAME] [--wait-idle S]
#   --variant builtin   (default) nexusd runs `add` with its built-in handler; the Python tool computes a + b.
#   --variant upstream  nexusd's `add` targets the local origin (upstream: origin, POST /add); the Python tool POSTs
#                       to the same origin with a kept-alive httpx2.AsyncClient and returns its answer: one upstream
#                       call per tool call on both sides. Needs upstream-targeted workflows in nexusd.
#
# Targets (each: wrk -t1 -cC -dS --latency with a Lua script for the POST body and headers, Benchmarks/Load/mcp/):
#   nexus-rest    nexusd POST /v1/workflows/add {"a":1,"b":2}                        127.0.0.1:19201
#   nexus-mcp     nexusd POST /mcp tools/call add, revision 2026-07-28 (stateless)    127.0.0.1:19201
#   py-mcp        reference server, tools/call add, revision 2026-07-28 (the SDK's single-exchange path)  :19202
#   py-mcp-2025   reference server, tools/call add, revision 2025-11-25 (the SDK's legacy stateless path)  :19202
#   origin        the local upstream itself: nginx `return 200 {"sum":3}` for POST /add          :19200
#   nginx-proxy   nginx proxying POST /v1/workflows/add to the origin's /add (keep-alive)       :19203
# Every target is checked once with curl (status and body) before and after the rounds.
#
# Figures: medians over rounds (the order rotates every round) of rps, p50, p99 (wrk --latency), the target's CPU
# (utime+stime of its processes from /proc over the run) as % of a core and **CPU µs per request** (the lead
# figure: wrk, origin and target share 2 cores), the origin's CPU per request (upstream calls), othCPU (what
# anything else used meanwhile, % of a core) and the 1-minute load average before each run.
#
# A run during which everything else used more than NOISE_MAX_PCT (25) % of a core is redone after waiting (up to
# NOISE_WAIT=60 s) for a quiet machine, at most NOISE_RETRIES (2) times; the quietest attempt is kept (others: noisy.tsv).
# Environment: NEXUSD (default: .build/release/nexusd, built if missing), PYTHON (python3), BENCH_WORK (results
# under $BENCH_WORK/results/<timestamp>; default ${TMPDIR:-/tmp}/nexus-mcpbench), WARMUP (2 s per target).
# Only processes this script started are stopped (by PID, trap on EXIT).

set -Eeuo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
MCPDIR="$HERE/mcp"
WORK="${BENCH_WORK:-${TMPDIR:-/tmp}/nexus-mcpbench}"
RUN="$WORK/run"
TS="$(date +%Y%m%d-%H%M%S)"
RES="$WORK/results/$TS"

VARIANT=builtin
ROUNDS=3
DURATION=8
CONNS=16
WARMUP=${WARMUP:-2}
WAIT_IDLE=0
ONLY=""
PYTHON=${PYTHON:-python3}
NOISE_MAX_PCT=${NOISE_MAX_PCT:-25}
NOISE_RETRIES=${NOISE_RETRIES:-2}
NOISE_WAIT=${NOISE_WAIT:-60}
ORIGIN_PORT=19200
NEXUS_PORT=19201
PY_PORT=19202
PROXY_PORT=19203

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
usage() { sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while (($#)); do
  case $1 in
    --variant) VARIANT=${2:?}; shift ;;
    --rounds) ROUNDS=${2:?}; shift ;;
    --duration) DURATION=${2:?}; shift ;;
    --conns) CONNS=${2:?}; shift ;;
    --only) ONLY=${2:?}; shift ;;
    --wait-idle) WAIT_IDLE=${2:?}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
  shift
done
[[ $VARIANT == builtin || $VARIANT == upstream ]] || die "--variant builtin|upstream"
[[ $ROUNDS =~ ^[1-9][0-9]*$ && $DURATION =~ ^[1-9][0-9]*$ && $CONNS =~ ^[1-9][0-9]*$ ]] || die "bad rounds/duration/conns"
for b in nginx wrk curl ss timeout flock "$PYTHON"; do command -v "$b" >/dev/null || die "'$b' not found"; done
TIMECMD=(); if t=$(type -P time); then TIMECMD=("$t" -f 'WRKCPU %U %S'); fi
CLK=$(getconf CLK_TCK)

if [[ -z ${NEXUSD:-} ]]; then
  NEXUSD="$ROOT/.build/release/nexusd"
  [[ -x $NEXUSD ]] || (cd "$ROOT" && swift build -c release -j 2 --static-swift-stdlib --product nexusd >&2)
fi
[[ -x $NEXUSD ]] || die "nexusd not found at $NEXUSD (set NEXUSD)"

mkdir -p "$WORK"
exec 9>"$WORK/.run-mcp.lock"
flock -n 9 || die "another run-mcp.sh is running (lock $WORK/.run-mcp.lock)"

# ---------------------------------------------------------------- processes
declare -a STARTED=()
declare -A PIDS=()
WRK_PID=""
ATTEMPT=0

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
children_of() { ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' || true; }

stop_pid() {
  local pid=$1 kids i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kids=$(children_of "$pid")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { log "PID $pid ignored SIGTERM: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }
  wait "$pid" 2>/dev/null || true
  for k in $kids; do kill -0 "$k" 2>/dev/null && { sleep 0.5; kill -KILL "$k" 2>/dev/null || true; }; done
  return 0
}

cleanup() {
  local rc=$? p
  trap - EXIT INT TERM ERR
  ((rc == 0)) || [[ ! -d $RES ]] || echo "incomplete run, exit status $rc" >"$RES/INCOMPLETE"
  if [[ -n $WRK_PID ]]; then kill -TERM "$WRK_PID" 2>/dev/null || true; wait "$WRK_PID" 2>/dev/null || true; fi
  for p in "${STARTED[@]}"; do stop_pid "$p"; done
  ((${#STARTED[@]} == 0)) || log "stopped ${#STARTED[@]} processes started by this run"
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM
trap 'log "failed (line $LINENO): $BASH_COMMAND"' ERR

wait_ready() {   # name port pid logfile
  local i
  for ((i = 0; i < 150; i++)); do
    kill -0 "$3" 2>/dev/null || { tail -n 30 "$4" >&2; die "$1 (PID $3) exited during startup"; }
    port_open "$2" && return 0
    sleep 0.1
  done
  die "$1 (PID $3) not listening on 127.0.0.1:$2 after 15s"
}

port_free() {
  [[ -z $(ss -Hltn "sport = :$1" 2>/dev/null) ]] || die "port $1 is taken: $(ss -Hltnp "sport = :$1" 2>/dev/null)"
}

start_nginx() {   # name template port
  local name=$1 dir="$RUN/$1"
  rm -rf "$dir"; mkdir -p "$dir/tmp"
  sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$3|g" -e "s|@ORIGIN_PORT@|$ORIGIN_PORT|g" "$MCPDIR/$2" >"$dir/nginx.conf"
  nginx -t -q -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf" >"$dir/configtest.log" 2>&1 ||
    { cat "$dir/configtest.log" >&2; die "nginx config test failed for $name"; }
  nginx -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf" >"$dir/stdout.log" 2>&1 &
  PIDS[$name]=$!; STARTED+=("$!")
  wait_ready "$name" "$3" "$!" "$dir/error.log"
  log "started $name on :$3 (nginx master PID ${PIDS[$name]}, 1 worker)"
}

start_nexusd() {
  local dir="$RUN/nexusd" src="$MCPDIR/nexus-$VARIANT.yaml" cfg="$RUN/nexusd/nexus.yaml"
  rm -rf "$dir"; mkdir -p "$dir"
  # A fresh state folder for every run: the audit log (an entry per workflow run) must not carry over.
  sed "s|^  folder: .*|  folder: $dir/state|" "$src" >"$cfg"
  "$NEXUSD" --config "$cfg" >"$dir/stdout.log" 2>"$dir/stderr.log" &
  PIDS[nexusd]=$!; STARTED+=("$!")
  wait_ready nexusd "$NEXUS_PORT" "$!" "$dir/stderr.log"
  log "started nexusd on :$NEXUS_PORT (PID ${PIDS[nexusd]}, $src, state in $dir/state; $("$NEXUSD" --version 2>&1 | head -1))"
  grep -iE 'io_uring|epoll' "$dir/stderr.log" | head -2 >&2 || true
}

start_python() {
  local dir="$RUN/reference" args=(--port "$PY_PORT")
  rm -rf "$dir"; mkdir -p "$dir"
  [[ $VARIANT == upstream ]] && args+=(--upstream "http://127.0.0.1:$ORIGIN_PORT/add")
  "$PYTHON" "$MCPDIR/reference_server.py" "${args[@]}" >"$dir/stdout.log" 2>"$dir/stderr.log" &
  PIDS[reference]=$!; STARTED+=("$!")
  wait_ready reference "$PY_PORT" "$!" "$dir/stderr.log"
  log "started the reference server on :$PY_PORT (PID ${PIDS[reference]}, mcp $("$PYTHON" -c 'import importlib.metadata as m; print(m.version("mcp"), "uvicorn", m.version("uvicorn"))'))"
}

# ---------------------------------------------------------------- targets
T_NAME=(nexus-rest nexus-mcp py-mcp py-mcp-2025 origin nginx-proxy)
declare -A T_URL=(
  [nexus-rest]="http://127.0.0.1:$NEXUS_PORT/v1/workflows/add" [nexus-mcp]="http://127.0.0.1:$NEXUS_PORT/mcp"
  [py-mcp]="http://127.0.0.1:$PY_PORT/mcp" [py-mcp-2025]="http://127.0.0.1:$PY_PORT/mcp"
  [origin]="http://127.0.0.1:$ORIGIN_PORT/add" [nginx-proxy]="http://127.0.0.1:$PROXY_PORT/v1/workflows/add")
declare -A T_LUA=([nexus-rest]=rest [nexus-mcp]=mcp [py-mcp]=mcp [py-mcp-2025]=mcp [origin]=rest [nginx-proxy]=rest)
declare -A T_REV=([nexus-mcp]=2026-07-28 [py-mcp]=2026-07-28 [py-mcp-2025]=2025-11-25)
declare -A T_PROC=([nexus-rest]=nexusd [nexus-mcp]=nexusd [py-mcp]=reference [py-mcp-2025]=reference [origin]=origin [nginx-proxy]=nginx-proxy)
if [[ -n $ONLY ]]; then IFS=, read -ra T_NAME <<<"$ONLY"; fi
for n in "${T_NAME[@]}"; do [[ -n ${T_URL[$n]:-} ]] || die "unknown target '$n'"; done

# check NAME: one request with curl, the same request as the Lua script sends; prints status and body
check() {
  local n=$1 out code args=(-s -o "$RUN/check.body" -w '%{http_code}' --max-time 5 -X POST -H 'Content-Type: application/json')
  if [[ ${T_LUA[$n]} == mcp ]]; then
    args+=(-H 'Accept: application/json, text/event-stream' -H "MCP-Protocol-Version: ${T_REV[$n]}")
    if [[ ${T_REV[$n]} == 2026-07-28 ]]; then
      args+=(-H 'Mcp-Method: tools/call' -H 'Mcp-Name: add' --data '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}')
    else
      args+=(--data '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}')
    fi
  else
    args+=(--data '{"a":1,"b":2}')
  fi
  code=$(curl "${args[@]}" "${T_URL[$n]}" || echo 000)
  out=$(tr -d '\n' <"$RUN/check.body" | cut -c1-300)
  printf '%-12s %s %s\n' "$n" "$code" "$out" | tee -a "$RES/checks.txt" >&2
  [[ $code == 200 ]] || die "check $n: HTTP $code"
  # the answer must carry the sum 3 (REST: {"sum":3}; MCP: a result, not an error, with structuredContent sum 3)
  if [[ ${T_LUA[$n]} == mcp ]]; then
    grep -q '"result"' "$RUN/check.body" && grep -Eq '"isError": ?false' "$RUN/check.body" &&
      grep -Eq '"structuredContent": ?\{"sum": ?3(\.0)?\}' "$RUN/check.body" || die "check $n: not a successful tools/call result"
  else
    grep -Eq '^\{"sum": ?3(\.0)?\}' "$RUN/check.body" || die "check $n: not {\"sum\":3}"
  fi
}

# ---------------------------------------------------------------- measurement
proc_ticks() {   # utime+stime of a PID and its direct children
  local pid=$1 t=0 p line f
  for p in "$pid" $(children_of "$pid"); do
    [[ -r /proc/$p/stat ]] || continue
    read -r line <"/proc/$p/stat" || continue
    read -ra f <<<"${line##*) }"
    t=$((t + f[11] + f[12]))
  done
  echo "$t"
}
sys_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

parse_wrk() {   # -> rps p50ms p99ms requests errors wrkcpu_s
  awk '
    function ms(v) {
      if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
      if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
      if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
      return v + 0
    }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
    /^Requests\/sec:/ { rps = $2 } / requests in / { req = $1 }
    /Non-2xx or 3xx responses:/ { err += $NF }
    /Socket errors:/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
    /^WRKCPU/ { wcpu = $2 + $3 }
    END { printf "%.2f\t%.3f\t%.3f\t%d\t%d\t%.2f\n", rps, p50, p99, req, err, (wcpu == "" ? -1 : wcpu) }' "$1"
}

run_wrk_once() {   # phase round name duration -> sets ROW and ROW_OTHER (other CPU, % of a core)
  local phase=$1 round=$2 n=$3 dur=$4 out rc=0 tp=${PIDS[${T_PROC[$3]}]} op=${PIDS[origin]}
  out="$RES/raw/$phase-r$round-$n-a$ATTEMPT.txt"
  local load g0 o0 s0 t0 g1 o1 s1 t1
  load=$(cut -d' ' -f1 /proc/loadavg)
  g0=$(proc_ticks "$tp"); o0=$(proc_ticks "$op"); s0=$(sys_ticks); t0=$(date +%s.%N)
  MCP_REVISION=${T_REV[$n]:-} timeout -k 5 $((dur + 30)) "${TIMECMD[@]}" wrk -t1 -c"$CONNS" -d"${dur}s" --latency \
    -s "$MCPDIR/${T_LUA[$n]}.lua" "${T_URL[$n]}" >"$out" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || rc=$?
  WRK_PID=""
  t1=$(date +%s.%N); s1=$(sys_ticks); g1=$(proc_ticks "$tp"); o1=$(proc_ticks "$op")
  ((rc == 0)) || { cat "$out" >&2; die "wrk failed (rc=$rc) against $n"; }
  local parsed; parsed=$(parse_wrk "$out")
  [[ $phase == warm ]] && return 0
  local row
  row=$(awk -F'\t' -v p="$parsed" -v g=$((g1 - g0)) -v o=$((o1 - o0)) -v s=$((s1 - s0)) -v same="$([[ $tp == "$op" ]] && echo 1 || echo 0)" \
    -v clk="$CLK" -v w0="$t0" -v w1="$t1" 'BEGIN {
      split(p, f, "\t"); wall = w1 - w0; req = f[4]; wc = (f[6] > 0 ? f[6] : 0)
      ours = g / clk + (same ? 0 : o / clk) + wc
      other = (s / clk - ours) / wall * 100; if (other < 0) other = 0
      printf "%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%.2f\t%.2f\t%.0f\t%.0f\t%.3f", f[1], f[2], f[3], req, f[5], wc, g / clk / wall * 100,
        (req > 0 ? g / clk * 1e6 / req : -1), (req > 0 && !same ? o / clk * 1e6 / req : -1), wc / wall * 100, other, wall }')
  ROW=$(printf '%s\t%s\t%s\t%s\t%s' "$phase" "$round" "$n" "$row" "$load")
  ROW_OTHER=$(cut -f14 <<<"$ROW")
  log "$(awk -F'\t' '{ printf "r%s %-12s %9.0f req/s  p50 %.3fms  p99 %.3fms  CPU %5.1f%%  %6.1f µs/req  origin %s µs/req  other %s%%  load %s  errs %s",
    $2, $3, $4, $5, $6, $10, $11, ($12 < 0 ? "-" : $12), $14, $16, $8 }' <<<"$ROW")"
}

# run_wrk: run_wrk_once, redone (after waiting up to NOISE_WAIT s for a quiet machine) when anything else used more
# than NOISE_MAX_PCT % of a core during the run, at most NOISE_RETRIES times; the quietest attempt is kept in
# results.tsv, the others go to noisy.tsv.
run_wrk() {
  local attempt best="" best_other=1000000
  for ((attempt = 0; attempt <= NOISE_RETRIES; attempt++)); do
    ATTEMPT=$attempt
    run_wrk_once "$@"
    [[ $1 == warm ]] && return 0
    if ((ROW_OTHER < best_other)); then
      [[ -z $best ]] || printf '%s\n' "$best" >>"$NOISY"
      best=$ROW; best_other=$ROW_OTHER
    else
      printf '%s\n' "$ROW" >>"$NOISY"
    fi
    ((best_other <= NOISE_MAX_PCT)) && break
    ((attempt < NOISE_RETRIES)) && { log "noisy run (other ${ROW_OTHER}% of a core): redo"; wait_quiet "$NOISE_WAIT"; }
  done
  printf '%s\n' "$best" >>"$TSV"
}

summarize() {
  awk -F'\t' -v order="${T_NAME[*]}" '
    function med(a, k, c,   i, j, t, v) {
      for (i = 1; i <= c; i++) v[i] = a[k, i]
      for (i = 2; i <= c; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
      return (c % 2) ? v[(c + 1) / 2] : (v[c / 2] + v[c / 2 + 1]) / 2
    }
    NR == 1 { next }
    $1 == "main" {
      k = $3; i = ++n[k]
      rps[k, i] = $4; p50[k, i] = $5; p99[k, i] = $6; cpu[k, i] = $10; us[k, i] = $11; ous[k, i] = $12; oth[k, i] = $14
      errs[k] += $8; loads[k] = loads[k] (loads[k] == "" ? "" : "/") $16
      rl[k] = rl[k] (rl[k] == "" ? "" : "/") sprintf("%.0f", $4)
      pl[k] = pl[k] (pl[k] == "" ? "" : "/") sprintf("%.2f", $6)
    }
    END {
      printf "%-12s %9s %8s %8s %6s %9s %9s %7s %5s  %-14s  %s\n", "target", "rps(med)", "p50ms", "p99ms", "CPU%", "µs/req", "orig-µs", "othCPU%", "errs", "load1/round", "rps/round"
      nb = split(order, names, " ")
      for (x = 1; x <= nb; x++) {
        k = names[x]; c = n[k]; if (!c) continue
        o = med(ous, k, c)
        printf "%-12s %9.0f %8.3f %8.3f %6.1f %9.1f %9s %7.0f %5d  %-14s  %s\n", k, med(rps, k, c), med(p50, k, c), med(p99, k, c),
          med(cpu, k, c), med(us, k, c), (o < 0 ? "-" : sprintf("%.1f", o)), med(oth, k, c), errs[k], loads[k], rl[k] "  " pl[k]
        R[k] = med(rps, k, c); U[k] = med(us, k, c); P[k] = med(p99, k, c)
      }
      print ""
      if (R["py-mcp"] > 0) {
        if (R["nexus-mcp"] > 0) printf "nexus-mcp vs py-mcp (2026-07-28): throughput %.1fx (goal >= 20x), CPU per call %.1fx less; nexus-mcp p99 %.3f ms (goal <= 1 ms)\n", R["nexus-mcp"] / R["py-mcp"], U["py-mcp"] / U["nexus-mcp"], P["nexus-mcp"]
        if (R["nexus-rest"] > 0) printf "nexus-rest vs py-mcp: throughput %.1fx, CPU per call %.1fx less; nexus-rest p99 %.3f ms\n", R["nexus-rest"] / R["py-mcp"], U["py-mcp"] / U["nexus-rest"], P["nexus-rest"]
      }
      if (R["py-mcp-2025"] > 0 && R["nexus-mcp"] > 0) printf "nexus-mcp vs py-mcp-2025 (legacy stateless path): throughput %.1fx, CPU per call %.1fx less\n", R["nexus-mcp"] / R["py-mcp-2025"], U["py-mcp-2025"] / U["nexus-mcp"]
    }' "$TSV"
}

wait_quiet() {   # up to $1 s for other CPU (everything) <= 15% of a core
  local waited=0 a b pct
  while :; do
    a=$(sys_ticks); sleep 2; b=$(sys_ticks)
    pct=$(((b - a) * 100 / CLK / 2))
    ((pct <= 15)) && { log "machine idle: ${pct}% of a core busy"; return 0; }
    ((waited >= $1)) && { log "WARNING: machine busy (${pct}% of a core) before the run"; return 0; }
    sleep 3; waited=$((waited + 5))
  done
}

# ---------------------------------------------------------------- main
mkdir -p "$RES/raw"
TSV="$RES/results.tsv"
NOISY="$RES/noisy.tsv"
printf 'phase\tround\ttarget\trps\tp50_ms\tp99_ms\trequests\terrors\twrk_cpu_s\ttarget_cpu_pct\ttarget_us_per_req\torigin_us_per_req\twrk_cpu_pct\tother_cpu_pct\twall_s\tload1\n' >"$TSV"
head -1 "$TSV" >"$NOISY"
{
  echo "date: $(date -Is)  host: $(uname -srm)  cpus: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "nexusd: $NEXUSD ($("$NEXUSD" --version 2>&1 | head -1)) git: $(git -C "$ROOT" log --oneline -1 2>/dev/null)"
  echo "nginx: $(nginx -v 2>&1 | sed 's/.*version: //')  wrk: $({ wrk -v 2>&1 || true; } | head -1 | awk '{print $2}')  python: $("$PYTHON" -V 2>&1)"
  echo "args: variant=$VARIANT rounds=$ROUNDS duration=${DURATION}s conns=$CONNS wrk_threads=1 targets=${T_NAME[*]}"
} | tee "$RES/env.txt" >&2

for p in $ORIGIN_PORT $NEXUS_PORT $PY_PORT $PROXY_PORT; do port_free "$p"; done
((WAIT_IDLE > 0)) && wait_quiet "$WAIT_IDLE"
rm -rf "$RUN"; mkdir -p "$RUN"
start_nginx origin origin.nginx.conf.tmpl "$ORIGIN_PORT"
start_nginx nginx-proxy proxy.nginx.conf.tmpl "$PROXY_PORT"
start_nexusd
start_python

log "checks:"
for n in "${T_NAME[@]}"; do check "$n"; done

if ((WARMUP > 0)); then
  log "warm-up ${WARMUP}s per target (not recorded)"
  for n in "${T_NAME[@]}"; do run_wrk warm 0 "$n" "$WARMUP"; done
fi
nt=${#T_NAME[@]}
for ((r = 1; r <= ROUNDS; r++)); do
  for ((j = 0; j < nt; j++)); do run_wrk main "$r" "${T_NAME[$(((j + r - 1) % nt))]}" "$DURATION"; done
done
log "checks after the rounds:"
for n in "${T_NAME[@]}"; do check "$n"; done
grep -iE 'error|fatal' "$RUN/nexusd/stderr.log" | head -5 >&2 || true

{
  echo
  echo "== $VARIANT: wrk -t1 -c$CONNS -d${DURATION}s --latency, $ROUNDS rounds (rotating order), medians"
  summarize
  echo
  echo "legend: µs/req = CPU (utime+stime, all its processes) of the target per request; orig-µs = the origin nginx's"
  echo "        CPU per request (upstream calls); othCPU% = everything else on the machine (incl. softirq), % of a core;"
  echo "        load1/round = 1-minute load average before each round's run. Raw output: $RES/raw"
} | tee "$RES/summary.txt"
ln -sfn "$TS" "$WORK/results/latest"
du -sh "$RUN/nexusd/state" 2>/dev/null | sed 's/^/nexusd state folder after the run: /' >&2 || true
log "results: $RES"
