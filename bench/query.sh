#!/usr/bin/env bash
# Side-by-side query benchmark: Ariane, Prometheus and VictoriaMetrics, one after the other and each with a fresh
# data folder, receive the same deterministic data set through remote write (bench/Ariane.Bench.Load), and then
# answer a fixed set of typical dashboard queries through /api/v1/query_range, ROUNDS times each. We report
# p50/p90 latency per query and system, the ratio to VictoriaMetrics, allocated bytes per query, and whether
# Ariane's answers equal Prometheus's (same series and timestamps, values within 1e-6 relative).
#
#   bench/query.sh [--rounds 10] [--only ariane,prometheus,victoriametrics] [--instances 60]
#                  [--hours 6] [--range-hours 3] [--step 60] [--keep] [--data dashboards|joins] [--series 50000]
#
# Defaults: 60 instances x 201 series = 12,060 series, 6 h of samples every 15 s ending a minute before the
# start (1440 per series, 17.4M samples), queries over the last 3 h of it at a 60 s step, 10 timed rounds per
# query after one untimed run. --data joins: the vector-matching set instead, 50,000 series lq{i,grp,mod}, 1 h
# every 30 s (120 samples each), its three queries over that hour at a 60 s step (--hours and --range-hours
# default to 1 there); a query that fails or passes 150 s is reported as such and not timed.
# ARIANE_ROOT (default: this repository) is where `./ariane serve` runs from.
# Results: markdown tables on stdout and in bench/results/query-<date>.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
ARIANE_ROOT="${ARIANE_ROOT:-$repo}"

command_line="bench/query.sh${*:+ $*}"
rounds=10
only="ariane,prometheus,victoriametrics"
instances=60
hours=""
range_hours=""
step=60
keep=0
data=dashboards
series=50000
# Override with ARIANE_PORT, PROMETHEUS_PORT, VM_PORT when another benchmark holds these (ingest.sh uses the same).
declare -A listen_port=([ariane]="${ARIANE_PORT:-19095}" [prometheus]="${PROMETHEUS_PORT:-19090}" [victoriametrics]="${VM_PORT:-19428}")
declare -A alloc_metric=([ariane]=dotnet_gc_allocated_bytes_total [prometheus]=go_memstats_alloc_bytes_total [victoriametrics]=go_memstats_alloc_bytes_total)
declare -A label=([ariane]=Ariane [prometheus]="Prometheus 2.42" [victoriametrics]="VictoriaMetrics 1.79")

usage() { sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --instances) instances="$2"; shift 2 ;;
    --hours) hours="$2"; shift 2 ;;
    --range-hours) range_hours="$2"; shift 2 ;;
    --step) step="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    --data) data="$2"; shift 2 ;;
    --series) series="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "query.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done

systems=()
for s in ariane prometheus victoriametrics; do
  case ",$only," in *",$s,"*) systems+=("$s") ;; esac
done
for s in ${only//,/ }; do
  case "$s" in ariane|prometheus|victoriametrics) ;; *) echo "query.sh: unknown system $s" >&2; exit 2 ;; esac
done
case "$data" in
  dashboards) hours="${hours:-6}"; range_hours="${range_hours:-3}"; interval=15 ;;
  joins) hours="${hours:-1}"; range_hours="${range_hours:-1}"; interval=30 ;;
  *) echo "query.sh: unknown data set $data (dashboards, joins)" >&2; exit 2 ;;
esac
for v in "$rounds" "$instances" "$hours" "$range_hours" "$step" "$series"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "query.sh: $v is not a positive whole number" >&2; exit 2; }
done
[ "$range_hours" -le "$hours" ] || { echo "query.sh: --range-hours must not exceed --hours" >&2; exit 2; }
[ ${#systems[@]} -gt 0 ] || { echo "query.sh: --only names no system" >&2; exit 2; }

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/ariane-query.XXXXXX")"
server_pid=""
leg_pid=""

stop_pid() { # stop_pid PID: TERM, up to 30s to exit, then KILL
  [ -n "$1" ] || return 0
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 1 300); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

cleanup() {
  [ -f "$work/server.pid" ] && server_pid="$(cat "$work/server.pid")"
  [ -z "$leg_pid" ] || kill -TERM "$leg_pid" 2>/dev/null || true
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  if [ "$keep" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- prerequisites (bench/lib.sh) ----------------------------------------------------------------------------

# shellcheck source=bench/lib.sh
. "$here/lib.sh"
install_peers
stop_package_services

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every second until it succeeds
  local limit="$1" what="$2"; shift 2
  local start=$SECONDS
  until "$@" >/dev/null 2>&1; do
    [ -z "$server_pid" ] || kill -0 "$server_pid" 2>/dev/null || die "$what: the server exited (log: $current_log)"
    [ $((SECONDS - start)) -lt "$limit" ] || die "$what: not after ${limit}s (log: $current_log)"
    sleep 1
  done
}

# --- the loader ----------------------------------------------------------------------------------------------

log "building the loader"
dotnet build "$here/Ariane.Bench.Load/Ariane.Bench.Load.csproj" -c Release -nologo -v quiet \
  -o "$work/load-bin" >"$work/load-build.log" 2>&1 || { cat "$work/load-build.log" >&2; die "build of the loader failed"; }
loader() { DOTNET_gcServer=0 dotnet "$work/load-bin/ariane-bench-load.dll" "$@"; }

# The data ends a minute before now and is the same for every system; the queries cover the last RANGE_HOURS of it. Prometheus's head accepts remote-written samples in time order over the whole span
# (checked with 6 h: it compacts older parts into blocks while the load goes on); the loader sends them in time order.
# The samples sit 7.5 s off the minute grid (the last at end - 7.5 s, then every 15 s back), as scraped samples
# would: with every query time, range and step a whole minute, no sample falls on a window's edge, where
# Prometheus 2.42 (closed windows [t - range, t]) and Prometheus 3.x and Ariane (left-open (t - range, t]) differ.
end_ms=$(( ($(date +%s) / 60 - 1) * 60 * 1000 ))
start_ms=$(( end_ms - range_hours * 3600 * 1000 ))
data_args=(--end-ms "$((end_ms - 7500))" --hours "$hours" --instances "$instances" --data "$data" --series "$series" --interval-s "$interval")

printf 'global:\n  scrape_interval: 15s\n' >"$work/empty.yml"

# --- one system ----------------------------------------------------------------------------------------------

start_server() { # start_server SYSTEM DATA PORT LOG: starts it in the background, sets server_pid
  local sys="$1" data="$2" port="$3" out="$4"
  case "$sys" in
    prometheus)
      /usr/bin/prometheus --config.file="$work/empty.yml" --storage.tsdb.path="$data" \
        --web.listen-address="127.0.0.1:$port" --web.enable-remote-write-receiver >"$out" 2>&1 &
      server_pid=$! ;;
    victoriametrics)
      # -search.disableCache: without it, rounds 2..N of a query_range are answered from VictoriaMetrics's
      # rollup result cache, which measures the cache, not the query.
      /usr/bin/victoria-metrics -storageDataPath="$data" -httpListenAddr="127.0.0.1:$port" \
        -search.disableCache >"$out" 2>&1 &
      server_pid=$! ;;
    ariane)
      (cd "$ARIANE_ROOT" && exec ./ariane serve --config.file="$work/empty.yml" --storage.tsdb.path="$data" \
        --web.listen-address="127.0.0.1:$port" --web.enable-remote-write-receiver) >"$out" 2>&1 &
      server_pid=$! ;;
  esac
  echo "$server_pid" >"$work/server.pid"
}

run_system() {
  local sys="$1" port="${listen_port[$1]}" dir="$work/$1"
  mkdir -p "$dir/data"
  current_log="$dir/server.log"
  port_free "$port" || die "port $port for $sys is in use"
  if [ "$sys" = ariane ]; then
    [ -x "$ARIANE_ROOT/ariane" ] || die "no launcher at $ARIANE_ROOT/ariane (set ARIANE_ROOT)"
    log "ariane: building in $ARIANE_ROOT (if stale)"
    (cd "$ARIANE_ROOT" && ./ariane --help) >"$dir/build.log" 2>&1 || log "ariane: './ariane --help' failed; trying serve anyway (see $dir/build.log)"
  fi
  log "$sys: starting on 127.0.0.1:$port"
  start_server "$sys" "$dir/data" "$port" "$current_log"
  wait_for 300 "$sys: HTTP API" curl -fsS --max-time 2 "http://127.0.0.1:$port/api/v1/query?query=1"
  log "$sys: loading"
  loader load --url "http://127.0.0.1:$port" "${data_args[@]}" >"$dir/load.out" 2>"$dir/load.err" \
    || { cat "$dir/load.err" >&2; die "$sys: loading failed"; }
  log "$sys: loaded: $(cat "$dir/load.out")"
  loader wait --url "http://127.0.0.1:$port" "${data_args[@]}" 2>&1 | sed "s/^/[$sys] /" >&2
  [ "${PIPESTATUS[0]}" = 0 ] || die "$sys: the data did not become queryable"
  # Let background work after the load settle before timing: Prometheus compacts its head into a block once
  # it spans more than 3 h (checked every minute), so wait for that; then 10 s for everyone (merges, GC).
  if [ "$sys" = prometheus ]; then
    log "$sys: waiting for head compaction (head span at most 3 h)"
    wait_for 180 "$sys: head compaction" head_compacted "$port"
  fi
  sleep 10
  log "$sys: querying, $rounds rounds per query"
  loader query --url "http://127.0.0.1:$port" --start-ms "$start_ms" --end-ms "$end_ms" --step-s "$step" \
    --rounds "$rounds" --alloc-metric "${alloc_metric[$sys]}" --out "$work/results/$sys" --data "$data" --timeout-s 150 \
    $([ "$sys" = prometheus ] && echo "--equivalents prometheus-2.42") 2>&1 | sed "s/^/[$sys] /" >&2
  [ "${PIPESTATUS[0]}" = 0 ] || die "$sys: querying failed"
  echo "$(awk '/^VmHWM:/ {print $2}' "/proc/$server_pid/status")" >"$dir/hwm_kb"
  log "$sys: stopping"
  stop_pid "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  rm -f "$work/server.pid"
  server_pid=""
}

metric_value() { # metric_value PORT NAME: the value of the unlabelled sample NAME at /metrics
  curl -fsS --max-time 10 "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n { printf "%.0f\n", $2 }'
}
head_compacted() {
  local lo hi
  lo="$(metric_value "$1" prometheus_tsdb_head_min_time)"; hi="$(metric_value "$1" prometheus_tsdb_head_max_time)"
  [ -n "$lo" ] && [ -n "$hi" ] && [ $((hi - lo)) -le 10800000 ]
}

started_at="$(date -u '+%Y-%m-%d %H:%M UTC')"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for sys in "${systems[@]}"; do
  # A failed leg stops only its own server; the next system still runs (see ingest.sh for the subshell dance).
  set +e
  ( set -e
    trap '[ -f "$work/server.pid" ] && stop_pid "$(cat "$work/server.pid")"; rm -f "$work/server.pid"' EXIT
    run_system "$sys" ) &
  leg_pid=$!
  wait "$leg_pid"
  leg_status=$?
  leg_pid=""
  set -e
  if [ "$leg_status" != 0 ]; then
    log "$sys: failed; its log is below"
    tail -n 20 "$work/$sys/server.log" >&2 2>/dev/null || true
    rm -rf "$work/results/$sys"
  fi
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- report --------------------------------------------------------------------------------------------------

result_dir="$here/results"
mkdir -p "$result_dir" "$work/results"
result_file="$result_dir/query-$(date -u +%Y%m%d-%H%M%S).md"
labels=()
for sys in "${systems[@]}"; do
  if [ "$sys" = ariane ]; then
    labels+=("Ariane ($(git -C "$ARIANE_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))")
  else
    labels+=("${label[$sys]}")
  fi
done
{
  echo "## Queries, $started_at"
  echo
  echo "Command: \`$command_line\`$(case " ${systems[*]} " in *" ariane "*) echo " (Ariane from $ARIANE_ROOT at $(git -C "$ARIANE_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))" ;; esac)"
  echo
  echo "Data set $data: $([ "$data" = joins ] && echo "lq{i,grp,mod}" || echo "$instances instances"), $(head -c 200 "$work/${systems[0]}/load.out" 2>/dev/null | grep -oE 'series=[0-9]+ samples=[0-9]+' || echo '?'), ${hours} h every ${interval} s; query_range over the last ${range_hours} h, step ${step}s; $rounds timed rounds per query after one untimed run."
  echo "Host: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM; load average before $load_before, after $load_after."
  echo
  IFS=,; loader report --dir "$work/results" --systems "${systems[*]}" --labels "${labels[*]}" --data "$data"; unset IFS
  echo
  for sys in "${systems[@]}"; do
    [ -f "$work/$sys/load.out" ] || { echo "- $sys: failed"; continue; }
    echo "- $sys: load $(grep -oE 'seconds=[0-9.]+' "$work/$sys/load.out" | head -1 | cut -d= -f2) s; peak RSS $(( $(cat "$work/$sys/hwm_kb" 2>/dev/null || echo 0) / 1024 )) MB."
  done
} | tee "$result_file"
log "written to $result_file"
