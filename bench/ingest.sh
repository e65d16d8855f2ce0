#!/usr/bin/env bash
# Side-by-side ingestion benchmark: Ariane, Prometheus and VictoriaMetrics scrape the same synthetic
# node_exporter-like targets (bench/Ariane.Bench.Targets), one system after the other, each with a fresh
# data folder, and for each we report CPU seconds per million samples ingested and resident memory per
# active series, with ratios against the better of Prometheus and VictoriaMetrics.
#
#   bench/ingest.sh [--duration SECONDS] [--only ariane,prometheus,victoriametrics]
#                   [--targets N] [--series-per-target N] [--scrape-interval SECONDS]
#                   [--target-port-base PORT] [--keep]
#
# Defaults: 100 targets x 1000 series, scrape interval 15s, 300s of measurement after a warm-up of two
# scrape intervals once every target is up. ARIANE_ROOT (default: this repository) is where `./ariane serve`
# runs from. Results: a markdown table on stdout and in bench/results/ingest-<date>.md.
#
# How each figure is taken (see docs/benchmarks.md):
#   CPU s      utime+stime of the server process (/proc/PID/stat) at the end minus at the start of the window
#   samples    the system's own counter, end minus start: prometheus_tsdb_head_samples_appended_total,
#              vm_rows_inserted_total{type="promscrape"}, ariane_tsdb_head_samples_appended_total; when a
#              counter is missing: scrapes served by the targets in the window x series per target
#   series     prometheus_tsdb_head_series, vm_cache_entries{type="storage/hour_metric_ids"},
#              ariane_tsdb_head_series; when missing: targets x series per target
#   RSS        VmRSS of the server process (/proc/PID/status) at the end of the window
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
ARIANE_ROOT="${ARIANE_ROOT:-$repo}"

command_line="bench/ingest.sh${*:+ $*}"
duration=300
only="ariane,prometheus,victoriametrics"
targets=100
series_per_target=1000
interval=15
keep=0
target_port=20000
# Override with ARIANE_PORT, PROMETHEUS_PORT, VM_PORT (and --target-port-base) when another benchmark runs at the same time.
declare -A listen_port=([ariane]="${ARIANE_PORT:-19095}" [prometheus]="${PROMETHEUS_PORT:-19090}" [victoriametrics]="${VM_PORT:-19428}")

usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --targets) targets="$2"; shift 2 ;;
    --series-per-target) series_per_target="$2"; shift 2 ;;
    --scrape-interval) interval="$2"; shift 2 ;;
    --target-port-base) target_port="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "ingest.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done

systems=()
for s in ariane prometheus victoriametrics; do
  case ",$only," in *",$s,"*) systems+=("$s") ;; esac
done
for s in ${only//,/ }; do
  case "$s" in ariane|prometheus|victoriametrics) ;; *) echo "ingest.sh: unknown system $s" >&2; exit 2 ;; esac
done
for v in "$duration" "$targets" "$series_per_target" "$interval" "$target_port"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "ingest.sh: $v is not a positive whole number" >&2; exit 2; }
done
[ ${#systems[@]} -gt 0 ] || { echo "ingest.sh: --only names no system" >&2; exit 2; }

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

clk_tck="$(getconf CLK_TCK)"
work="$(mktemp -d "${TMPDIR:-/tmp}/ariane-ingest.XXXXXX")"
targets_pid=""
server_pid=""
leg_pid=""

# calc EXPRESSION: floating-point arithmetic (awk), four decimals.
calc() { awk "BEGIN { printf \"%.4f\", $1 }"; }
# less A B: succeeds when A < B (floating point).
less() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

stop_pid() { # stop_pid PID: TERM, up to 30s to exit, then KILL
  [ -n "$1" ] || return 0
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 1 300); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

cleanup() {
  local pid
  # A system under test runs in a subshell of this script; it records its server's PID here.
  [ -f "$work/server.pid" ] && server_pid="$(cat "$work/server.pid")"
  [ -z "$leg_pid" ] || kill -TERM "$leg_pid" 2>/dev/null || true
  for pid in "$server_pid" "$targets_pid"; do
    [ -n "$pid" ] || continue
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "$server_pid" "$targets_pid"; do
    [ -n "$pid" ] || continue
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ "$keep" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- prerequisites (bench/lib.sh) ----------------------------------------------------------------------------

# shellcheck source=bench/lib.sh
. "$here/lib.sh"
install_peers
stop_package_services

# --- helpers -------------------------------------------------------------------------------------------------

# cpu_seconds PID: utime+stime in seconds. Fields after the ")" that ends the command name: state is 3rd, utime 14th.
cpu_seconds() {
  local stat
  stat="$(cat "/proc/$1/stat")" || return 1
  stat="${stat##*) }"
  # shellcheck disable=SC2086
  set -- $stat
  calc "(${12} + ${13}) / $clk_tck"
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

# metric_sum URL NAME [LABEL_SUBSTRING]: the sum of every sample of NAME (any labels, optionally only those whose
# label text contains LABEL_SUBSTRING) in the text exposition at URL; prints nothing if there is none.
metric_sum() {
  curl -fsS --max-time 20 "$1" 2>/dev/null | awk -v name="$2" -v filter="${3:-}" '
    index($0, "#") == 1 { next }
    {
      n = $1; brace = index(n, "{")
      if (brace > 0) { labels = substr($0, brace, index($0, "}") - brace + 1); n = substr(n, 1, brace - 1) } else labels = ""
      if (n != name) next
      if (filter != "" && index(labels, filter) == 0) next
      sum += $NF; found = 1
    }
    END { if (found) printf "%.0f\n", sum }'
}

served_scrapes() { curl -fsS --max-time 5 "http://127.0.0.1:$target_port/stats" | awk '$1 == "scrapes" {print $2}'; }

# targets_up PORT: how many targets the server at PORT reports with health "up".
targets_up() {
  curl -fsS --max-time 10 "http://127.0.0.1:$1/api/v1/targets" 2>/dev/null | grep -oE '"health" *: *"up"' | wc -l
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every second until it succeeds
  local limit="$1" what="$2"; shift 2
  local start=$SECONDS
  until "$@" >/dev/null 2>&1; do
    [ -z "$server_pid" ] || kill -0 "$server_pid" 2>/dev/null || die "$what: the server exited (log: $current_log)"
    [ $((SECONDS - start)) -lt "$limit" ] || die "$what: not after ${limit}s (log: $current_log)"
    sleep 1
  done
}

fmt() { LC_ALL=C printf '%.*f' "$1" "$2"; }

# --- targets -------------------------------------------------------------------------------------------------

for ((p = target_port; p < target_port + targets; p++)); do port_free "$p" || die "port $p is in use (--target-port-base)"; done
log "building the synthetic targets"
dotnet build "$here/Ariane.Bench.Targets/Ariane.Bench.Targets.csproj" -c Release -nologo -v quiet \
  -o "$work/targets-bin" >"$work/targets-build.log" 2>&1 || { cat "$work/targets-build.log" >&2; die "build of the targets failed"; }
current_log="$work/targets.log"
DOTNET_gcServer=0 dotnet "$work/targets-bin/ariane-bench-targets.dll" --targets "$targets" \
  --series-per-target "$series_per_target" --port-base "$target_port" >"$current_log" 2>&1 &
targets_pid=$!
wait_for 60 "targets server" curl -fsS --max-time 2 "http://127.0.0.1:$((target_port + targets - 1))/stats"
log "$(head -1 "$current_log")"

total_series=$((targets * series_per_target))
{
  printf 'global:\n  scrape_interval: %ss\n  scrape_timeout: %ss\nscrape_configs:\n  - job_name: node\n    static_configs:\n      - targets:\n' \
    "$interval" "$((interval < 10 ? interval : 10))"
  for ((p = target_port; p < target_port + targets; p++)); do printf "          - '127.0.0.1:%s'\n" "$p"; done
} >"$work/prometheus.yml"

# --- one system ----------------------------------------------------------------------------------------------

declare -A r_series r_series_src r_samples r_samples_src r_cpu r_rss r_hwm r_served r_targets_cpu r_status
warmup=$((2 * interval))

# run_system SYSTEM runs in a subshell (so that a failure ends only that leg) and writes its figures to
# $work/SYSTEM/result as assignments to the r_* arrays, which the report reads back.

start_server() { # start_server SYSTEM DATA PORT LOG: starts it in the background, sets server_pid
  local sys="$1" data="$2" port="$3" out="$4"
  case "$sys" in
    prometheus)
      /usr/bin/prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$data" \
        --web.listen-address="127.0.0.1:$port" >"$out" 2>&1 &
      server_pid=$! ;;
    victoriametrics)
      /usr/bin/victoria-metrics -promscrape.config="$work/prometheus.yml" -storageDataPath="$data" \
        -httpListenAddr="127.0.0.1:$port" >"$out" 2>&1 &
      server_pid=$! ;;
    ariane)
      # The launcher execs the server, so $! is the server process itself.
      (cd "$ARIANE_ROOT" && exec ./ariane serve --config.file="$work/prometheus.yml" --storage.tsdb.path="$data" \
        --web.listen-address="127.0.0.1:$port") >"$out" 2>&1 &
      server_pid=$! ;;
  esac
  echo "$server_pid" >"$work/server.pid"
}

# read_counters SYSTEM PORT: prints "samples series" from the system's own metrics, "-" where missing.
read_counters() {
  local url="http://127.0.0.1:$2/metrics" samples="" series=""
  case "$1" in
    prometheus)
      samples="$(metric_sum "$url" prometheus_tsdb_head_samples_appended_total)"
      series="$(metric_sum "$url" prometheus_tsdb_head_series)" ;;
    victoriametrics)
      samples="$(metric_sum "$url" vm_rows_inserted_total 'type="promscrape"')"
      [ -n "$samples" ] || samples="$(metric_sum "$url" vm_promscrape_scraped_samples_sum)"
      series="$(metric_sum "$url" vm_cache_entries 'type="storage/hour_metric_ids"')" ;;
    ariane)
      samples="$(metric_sum "$url" ariane_tsdb_head_samples_appended_total)"
      series="$(metric_sum "$url" ariane_tsdb_head_series)" ;;
  esac
  echo "${samples:--} ${series:--}"
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
  wait_for 300 "$sys: HTTP API" curl -fsS --max-time 2 "http://127.0.0.1:$port/api/v1/targets"
  log "$sys: waiting for $targets targets to be up"
  wait_for $((6 * interval + 60)) "$sys: all targets up" test_all_up "$port"
  log "$sys: all targets up; warming up for ${warmup}s"
  sleep "$warmup"

  local cpu0 cpu1 c0 c1 s0 s1 t0 t1 tc0 tc1 began
  read -r c0 _ < <(read_counters "$sys" "$port")
  s0="$(served_scrapes)"; tc0="$(cpu_seconds "$targets_pid")"; cpu0="$(cpu_seconds "$server_pid")"
  began=$SECONDS
  log "$sys: measuring for ${duration}s"
  sleep "$duration"
  kill -0 "$server_pid" 2>/dev/null || die "$sys exited during the measurement (log: $current_log)"
  cpu1="$(cpu_seconds "$server_pid")"; tc1="$(cpu_seconds "$targets_pid")"; s1="$(served_scrapes)"
  local rss hwm; rss="$(rss_kb "$server_pid")"; hwm="$(hwm_kb "$server_pid")"
  local series; read -r c1 series < <(read_counters "$sys" "$port")
  local up; up="$(targets_up "$port")"
  log "$sys: window of $((SECONDS - began))s done; $up targets up at the end"

  local served=$(( (s1 - s0) * series_per_target )) samples samples_src series_src status="ok"
  if [ "$c0" != "-" ] && [ "$c1" != "-" ]; then
    samples=$((c1 - c0)); samples_src="its own counter"
  else
    samples="$served"; samples_src="FALLBACK (no counter): scrapes served by the targets x series per target"
    log "$sys: no samples counter; using scrapes served by the targets x series per target"
  fi
  if [ "$series" != "-" ]; then
    series_src="its own gauge"
  else
    series="$total_series"; series_src="FALLBACK (no gauge): targets x series per target"
    log "$sys: no head series gauge; using targets x series per target"
  fi
  [ "$up" -ge "$targets" ] || status="only $up/$targets targets up at the end"
  {
    printf 'r_cpu[%s]=%q\n' "$sys" "$(calc "$cpu1 - $cpu0")"
    printf 'r_targets_cpu[%s]=%q\n' "$sys" "$(calc "$tc1 - $tc0")"
    printf 'r_served[%s]=%q\n' "$sys" "$served"
    printf 'r_samples[%s]=%q\n' "$sys" "$samples"
    printf 'r_samples_src[%s]=%q\n' "$sys" "$samples_src"
    printf 'r_series[%s]=%q\n' "$sys" "$series"
    printf 'r_series_src[%s]=%q\n' "$sys" "$series_src"
    printf 'r_rss[%s]=%q\n' "$sys" "$rss"
    printf 'r_hwm[%s]=%q\n' "$sys" "$hwm"
    printf 'r_status[%s]=%q\n' "$sys" "$status"
  } >"$dir/result"

  log "$sys: stopping"
  stop_pid "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  rm -f "$work/server.pid"
  server_pid=""
}

test_all_up() { [ "$(targets_up "$1")" -ge "$targets" ]; }

started_at="$(date -u '+%Y-%m-%d %H:%M UTC')"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for sys in "${systems[@]}"; do
  # The subshell's own EXIT trap stops its server when the leg fails; the script goes on with the next system.
  # Not in an if, so that errexit stays in force inside the subshell; in the background, so that a TERM or
  # Ctrl-C to the script interrupts `wait` and runs the cleanup at once.
  set +e
  ( set -e
    trap '[ -f "$work/server.pid" ] && stop_pid "$(cat "$work/server.pid")"; rm -f "$work/server.pid"' EXIT
    run_system "$sys" ) &
  leg_pid=$!
  wait "$leg_pid"
  leg_status=$?
  leg_pid=""
  set -e
  if [ "$leg_status" = 0 ]; then
    # shellcheck disable=SC1090
    source "$work/$sys/result"
  else
    log "$sys: failed; its log is below"
    tail -n 20 "$work/$sys/server.log" >&2 2>/dev/null || true
  fi
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- report --------------------------------------------------------------------------------------------------

# Per-system derived figures: CPU s per 1M samples, KB per series; ratios against the better of Prometheus and VM.
declare -A r_cpu_per_m r_kb_per_series
best_cpu="" best_mem=""
for sys in "${systems[@]}"; do
  [ "${r_status[$sys]:-}" != "" ] || continue
  if [ "${r_samples[$sys]}" -gt 0 ]; then
    r_cpu_per_m[$sys]="$(calc "${r_cpu[$sys]} * 1000000 / ${r_samples[$sys]}")"
  else
    r_cpu_per_m[$sys]=""
  fi
  # KB here is 1000 bytes, as in the issue's "2.8 KB per series".
  r_kb_per_series[$sys]="$(calc "${r_rss[$sys]} * 1024 / 1000 / ${r_series[$sys]}")"
  if [ "$sys" != ariane ]; then
    if [ -n "${r_cpu_per_m[$sys]}" ] && { [ -z "$best_cpu" ] || less "${r_cpu_per_m[$sys]}" "$best_cpu"; }; then
      best_cpu="${r_cpu_per_m[$sys]}"
    fi
    if [ -z "$best_mem" ] || less "${r_kb_per_series[$sys]}" "$best_mem"; then
      best_mem="${r_kb_per_series[$sys]}"
    fi
  fi
done

ratio() { # ratio VALUE BEST
  if [ -n "$1" ] && [ -n "$2" ] && less 0 "$2"; then fmt 2 "$(calc "$1 / $2")"; else echo "–"; fi
}

result_dir="$here/results"
mkdir -p "$result_dir"
result_file="$result_dir/ingest-$(date -u +%Y%m%d-%H%M%S).md"
{
  echo "## Ingestion, $started_at"
  echo
  case " ${systems[*]} " in
    *" ariane "*) echo "Command: \`$command_line\` (Ariane from $ARIANE_ROOT at $(git -C "$ARIANE_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))" ;;
    *) echo "Command: \`$command_line\`" ;;
  esac
  echo
  echo "$targets targets x $series_per_target series = $total_series series, scrape interval ${interval}s, ${duration}s measured after a ${warmup}s warm-up."
  echo "Host: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM; load average before $load_before, after $load_after."
  echo
  echo "| system | series | samples in window | CPU s | CPU s / 1M samples | RSS MB | KB / series | CPU ratio | memory ratio |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for sys in "${systems[@]}"; do
    if [ -z "${r_status[$sys]:-}" ]; then echo "| $sys | failed | | | | | | | |"; continue; fi
    # An asterisk marks a figure from the fallback rather than the system's own metric (see the notes below).
    series_mark=""; samples_mark=""
    [ "${r_series_src[$sys]}" = "its own gauge" ] || series_mark="*"
    [ "${r_samples_src[$sys]}" = "its own counter" ] || samples_mark="*"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$sys" "${r_series[$sys]}$series_mark" "${r_samples[$sys]}$samples_mark" \
      "$(fmt 2 "${r_cpu[$sys]}")" "$( [ -n "${r_cpu_per_m[$sys]}" ] && fmt 2 "${r_cpu_per_m[$sys]}" || echo –)" \
      "$(fmt 0 "$(calc "${r_rss[$sys]} / 1024")")" "$(fmt 2 "${r_kb_per_series[$sys]}")" \
      "$(ratio "${r_cpu_per_m[$sys]}" "$best_cpu")" "$(ratio "${r_kb_per_series[$sys]}" "$best_mem")"
  done
  echo
  echo "Ratios are against the better of Prometheus and VictoriaMetrics in this run (1.00 = as good as the best)."
  echo
  for sys in "${systems[@]}"; do
    [ -n "${r_status[$sys]:-}" ] || continue
    echo "- $sys: samples from ${r_samples_src[$sys]}, series from ${r_series_src[$sys]}; targets served $(printf "%'d" "${r_served[$sys]}") samples in the window; peak RSS $(fmt 0 "$(calc "${r_hwm[$sys]} / 1024")") MB; the targets server used $(fmt 2 "${r_targets_cpu[$sys]}") CPU s; ${r_status[$sys]}."
  done
} | tee "$result_file"
log "written to $result_file"
