#!/usr/bin/env bash
# Side-by-side storage benchmark (issue 4): Ariane, Prometheus 2.42 and VictoriaMetrics 1.79, one after the other,
# each with a fresh data folder on loopback.
#
#   bench/storage.sh [--only ariane,prometheus,victoriametrics] [--instances 20] [--hours 24]
#                    [--wal-series 1000000] [--wal-samples 4] [--settle 30] [--keep]
#
# Part 1, data at rest: the loader (bench/Ariane.Bench.Load) remote-writes the query benchmark's realistic data set
# (counters, gauges, classic histograms; 201 series per instance) over HOURS at 15 s, in time order. Each system is
# then made to persist everything: Ariane and Prometheus through POST /api/v1/admin/tsdb/snapshot (the snapshot
# holds every sample as blocks, the head included), VictoriaMetrics through /internal/force_flush and 30 s of
# background merging. Reported: disk bytes per sample (snapshot folder, or VictoriaMetrics's data folder) and
# resident memory per active series SETTLE seconds after the snapshot (the same wait for all three: each gives back
# some of what the burst of loading left behind, Go's collectors and Ariane's housekeeping alike).
# Part 2, start-up after a crash with a large WAL: WAL_SERIES series (Kubernetes-like label sets) with WAL_SAMPLES
# samples each are remote-written, the server is killed with SIGKILL, and the time from the restart to a 200 from
# /-/ready (VictoriaMetrics: /health) is measured; resident memory per series after the restart is reported too.
# Results: markdown tables on stdout and in bench/results/storage-<date>.md. ARIANE_ROOT as for query.sh.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
ARIANE_ROOT="${ARIANE_ROOT:-$repo}"
command_line="bench/storage.sh${*:+ $*}"
only="ariane,prometheus,victoriametrics"
instances=20
hours=24
wal_series=1000000
wal_samples=4
settle=30
keep=0
# Apart from ingest.sh's and query.sh's defaults, which may run at the same time; override with ARIANE_PORT,
# PROMETHEUS_PORT, VM_PORT as there when another run holds these.
declare -A listen_port=([ariane]="${ARIANE_PORT:-19295}" [prometheus]="${PROMETHEUS_PORT:-19290}" [victoriametrics]="${VM_PORT:-19528}")
declare -A label=([ariane]=Ariane [prometheus]="Prometheus 2.42" [victoriametrics]="VictoriaMetrics 1.79")

usage() { sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only="$2"; shift 2 ;;
    --instances) instances="$2"; shift 2 ;;
    --hours) hours="$2"; shift 2 ;;
    --wal-series) wal_series="$2"; shift 2 ;;
    --wal-samples) wal_samples="$2"; shift 2 ;;
    --settle) settle="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "storage.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
systems=()
for s in ariane prometheus victoriametrics; do
  case ",$only," in *",$s,"*) systems+=("$s") ;; esac
done
[ ${#systems[@]} -gt 0 ] || { echo "storage.sh: --only names no system" >&2; exit 2; }

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/ariane-storage.XXXXXX")"
server_pid=""
stop_pid() {
  [ -n "$1" ] || return 0
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 1 600); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}
cleanup() {
  [ -z "$server_pid" ] || { kill -KILL "$server_pid" 2>/dev/null || true; }
  if [ "$keep" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=bench/lib.sh
. "$here/lib.sh"
install_peers
stop_package_services

log "building the loader"
dotnet build "$here/Ariane.Bench.Load/Ariane.Bench.Load.csproj" -c Release -nologo -v quiet \
  -o "$work/load-bin" >"$work/load-build.log" 2>&1 || { cat "$work/load-build.log" >&2; die "build of the loader failed"; }
loader() { DOTNET_gcServer=0 dotnet "$work/load-bin/ariane-bench-load.dll" "$@"; }
if [[ " ${systems[*]} " == *" ariane "* ]]; then
  log "ariane: building in $ARIANE_ROOT (if stale)"
  (cd "$ARIANE_ROOT" && ./ariane --help) >"$work/ariane-build.log" 2>&1 || die "ariane: build failed (see $work/ariane-build.log)"
fi
printf 'global:\n  scrape_interval: 15s\n' >"$work/empty.yml"

start_server() { # start_server SYSTEM DATA LOG: starts it in the background, sets server_pid
  local sys="$1" data="$2" out="$3" port="${listen_port[$1]}"
  case "$sys" in
    prometheus)
      /usr/bin/prometheus --config.file="$work/empty.yml" --storage.tsdb.path="$data" --web.listen-address="127.0.0.1:$port" \
        --web.enable-remote-write-receiver --web.enable-admin-api >>"$out" 2>&1 &
      server_pid=$! ;;
    victoriametrics)
      /usr/bin/victoria-metrics -storageDataPath="$data" -httpListenAddr="127.0.0.1:$port" >>"$out" 2>&1 &
      server_pid=$! ;;
    ariane)
      (cd "$ARIANE_ROOT" && exec ./ariane serve --config.file="$work/empty.yml" --storage.tsdb.path="$data" \
        --web.listen-address="127.0.0.1:$port" --web.enable-remote-write-receiver --web.enable-admin-api) >>"$out" 2>&1 &
      server_pid=$! ;;
  esac
}
ready_url() { case "$1" in victoriametrics) echo "http://127.0.0.1:${listen_port[$1]}/health" ;; *) echo "http://127.0.0.1:${listen_port[$1]}/-/ready" ;; esac; }
wait_ready() { # wait_ready SYSTEM SECONDS: polls every 50 ms; prints the seconds it took
  local sys="$1" limit="$2" t0 url; url="$(ready_url "$sys")"; t0=$(date +%s.%N)
  until curl -fsS --max-time 2 "$url" >/dev/null 2>&1; do
    kill -0 "$server_pid" 2>/dev/null || die "$sys: exited while starting (see its log)"
    (( $(echo "$(date +%s.%N) - $t0 < $limit" | bc) )) || die "$sys: not ready after ${limit}s"
    sleep 0.05
  done
  printf '%.2f\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

end_ms=$(( ($(date +%s) / 60 - 1) * 60 * 1000 ))
declare -A bytes_per_sample rss_series startup_s rss_1m samples_total disk_bytes
for sys in "${systems[@]}"; do
  port="${listen_port[$sys]}"; dir="$work/$sys"; mkdir -p "$dir"
  port_free "$port" || die "port $port for $sys is in use"

  # --- part 1: data at rest ---
  log "$sys: part 1, $instances instances x 201 series over ${hours} h"
  start_server "$sys" "$dir/data" "$dir/server.log"
  wait_ready "$sys" 300 >/dev/null
  loader load --url "http://127.0.0.1:$port" --end-ms "$((end_ms - 7500))" --hours "$hours" --instances "$instances" \
    >"$dir/load.out" 2>"$dir/load.err" || { tail -5 "$dir/load.err" >&2; die "$sys: loading failed"; }
  log "$sys: loaded: $(cat "$dir/load.out")"
  samples="$(sed -n 's/.*samples=\([0-9]*\).*/\1/p' "$dir/load.out")"; samples_total[$sys]="$samples"
  series="$(sed -n 's/^series=\([0-9]*\).*/\1/p' "$dir/load.out")"
  loader wait --url "http://127.0.0.1:$port" --end-ms "$((end_ms - 7500))" --hours "$hours" --instances "$instances" 2>&1 | sed "s/^/[$sys] /" >&2
  case "$sys" in
    victoriametrics)
      curl -fsS "http://127.0.0.1:$port/internal/force_flush" >/dev/null; sleep 30
      size="$(du -sb "$dir/data" | cut -f1)" ;;
    *)
      name="$(curl -fsS -XPOST "http://127.0.0.1:$port/api/v1/admin/tsdb/snapshot" | sed -n 's/.*"name":"\([^"]*\)".*/\1/p')"
      [ -n "$name" ] || die "$sys: snapshot failed"
      size="$(du -sb "$dir/data/snapshots/$name" | cut -f1)" ;;
  esac
  disk_bytes[$sys]="$size"
  sleep "$settle"
  bytes_per_sample[$sys]="$(printf '%.3f' "$(echo "scale=4; $size / $samples" | bc)")"
  rss_series[$sys]="$(printf '%.2f' "$(echo "scale=3; $(rss_kb "$server_pid") * 1024 / $series / 1000" | bc)")"
  log "$sys: $size bytes on disk for $samples samples (${bytes_per_sample[$sys]} B/sample), ${rss_series[$sys]} KB RSS per series"
  stop_pid "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""

  # --- part 2: start-up with a large WAL ---
  log "$sys: part 2, $wal_series series x $wal_samples samples, then SIGKILL and restart"
  start_server "$sys" "$dir/wal-data" "$dir/server2.log"
  wait_ready "$sys" 300 >/dev/null
  loader series --url "http://127.0.0.1:$port" --count "$wal_series" --samples "$wal_samples" --end-ms "$end_ms" \
    >"$dir/series.out" 2>"$dir/series.err" || { tail -5 "$dir/series.err" >&2; die "$sys: series load failed"; }
  log "$sys: $(cat "$dir/series.out")"
  sleep 2
  kill -KILL "$server_pid"; wait "$server_pid" 2>/dev/null || true
  start_server "$sys" "$dir/wal-data" "$dir/server3.log"
  startup_s[$sys]="$(wait_ready "$sys" 900)"
  sleep 2
  rss_1m[$sys]="$(printf '%.2f' "$(echo "scale=3; $(rss_kb "$server_pid") * 1024 / $wal_series / 1000" | bc)")"
  log "$sys: ready ${startup_s[$sys]} s after restart; ${rss_1m[$sys]} KB RSS per series"
  stop_pid "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
done

ratio() { [ -n "${2:-}" ] && [ "$(echo "$2 > 0" | bc)" = 1 ] && printf '%.2f\n' "$(echo "scale=4; $1 / $2" | bc)" || echo "-"; }
mkdir -p "$here/results"
out="$here/results/storage-$(date -u +%Y%m%d-%H%M).md"
{
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), \`$command_line\`, Ariane at $(git -C "$ARIANE_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo
  echo "| system | samples | bytes on disk | B / sample | vs VM | KB RSS / series (part 1) | start-up s, ${wal_series} series WAL | vs Prometheus | KB RSS / series after restart | vs Prometheus |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for sys in "${systems[@]}"; do
    echo "| ${label[$sys]} | ${samples_total[$sys]} | ${disk_bytes[$sys]} | ${bytes_per_sample[$sys]} | $(ratio "${bytes_per_sample[$sys]}" "${bytes_per_sample[victoriametrics]:-}") | ${rss_series[$sys]} | ${startup_s[$sys]} | $(ratio "${startup_s[$sys]}" "${startup_s[prometheus]:-}") | ${rss_1m[$sys]} | $(ratio "${rss_1m[$sys]}" "${rss_1m[prometheus]:-}") |"
  done
} | tee "$out"
log "written to $out"
