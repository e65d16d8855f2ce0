# Shared by bench/ingest.sh and bench/query.sh: installing the peers and quieting their system services.
# Expects the caller's `systems` array, `work` folder and `log`/`die` functions.

# install_peers: installs the Debian packages of the systems to run (and curl) when they are missing.
install_peers() {
  local need_packages=() s
  for s in "${systems[@]}"; do
    case "$s" in
      prometheus) [ -x /usr/bin/prometheus ] || need_packages+=(prometheus) ;;
      victoriametrics) [ -x /usr/bin/victoria-metrics ] || need_packages+=(victoria-metrics) ;;
    esac
  done
  command -v curl >/dev/null || need_packages+=(curl)
  command -v bc >/dev/null || need_packages+=(bc)
  if [ ${#need_packages[@]} -gt 0 ]; then
    log "installing ${need_packages[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${need_packages[@]}" >"$work/apt.log" 2>&1 \
      || { apt-get update >>"$work/apt.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y "${need_packages[@]}" >>"$work/apt.log" 2>&1; } \
      || die "apt-get install ${need_packages[*]} failed (see $work/apt.log)"
  fi
}

# stop_package_services: the packages start system services (Prometheus on :9090 scraping itself, VictoriaMetrics
# on :8428) that would compete for the CPU being measured. Stop them through the init system, and without one,
# stop the daemons that run as the packages' service users; processes of other users (tests, colleagues) are left alone.
stop_package_services() {
  local svc user name pair
  for svc in prometheus victoria-metrics; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
      log "stopping service $svc"; systemctl stop "$svc" 2>/dev/null || true
    elif [ -x "/etc/init.d/$svc" ] && "/etc/init.d/$svc" status >/dev/null 2>&1; then
      log "stopping service $svc"; "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
    fi
  done
  for pair in prometheus:prometheus _victoria-metrics:victoria-metrics; do
    user="${pair%%:*}"; name="${pair##*:}"
    if id "$user" >/dev/null 2>&1 && pgrep -u "$user" -x "$name" >/dev/null 2>&1; then
      log "stopping $name processes of user $user"; pkill -u "$user" -x "$name" || true
    fi
  done
}

# port_free PORT: true when nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
