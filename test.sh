#!/usr/bin/env bash
# Runs every test suite. Installs what the tests need first (Debian packages for the real peers the
# differential and compatibility tests start on loopback). Ends with "N passed, N failed, N skipped"; the skipped
# tests are listed with their reasons just before it.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi

# Installs Debian packages without starting their services: Debian's packages start a daemon on install (prometheus
# on :9090, node_exporter on :9100), and the tests start their own on loopback ports they pick. For the install
# only, /usr/sbin/policy-rc.d answers 101 ("action forbidden"), which invoke-rc.d and deb-systemd-invoke honour, so
# nothing is started and nothing needs ending afterwards. An existing policy-rc.d (a container's) is left as it is.
# (ARIANE_POLICY_RC_D moves the file, for the test of this function.)
apt_install() {
  local policy="${ARIANE_POLICY_RC_D:-/usr/sbin/policy-rc.d}" made="" rc=0
  if [ ! -e "$policy" ]; then
    $sudo sh -c "printf '#!/bin/sh\n# made by Ariane test.sh for one apt-get install\nexit 101\n' > $policy && chmod 755 $policy" && made=1
    trap '[ -n "$made" ] && $sudo rm -f "$policy"' EXIT INT TERM
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 || {
    $sudo apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null || rc=1
  }
  if [ -n "$made" ]; then $sudo rm -f "$policy"; trap - EXIT INT TERM; fi
  return $rc
}

# Real peers the tests run against, from Debian's packages.
need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
[ -x /usr/bin/prometheus-node-exporter ] || need+=(prometheus-node-exporter)
# The official Python client, an OpenMetrics target that writes _created samples (start timestamps).
/usr/bin/python3 -c 'import prometheus_client' >/dev/null 2>&1 || need+=(python3-prometheus-client)
[ -x /usr/bin/curl ] || need+=(curl)  # a second real TLS client for the web config tests (WebSecurityTests)
# The web UI: Node.js and npm build it (the server's build runs npm ci and Vite); Chromium renders it headless in the
# browser tests (UiBrowserTests), which save a screenshot of every page under .build/test-reports/screenshots/.
command -v npm >/dev/null 2>&1 || need+=(nodejs)  # NodeSource's nodejs (20+) carries npm; Vite 8 needs Node 20.19 or newer
[ -x /usr/bin/chromium ] || need+=(chromium)
# clang, which the NativeAOT build of the server links with (the launcher also takes a lone versioned clang-N, but
# Debian's 'clang' package is the ordinary way to get it).
command -v clang >/dev/null 2>&1 || need+=(clang)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]}"
  apt_install "${need[@]}" || { echo "test.sh: apt-get install ${need[*]} failed" >&2; exit 1; }
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

# Prints the tests a TRX file records as not run, each with the reason it gave (Assert.Skip), one per line. The console
# logger names them at minimal verbosity but without the reason, and at normal verbosity changes its summary line.
print_skipped() {
  /usr/bin/python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for r in ET.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult[@outcome='NotExecuted']", ns):
    reason = " ".join((r.findtext("t:Output/t:ErrorInfo/t:Message", "", ns) or "(no reason given)").split())
    print("  " + r.get("testName", "?") + ": " + reason[:400])
PY
}

log="$root/.build/test.log"
trx="$root/.build/test-results.trx"
rm -f "$trx"
dotnet test tests/Ariane.Tests/Ariane.Tests.csproj -c Release --no-build -nologo \
  --logger "console;verbosity=minimal" --logger "trx;LogFileName=$trx" 2>&1 | tee "$log" | grep -E '^\s+(Failed|Error Message|Stack Trace)|Passed!|Failed!|Skipped!|^\s+at Ariane' | head -n 200
rc=${PIPESTATUS[0]}

# The browser suite (tests/Ariane.Tests/Server/UiE2e: Playwright driving headless Chromium against a real server) is
# part of the run above; its own count, from the TRX file, is printed beside the other suites'.
/usr/bin/python3 - "$trx" "$ARIANE_REPORT_DIR" <<'PY' 2>/dev/null || echo "browser suite: no results (the test run wrote no TRX file)" >"$ARIANE_REPORT_DIR/ui-browser.txt"
import os, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
root = ET.parse(sys.argv[1]).getroot()
ids = {d.get("id") for d in root.iterfind(".//t:UnitTest", ns) if ".UiE2e." in (d.find("t:TestMethod", ns).get("className") or "")}
outcomes = [r.get("outcome") for r in root.iterfind(".//t:UnitTestResult", ns) if r.get("testId") in ids]
shots = os.path.join(sys.argv[2], "screenshots")
n = len([f for f in os.listdir(shots) if f.endswith(".png")]) if os.path.isdir(shots) else 0
with open(os.path.join(sys.argv[2], "ui-browser.txt"), "w") as f:
    f.write("browser suite (Playwright, headless Chromium): %d passed, %d failed, %d skipped; %d screenshots in .build/test-reports/screenshots/\n"
            % (outcomes.count("Passed"), outcomes.count("Failed"), outcomes.count("NotExecuted"), n))
PY

# The web app's unit tests (Vitest, web/src/**/*.test.ts): counted with the others. Their JUnit report gives the counts.
echo "test.sh: web unit tests (Vitest)"
vitest_xml="$ARIANE_REPORT_DIR/vitest-junit.xml"
(cd web && npx --no-install vitest run --reporter=default --reporter=junit --outputFile.junit="$vitest_xml") >"$root/.build/vitest.log" 2>&1
vitest_rc=$?
read -r web_passed web_failed web_skipped < <(/usr/bin/python3 - "$vitest_xml" <<'PY' 2>/dev/null || echo "0 1 0"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = list(root.iter("testcase"))
failed = [c for c in cases if c.find("failure") is not None or c.find("error") is not None]
skipped = [c for c in cases if c.find("skipped") is not None]
print(len(cases) - len(failed) - len(skipped), len(failed), len(skipped))
PY
)
[ "$vitest_rc" != 0 ] && [ "$web_failed" = 0 ] && web_failed=1  # it failed before writing a report (a syntax error)
echo "web unit tests (Vitest): ${web_passed} passed, ${web_failed} failed, ${web_skipped} skipped" >"$ARIANE_REPORT_DIR/web-unit.txt"

echo
echo "== suite reports =="
for f in "$ARIANE_REPORT_DIR"/*.txt; do [ -f "$f" ] && cat "$f"; done

# "Passed!", "Failed!", or "Skipped!" when every test that ran was skipped.
summary=$(grep -E '(Passed|Failed|Skipped)!\s+-\s+Failed:' "$log" | tail -n 1)
failed=$(sed -E 's/.*Failed:\s+([0-9]+).*/\1/' <<<"$summary")
passed=$(sed -E 's/.*Passed:\s+([0-9]+).*/\1/' <<<"$summary")
skipped=$(sed -E 's/.*Skipped:\s+([0-9]+).*/\1/' <<<"$summary")
if [ -z "$summary" ]; then
  echo "test.sh: the test run printed no summary (exit $rc)"
  echo "0 passed, 1 failed"
  exit 1
fi
# The skipped tests with their reasons: a test that cannot run here says so rather than passing untested.
if [ "$skipped" != 0 ]; then
  echo
  echo "== skipped tests =="
  print_skipped "$trx" 2>&1 | head -n 60
fi
# The failures again, last, so that a reader who sees only the end of the output (a CI log's tail) sees which ones.
if [ "$failed" != 0 ]; then
  echo
  echo "== failed tests =="
  grep -E -A 3 '^\s+Failed ' "$log" | grep -v -E '^--$|^\s+Stack Trace' | cut -c1-400 | head -n 60
fi
if [ "$web_failed" != 0 ]; then
  echo
  echo "== failed web unit tests =="
  grep -E -A 6 'FAIL|AssertionError|Error:' "$root/.build/vitest.log" | cut -c1-400 | head -n 40
fi
echo "$((passed + web_passed)) passed, $((failed + web_failed)) failed, $((skipped + web_skipped)) skipped"
[ "$rc" = 0 ] && [ "$failed" = 0 ] && [ "$web_failed" = 0 ]
