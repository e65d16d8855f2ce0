#!/usr/bin/env bash
# Runs every test suite. Installs what the tests need first (Debian packages for the real peers the
# differential and compatibility tests start on loopback). Ends with "N passed, N failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

# Real peers the tests run against, from Debian's packages.
need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
[ -x /usr/bin/prometheus-node-exporter ] || need+=(prometheus-node-exporter)
# The official Python client, an OpenMetrics target that writes _created samples (start timestamps).
/usr/bin/python3 -c 'import prometheus_client' >/dev/null 2>&1 || need+=(python3-prometheus-client)
[ -x /usr/bin/curl ] || need+=(curl)  # a second real TLS client for the web config tests (WebSecurityTests)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq >/dev/null || true
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || {
    echo "test.sh: apt-get install ${need[*]} failed" >&2; exit 1; }
  # The packages start system services listening on the default ports; the tests pick their own ports,
  # so stop them to keep the machine quiet.
  for s in prometheus prometheus-node-exporter; do
    (command -v systemctl >/dev/null && $sudo systemctl stop "$s" >/dev/null 2>&1) || true
    pkill -x "$s" >/dev/null 2>&1 || true
  done
fi

# clang, which the NativeAOT build of the server links with (the launcher also takes a lone versioned clang-N, but
# Debian's 'clang' package is the ordinary way to get it).
if ! command -v clang >/dev/null 2>&1; then
  echo "test.sh: installing clang"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends clang >/dev/null 2>&1 || {
    $sudo apt-get update -qq >/dev/null || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends clang >/dev/null || {
      echo "test.sh: apt-get install clang failed" >&2; exit 1; }
  }
fi

export ARIANE_REPORT_DIR="$root/.build/test-reports"
rm -rf "$ARIANE_REPORT_DIR"; mkdir -p "$ARIANE_REPORT_DIR"

echo "test.sh: building"
if ! dotnet build Ariane.slnx -c Release -nologo -v quiet >"$root/.build/build.log" 2>&1; then
  grep -E 'error' "$root/.build/build.log" | sort -u | head -n 50
  echo "test.sh: build failed"; echo "0 passed, 1 failed"; exit 1
fi

# The tests that start the server run the binary users run: the NativeAOT build the launcher publishes.
echo "test.sh: building the server binary (./ariane, NativeAOT)"
started=$SECONDS
if ! ./ariane --help >/dev/null 2>"$root/.build/launcher.log"; then
  cat "$root/.build/launcher.log"
  echo "test.sh: ./ariane could not build the server"; echo "0 passed, 1 failed"; exit 1
fi
echo "test.sh: server binary ready after $((SECONDS - started))s"

log="$root/.build/test.log"
dotnet test tests/Ariane.Tests/Ariane.Tests.csproj -c Release --no-build -nologo \
  --logger "console;verbosity=minimal" 2>&1 | tee "$log" | grep -E '^\s+(Failed|Error Message|Stack Trace)|Passed!|Failed!|^\s+at Ariane' | head -n 200
rc=${PIPESTATUS[0]}

echo
echo "== suite reports =="
for f in "$ARIANE_REPORT_DIR"/*.txt; do [ -f "$f" ] && cat "$f"; done

summary=$(grep -E '(Passed|Failed)!\s+-\s+Failed:' "$log" | tail -n 1)
failed=$(sed -E 's/.*Failed:\s+([0-9]+).*/\1/' <<<"$summary")
passed=$(sed -E 's/.*Passed:\s+([0-9]+).*/\1/' <<<"$summary")
skipped=$(sed -E 's/.*Skipped:\s+([0-9]+).*/\1/' <<<"$summary")
if [ -z "$summary" ]; then
  echo "test.sh: the test run printed no summary (exit $rc)"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$rc" = 0 ] && [ "$failed" = 0 ]
